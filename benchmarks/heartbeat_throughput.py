"""Heartbeat throughput against a bare Django view on the same server (issue 11).

On PostgreSQL + the app server as README deploys it (granian, 4 workers of 4 threads,
lms.settings.production, DEBUG off): wrk, the load generator from Debian, with 32 connections,
sends for `--seconds` each (1) GET /healthz — a bare Django view that touches no database — and
(2) POST /api/v1/study/heartbeat from 2,000 different learners enrolled in a course with a long
video and already studying it, each beat presenting its study ticket and crediting real study
time (benchmarks/wrk/heartbeat.lua cycles through the tickets, each wrk thread from its own
place). The lesson page and the app send the same beat, so one figure serves both. Prints
requests/s of both, their ratio, and latency percentiles; median of `--runs`.

Each run also reports the CPU time a request cost, in ms, read from /proc around it: the
server's processes ("server"), the PostgreSQL processes serving this database and the
server's background writers ("database"), and wrk ("load"). On a machine shared with other
work the throughput moves with their load; the CPU per request much less so.

Usage: .venv/bin/python benchmarks/heartbeat_throughput.py [--runs 3] [--seconds 15]
It creates and drops its own database `shuangyu_bench`. wrk runs outside the server's
interpreter but on the same 2 cores (apt-get install wrk).
"""

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from servers import worker_pids  # noqa: E402
from sign_in_burst import ENV, ROOT, _psql, database_fresh, start_server, stop  # noqa: E402

DB_NAME = "shuangyu_bench"
PORT = 8100


def prepare(learners: int) -> dict:
    database_fresh()
    script = f"""
import json
from django.contrib.auth import get_user_model
from courses.models import Enrollment, LessonProgress, StudyClock
from courses.tickets import study_ticket
from lms.people.models import Person
from lms.people.services import township_setup
from tests.factories import courses as build

township, _ = township_setup(name="东沟乡", village_names=["东沟村"])
village = township.villages.get()
course = build.course("党章学习", is_required=True)
lesson = build.lesson(course, media_seconds=3600 * 10)
User = get_user_model()
users = User.objects.bulk_create(
    [User(username=f"139{{i:08d}}", password="!") for i in range({learners})]
)
people = Person.objects.bulk_create([
    Person(name=f"学员{{i:04d}}", village=village, phone=f"139{{i:08d}}", user=user,
           is_party_member=True)
    for i, user in enumerate(users)
])
Enrollment.objects.bulk_create([
    Enrollment(person=person, course=course, source="assigned") for person in people
])
# Learners already studying (a clock and progress row each): the steady state, not the one
# first heartbeat per lesson that creates them.
StudyClock.objects.bulk_create([StudyClock(person=person) for person in people])
LessonProgress.objects.bulk_create([LessonProgress(person=p, lesson=lesson) for p in people])
tickets = [study_ticket(person_id=person.pk, lesson_id=lesson.pk) for person in people]
print(json.dumps({{"lesson": lesson.pk, "tickets": tickets}}))
"""
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT,
        env={**ENV, "PYTHONPATH": str(ROOT)},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


# How many of the study rows' updates were HOT (the row's new version on its own page, no index
# written): the heartbeat's two tables leave room on each page for that (courses migration).
HOT_SQL = (
    "SELECT json_object_agg(relname, json_build_object('updates', n_tup_upd, 'hot', "
    "n_tup_hot_upd)) FROM pg_stat_user_tables "
    "WHERE relname IN ('courses_lessonprogress', 'courses_studyclock')"
)
WRK_SCRIPT = Path(__file__).resolve().parent / "wrk" / "heartbeat.lua"


TICK = os.sysconf("SC_CLK_TCK")
# PostgreSQL's own processes, whatever database they serve: their work (WAL writes and
# flushes) grows with the writes of every backend.
PG_BACKGROUND = ("walwriter", "background writer", "checkpointer", "autovacuum", "logger")


def _cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def _database_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        if command.startswith("postgres:") and (
            f" {DB_NAME} " in command or any(name in command for name in PG_BACKGROUND)
        ):
            pids.append(int(entry.name))
    return pids


def cpu_snapshot(server: subprocess.Popen) -> dict[str, dict[int, float]]:
    """CPU seconds so far of each process of the server, the database and wrk, by pid."""
    server_pids = [server.pid, *worker_pids(server.pid)]
    load = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "server": {pid: _cpu_seconds(pid) for pid in server_pids},
        "database": {pid: _cpu_seconds(pid) for pid in _database_pids()},
        "load": {0: load.ru_utime + load.ru_stime},  # wrk, once it has been waited for
    }


def cpu_spent(before: dict, after: dict) -> dict[str, float]:
    """Seconds spent between two snapshots: a process that ended meanwhile (an autovacuum
    worker) is left out, one that started counts whole."""
    return {
        part: sum(
            max(0.0, seconds - before[part].get(pid, 0.0)) for pid, seconds in after[part].items()
        )
        for part in after
    }


def wrk(path: str, seconds: float, concurrency: int, *, script=None, env=None, server=None) -> dict:
    """One wrk run: requests/s, errors (non-2xx and socket errors), latency percentiles, and
    with `server` the CPU ms a request cost in the server, the database and wrk."""
    command = ["wrk", "-t2", f"-c{concurrency}", f"-d{int(seconds)}s", "--latency"]
    if script:
        command += ["-s", str(script)]
    before = cpu_snapshot(server) if server else None
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{PORT}{path}"],
        env={**os.environ, **(env or {})},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures = wrk_figures(out)
    if server and figures["requests"]:
        spent = cpu_spent(before, cpu_snapshot(server))
        figures["cpu_ms"] = {
            part: round(seconds * 1000 / figures["requests"], 3) for part, seconds in spent.items()
        }
        figures["cpu_ms"]["total"] = round(sum(figures["cpu_ms"].values()), 3)
    return figures


def wrk_figures(out: str) -> dict:
    def number(pattern, default="0"):
        found = re.search(pattern, out)
        return found.group(1) if found else default

    def ms(text: str) -> float:
        found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
        if found is None:
            raise ValueError(f"wrk printed a latency this script cannot read: {text}\n{out}")
        value, unit = found.groups()
        return round(float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit], 1)

    errors = int(number(r"Non-2xx or 3xx responses: (\d+)"))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket:
        errors += sum(int(part) for part in socket.groups())
    return {
        "requests": int(number(r"(\d+) requests in")),
        "errors": errors,
        "rps": float(number(r"Requests/sec:\s+([\d.]+)")),
        "p50_ms": ms(number(r"(?m)^\s+50%\s+(\S+)", "0ms")),
        "p99_ms": ms(number(r"(?m)^\s+99%\s+(\S+)", "0ms")),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    data = prepare(args.learners)
    tickets = Path(tempfile.mkstemp(prefix="tickets-", suffix=".txt")[1])
    tickets.write_text("\n".join(data["tickets"]) + "\n")
    beats = {"script": WRK_SCRIPT, "env": {"TICKETS": str(tickets)}}
    server = start_server()
    runs = []
    try:
        wrk("/api/v1/study/heartbeat", 2, 4, **beats)  # warm up every worker
        wrk("/healthz", 2, 4)
        for _ in range(args.runs):
            bare = wrk("/healthz", args.seconds, args.concurrency, server=server)
            beat = wrk(
                "/api/v1/study/heartbeat", args.seconds, args.concurrency, server=server, **beats
            )
            runs.append(
                {
                    "bare": bare,
                    "heartbeat": beat,
                    "ratio": round(beat["rps"] / bare["rps"], 3),
                    "cpu_ratio": round(bare["cpu_ms"]["total"] / beat["cpu_ms"]["total"], 3),
                }
            )
            print(json.dumps(runs[-1]), flush=True)
        hot = subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", DB_NAME, "-Atc", HOT_SQL],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        print("updates (of which HOT, no index touched):", hot.strip(), flush=True)
    finally:
        stop(server)
        _psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    print(
        "median:",
        json.dumps(
            {
                "bare_rps": statistics.median(r["bare"]["rps"] for r in runs),
                "heartbeat_rps": statistics.median(r["heartbeat"]["rps"] for r in runs),
                "ratio": statistics.median(r["ratio"] for r in runs),
                "cpu_ratio": statistics.median(r["cpu_ratio"] for r in runs),
                "bare_cpu_ms": statistics.median(r["bare"]["cpu_ms"]["total"] for r in runs),
                "heartbeat_cpu_ms": {
                    part: statistics.median(r["heartbeat"]["cpu_ms"][part] for r in runs)
                    for part in ("server", "database", "load", "total")
                },
                "heartbeat_p99_ms": statistics.median(r["heartbeat"]["p99_ms"] for r in runs),
                "heartbeat_errors": sum(r["heartbeat"]["errors"] for r in runs),
            }
        ),
    )


if __name__ == "__main__":
    main()

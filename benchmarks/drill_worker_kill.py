"""Drill (issue 13): a Celery worker killed in the middle of assigning a course to a village of
30,000 party members. Nothing may be lost or enrolled twice, and the work must go on by itself.

    /work/main/.venv/bin/python benchmarks/drill_worker_kill.py [--people 30004]
        [--visibility-timeout 60] [--kill-at 0.4] [--write]

Uses only its own database `shuangyu_drill_worker` on 127.0.0.1:5432 as `postgres` (created,
and dropped at the end) and Redis db 11 on 127.0.0.1:6379 (emptied first and last: it is this
drill's), with production settings (`lms.settings.production`, DEBUG off). It starts the
worker itself, the way README says to,

    celery -A lms worker -l warning --concurrency 2 -P prefork

(the `celery` next to the Python running this script) and stops only the processes it
started, by their ids. Three runs, each a new course assigned to the whole village through
`course_assign_start` (it commits and queues `courses.assign`), timed from that request:

- undisturbed: how long the task takes (it must stay far below the visibility timeout);
- pool process killed: once --kill-at of the people are done, SIGKILL the pool process running
  the task (as the OOM killer would). `CELERY_TASK_REJECT_ON_WORKER_LOST` requeues it at once;
- whole worker killed: SIGKILL the worker and its pool processes (a machine lost), then start a
  new worker. Redis hands the task on after the visibility timeout, set for the drill to
  --visibility-timeout seconds (production: 900).

Each is checked: the assignment done, every person enrolled once (none missing, no person
twice), and `assigned` in its counts equal to the people (no chunk counted twice). Prints a
markdown table; --write appends it with the command and the machine to benchmarks/RESULTS.md.
"""

import argparse
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from workers import Worker, log  # benchmarks/workers.py: this script's folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "shuangyu_drill_worker"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
BROKER_URL = "redis://127.0.0.1:6379/11"
CELERY = str(Path(sys.executable).parent / "celery")
WORKER = [CELERY, "-A", "lms", "worker", "-l", "warning", "--concurrency", "2", "-P", "prefork"]
POLL_SECONDS = 0.02
RESULTS = ROOT / "benchmarks" / "RESULTS.md"


def drill_env(visibility_timeout: int, workdir: Path) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_SETTINGS_MODULE": "lms.settings.production",
        "SECRET_KEY": "drill-only-" + "x" * 60,
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CELERY_BROKER_URL": BROKER_URL,
        "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": str(workdir / "media"),
        "PRIVATE_ROOT": str(workdir / "private"),
    }
    env.pop("CELERY_RESULT_BACKEND", None)  # the broker's Redis db, as by default
    return env


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql],
        check=True,
        capture_output=True,
    )


def database_fresh(env: dict) -> None:
    psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB_NAME}")
    migrate_env = {**env, "CELERY_BROKER_URL": ""}  # migrations queue nothing on the broker
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=migrate_env,
        check=True,
    )


def village_of(people: int):
    """Township 东沟乡, village 东沟村 of `people` party members, its organizer."""
    from lms.people.models import Person, RoleAssignment, User
    from lms.people.services import role_assign, township_setup

    township_setup(name="东沟乡", village_names=["东沟村"])
    from lms.people.models import Village

    village = Village.objects.get(name="东沟村")
    surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
    Person.objects.bulk_create(
        [
            Person(name=f"{surnames[n % 20]}{n}", village=village, is_party_member=True)
            for n in range(people)
        ],
        batch_size=2000,
    )
    organizer = User.objects.create_user(username="organizer", password="drill-only")
    role_assign(
        user=organizer,
        role=RoleAssignment.Role.ORGANIZER,
        township=village.township,
        villages=[village],
    )
    return village, organizer


def assignment_requested(title: str, village, organizer):
    from courses.assignment import assignment_people_ids, course_assign_start
    from tests.factories import courses as build

    course = build.course(title)
    ids = assignment_people_ids(by=organizer, village=village)
    return course_assign_start(course=course, people_ids=ids, by=organizer), ids


def progress(assignment_id: int) -> tuple[str, int]:
    from courses.models import CourseAssignment

    row = CourseAssignment.objects.filter(pk=assignment_id).values("status", "done").get()
    return row["status"], row["done"]


def wait_until(condition, timeout: float) -> float | None:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if condition():
            return time.perf_counter() - start
        time.sleep(POLL_SECONDS)
    return None


def checked(course, ids: list[int], assignment_id: int) -> dict:
    from django.db.models import Count

    from courses.models import CourseAssignment, Enrollment

    assignment = CourseAssignment.objects.get(pk=assignment_id)
    enrolled = Enrollment.objects.filter(course=course)
    twice = enrolled.values("person_id").annotate(n=Count("pk")).filter(n__gt=1).count()
    missing = len(set(ids) - set(enrolled.values_list("person_id", flat=True)))
    return {
        "status": assignment.status,
        "enrolled": enrolled.count(),
        "missing": missing,
        "twice": twice,
        "counted": assignment.counts.get("assigned", 0),
    }


def cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime


def pool_processes(worker) -> list[int]:
    worker.record_pids()
    return sorted(pid for pid in worker._own_alive() if pid != worker.process.pid)


def run(kind: str, n: int, options, env, workdir, village, organizer, app, workers) -> dict:
    """One assignment; `kind`: none, process (a pool process killed) or worker (all of it)."""
    assignment, ids = assignment_requested(f"演练课程 {n}（{kind}）", village, organizer)
    start = time.perf_counter()
    total = len(ids)
    log(f"{kind}: assignment {assignment.pk} of {total} people queued")
    row = {"kind": kind, "total": total}
    if kind != "none":
        kill_at = int(total * options.kill_at)
        worker = workers[-1]
        # The pool process running the task is the one whose CPU time grows meanwhile (asking
        # the worker which one takes a second: longer than the chunks before the kill).
        if wait_until(lambda: progress(assignment.pk)[1] > 0, 120) is None:
            raise RuntimeError("the assignment did not get under way")
        before = {pid: cpu_ticks(pid) for pid in pool_processes(worker)}
        if wait_until(lambda: progress(assignment.pk)[1] >= kill_at, 120) is None:
            raise RuntimeError("the assignment stopped before the kill")
        if kind == "process":
            pid = max(before, key=lambda pid: cpu_ticks(pid) - before[pid])
            os.kill(pid, signal.SIGKILL)
            row["killed"] = f"pool process {pid}"
        else:
            worker.kill()
            row["killed"] = f"worker {sorted(worker.pids)}"
        killed_at = time.perf_counter()
        time.sleep(0.3)  # let the killed transaction roll back before reading what is counted
        _status, done_at_kill = progress(assignment.pk)
        row["done_at_kill"] = done_at_kill
        log(f"{kind}: killed {row['killed']} with {done_at_kill} of {total} counted")
        if done_at_kill >= total:
            raise RuntimeError("the assignment finished before the kill: try a smaller --kill-at")
        if kind == "worker":
            workers.append(Worker(WORKER, env, workdir / f"worker-{len(workers)}.log"))
            log(f"new worker ready in {workers[-1].wait_ready(app):.1f} s")
        timeout = options.visibility_timeout + 180
        resumed = wait_until(lambda: progress(assignment.pk)[1] > done_at_kill, timeout)
        if resumed is None:
            raise RuntimeError(f"no progress within {timeout} s of the kill")
        row["resumed_s"] = time.perf_counter() - killed_at
        log(f"{kind}: going on {row['resumed_s']:.1f} s after the kill")
    finished = wait_until(lambda: progress(assignment.pk)[0] in ("done", "failed"), 600)
    if finished is None:
        raise RuntimeError("the assignment did not finish")
    row["finished_s"] = time.perf_counter() - start
    row.update(checked(assignment.course, ids, assignment.pk))
    log(f"{kind}: {row}")
    return row


def table(rows: list[dict], options) -> str:
    lines = [
        "| run | people | killed at (counted) | going on after the kill | whole assignment |"
        " enrolled | missing | twice | counted assigned |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    names = {
        "none": "undisturbed",
        "process": "pool process SIGKILLed",
        "worker": "whole worker SIGKILLed, new worker started",
    }
    for row in rows:
        killed = f"{row['done_at_kill']:,}" if "done_at_kill" in row else "–"
        resumed = f"{row['resumed_s']:.1f} s" if "resumed_s" in row else "–"
        lines.append(
            f"| {names[row['kind']]} | {row['total']:,} | {killed} | {resumed} |"
            f" {row['finished_s']:.1f} s | {row['enrolled']:,} | {row['missing']} |"
            f" {row['twice']} | {row['counted']:,} |"
        )
    return "\n".join(lines)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return f"{os.cpu_count()} cores ({cpu}), load before {load}, Python {platform.python_version()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=30004)
    parser.add_argument("--visibility-timeout", type=int, default=60)
    parser.add_argument("--kill-at", type=float, default=0.4, help="share done before the kill")
    parser.add_argument("--write", action="store_true")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="shuangyu-drill-"))
    env = drill_env(options.visibility_timeout, workdir)
    os.environ.update(env)
    os.environ.pop("CELERY_RESULT_BACKEND", None)
    sys.path.insert(0, str(ROOT))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the finally below still runs

    workers: list[Worker] = []
    redis_client = None
    try:
        log(f"database {DB_NAME}: fresh, migrated")
        database_fresh(env)
        import django

        django.setup()
        import redis
        from django.conf import settings

        from lms.celery import app

        assert settings.DATABASES["default"]["NAME"] == DB_NAME
        visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
        assert visibility == options.visibility_timeout
        redis_client = redis.Redis.from_url(BROKER_URL)
        redis_client.flushdb()
        info = machine()
        log(f"setup: a village of {options.people} party members")
        village, organizer = village_of(options.people)

        workers.append(Worker(WORKER, env, workdir / "worker-0.log"))
        log(f"worker ready in {workers[0].wait_ready(app):.1f} s")
        rows = [
            run(kind, n, options, env, workdir, village, organizer, app, workers)
            for n, kind in enumerate(("none", "process", "worker"), start=1)
        ]
    finally:
        for worker in workers:
            worker.stop()
        if redis_client is not None:
            redis_client.flushdb()
        from django.db import connections

        connections.close_all()
        psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        log(f"database {DB_NAME} dropped; logs in {workdir}")

    ok = all(
        row["status"] == "done" and row["missing"] == 0 and row["twice"] == 0 for row in rows
    ) and all(row["counted"] == row["total"] for row in rows)
    report = table(rows, options)
    print(report)
    print(
        f"\n{info}; visibility timeout {options.visibility_timeout} s; {'OK' if ok else 'FAILED'}"
    )
    if options.write:
        command = " ".join(
            ["/work/main/.venv/bin/python", "benchmarks/drill_worker_kill.py", *sys.argv[1:]]
        ).replace(" --write", "")
        with RESULTS.open("a") as results:
            results.write(
                f"\n## A worker lost mid-assignment (issue 13), {time.strftime('%Y-%m-%d')}\n\n"
                f"- **Command**: `{command}`\n- **Machine**: {info}\n"
                f"- **Visibility timeout**: {options.visibility_timeout} s for the drill"
                " (production: 900 s)\n\n"
                f"{report}\n"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

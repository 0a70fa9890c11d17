"""万人在线: are 10,000 learners studying at once held for 3 minutes? (issues 3 and 11)

On PostgreSQL + the app server as README deploys it (granian; lms.settings.production, DEBUG
off, Redis cache and sessions), 10,000 learners each send a heartbeat every 30 s (~333/s) while
playing a lesson, as the lesson page and the app do (the study ticket, no cookie);
`--page-share` (default 5 %) of the requests open the learner's lesson page with their session
instead.

The load comes from wrk (Debian's package) with benchmarks/wrk/learners.lua: `--connections`
connections (default 200) each wait their turn so that together they send the learners' rate
(open loop as far as wrk allows: a connection waits for its answer, then for its next turn,
so a server that falls behind shows as latency and a lower rate). A run warms up for
`--warmup` seconds (not counted), then is measured for `--seconds`. Pass: p95 < 200 ms, no
errors (non-2xx, refused or timed-out connections) and the rate held.

Usage: .venv/bin/python benchmarks/ten_thousand_learners.py [--runs 3] [--seconds 180]
       [--workers 4] [--threads 4] [--learners 10000] [--page-share 0.05]
It creates and drops its own database `shuangyu_bench`. wrk runs outside the server's
interpreter, on the same 2 cores.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sign_in_burst import ENV, ROOT, _psql, database_fresh, start_server, stop  # noqa: E402

# As deployed at scale (README): a shared Redis cache, which also holds the sessions.
ENV["CACHE_URL"] = "redis://127.0.0.1:6379/3"
DB_NAME = "shuangyu_bench"
PORT = 8100
INTERVAL = 30.0
TIMEOUT = 10.0
CSRF = "b" * 32  # the browser's CSRF secret: cookie and header carry the same value


def prepare(learners: int) -> dict:
    """A fresh database: one course of three long lessons, every learner enrolled and already
    studying (clock and progress rows exist); four in five with a browser session, one in
    five with an API token."""
    database_fresh()
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=ENV,
        check=True,
    )
    script = f"""
import datetime, json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.conf import settings
from django.utils import timezone
from django.utils.crypto import get_random_string
from wagtail.models import APIToken
from courses.models import Enrollment, LessonProgress, StudyClock
from courses.tickets import study_ticket
from lms.people.models import Person
from lms.people.services import township_setup
from tests.factories import courses as build

township, _ = township_setup(name="东沟乡", village_names=["东沟村"])
village = township.villages.get()
course = build.course("学习党章 做合格党员", is_required=True)
lessons = [build.lesson(course, f"第{{n}}课", media_seconds=3600 * 10) for n in (1, 2, 3)]
for lesson in lessons:
    lesson.save_revision().publish()
User = get_user_model()
users = User.objects.bulk_create(
    [User(username=f"139{{i:08d}}", password="!") for i in range({learners})]
)
people = Person.objects.bulk_create([
    Person(name=f"学员{{i:05d}}", village=village, phone=f"139{{i:08d}}", user=user,
           is_party_member=True)
    for i, user in enumerate(users)
])
Enrollment.objects.bulk_create([
    Enrollment(person=person, course=course, source="assigned") for person in people
])
# They have been studying before: each has a study clock and progress in their lesson.
StudyClock.objects.bulk_create([StudyClock(person=person) for person in people])
LessonProgress.objects.bulk_create([
    LessonProgress(person=person, lesson=lessons[i % 3]) for i, person in enumerate(people)
])
store = SessionStore()
expires = timezone.now() + datetime.timedelta(days=1)
backend = settings.AUTHENTICATION_BACKENDS[0]
learners, sessions = [], []
for i, user in enumerate(users):
    lesson = lessons[i % 3]
    entry = {{"lesson": lesson.pk, "url": lesson.url,
              "ticket": study_ticket(person_id=people[i].pk, lesson_id=lesson.pk)}}
    if i % 5 == 0:
        entry["token"] = APIToken.create_token(user=user, name="bench")[1]
    else:
        key = get_random_string(32, "abcdefghijklmnopqrstuvwxyz0123456789")
        data = {{SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: backend,
                HASH_SESSION_KEY: user.get_session_auth_hash()}}
        sessions.append(Session(session_key=key, session_data=store.encode(data),
                                expire_date=expires))
        entry["session"] = key
    learners.append(entry)
Session.objects.bulk_create(sessions, batch_size=1000)
print(json.dumps(learners))
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


def _request(learner: dict, *, page: bool, position: int) -> bytes:
    if page:
        lines = [f"GET {learner['url']} HTTP/1.1"]
        body = b""
    else:
        # The lesson page and the app send the same beat: the study ticket, no cookie.
        body = json.dumps(
            {"ticket": learner["ticket"], "position_seconds": position, "playing": True}
        ).encode()
        lines = ["POST /api/v1/study/heartbeat HTTP/1.1", "Content-Type: application/json"]
    if "session" in learner and page:
        lines.append(f"Cookie: sessionid={learner['session']}; csrftoken={CSRF}")
    lines += [
        "Host: 127.0.0.1",
        "User-Agent: Mozilla/5.0 (Linux; Android 10) bench",
        f"Content-Length: {len(body)}",
        "Connection: close",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


WRK_SCRIPT = Path(__file__).resolve().parent / "wrk" / "learners.lua"


def _soak(learners_file: Path, *, rate: float, seconds: float, connections: int, share: float):
    env = {
        **os.environ,
        "LEARNERS": str(learners_file),
        "RATE": str(rate),
        "CONNECTIONS": str(connections),
        "PAGE_SHARE": str(share),
    }
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{int(seconds)}s",
            "--timeout",
            "10s",
            "-s",
            str(WRK_SCRIPT),
            f"http://127.0.0.1:{PORT}",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    line = next(x for x in out.splitlines() if x.startswith("RESULT "))
    failures = next(x for x in out.splitlines() if x.startswith("FAILURES "))
    figures = {key: float(value) for key, value in (part.split("=") for part in line.split()[1:])}
    errors = int(failures.split()[1]) + sum(
        int(figures[key]) for key in ("connect", "read", "write", "timeout")
    )
    return {
        "requests_per_s": round(figures["requests"] / figures["seconds"], 1),
        "target_per_s": round(rate, 1),
        "p50_ms": figures["p50_ms"],
        "p95_ms": figures["p95_ms"],
        "p99_ms": figures["p99_ms"],
        "max_ms": figures["max_ms"],
        "errors": errors,
        "first_failure": failures.split(" ", 2)[2] if errors else "",
    }


def _credited_check(since: float) -> dict:
    """No learner can have been credited more than the wall-clock time since the first run
    began (plus one heartbeat's worth), however many requests they sent."""
    out = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-d",
            DB_NAME,
            "-Atc",
            "select count(*), coalesce(max(seconds_credited), 0) from courses_lessonprogress",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    rows, most = (int(x) for x in out.split("|"))
    bound = time.time() - since + 45
    return {
        "progress_rows": rows,
        "most_credited_s": most,
        "credit_within_wall_clock": most <= bound,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--warmup", type=float, default=20)
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--page-share", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--connections",
        type=int,
        default=0,
        help="default: one per 2 requests/s, so each sends every ~0.5 s (within keep-alive)",
    )
    args = parser.parse_args()

    print(f"Preparing {args.learners} learners in {DB_NAME} …", flush=True)
    learners = prepare(args.learners)
    learners_file = Path(tempfile.mkstemp(prefix="learners-", suffix=".txt")[1])
    learners_file.write_text(
        "".join(f"{x['ticket']} {x['url']} {x.get('session', '-')}\n" for x in learners)
    )
    rate = args.learners / INTERVAL / (1 - args.page_share)
    connections = args.connections or max(4, round(rate / 2))
    soak = {"rate": rate, "connections": connections, "share": args.page_share}
    server = start_server(args.workers, threads=args.threads, port=PORT)
    results = []
    first_began = time.time()
    try:
        for run in range(1, args.runs + 1):
            began = time.time()
            _soak(learners_file, seconds=args.warmup, **soak)
            result = _soak(learners_file, seconds=args.seconds, **soak)
            result.update(_credited_check(first_began))
            result["run_wall_s"] = round(time.time() - began, 1)
            results.append(result)
            print(f"run {run}: {json.dumps(result, ensure_ascii=False)}", flush=True)
    finally:
        stop(server)
        _psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    median = {
        key: statistics.median(r[key] for r in results)
        for key in ("requests_per_s", "p50_ms", "p95_ms", "p99_ms", "errors")
    }
    held = all(
        r["p95_ms"] < 200
        and r["errors"] == 0
        and r["credit_within_wall_clock"]
        and r["requests_per_s"] >= 0.95 * r["target_per_s"]
        for r in results
    )
    print(f"median: {json.dumps(median)}")
    print(f"held (every run p95 < 200 ms, no errors, the rate kept): {'yes' if held else 'no'}")


if __name__ == "__main__":
    main()

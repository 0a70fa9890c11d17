"""万人在线: are 10,000 learners studying at once held for 3 minutes? (issue 3, part b)

On PostgreSQL + gunicorn (lms.settings.production, DEBUG off), 10,000 learners each send a
heartbeat every 30 s (~333/s) while playing a lesson, as the lesson page does; on each of
those 30-second beats a learner also opens the lesson page with probability `--page-share`
(default 5 %: ~17 page views/s, a page every ten minutes per learner). Four in five learners
are in the phone's browser (session cookie, CSRF header, POST /study/heartbeat/); one in
five use the mobile client (bearer token, POST /api/v1/study/heartbeat) and open no pages.

The load is open-loop, like real phones: each learner's beats are due at fixed times (a
random phase within the first 30 s, then every 30 s), whatever the server answers, and
latency is measured from when a request was due, so a server that falls behind shows it.
A run has `--warmup` seconds not counted, then `--seconds` measured. Pass: p95 < 200 ms and
no errors (non-2xx, refused or timed-out connections) in the measured window.

The load generator is this script: one process, stdlib asyncio, a new connection per
request (a phone behind a carrier NAT). It runs on the same 2 cores as gunicorn and
PostgreSQL; its own CPU time is printed with the results.

Usage: .venv/bin/python benchmarks/ten_thousand_learners.py [--runs 3] [--seconds 180]
       [--workers 4] [--threads 1] [--learners 10000] [--page-share 0.05]
It creates and drops its own database `shuangyu_bench`.
"""

import argparse
import asyncio
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sign_in_burst import ENV, ROOT, _psql, database_fresh, percentile, start_gunicorn, stop  # noqa: E402

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


async def _send(payload: bytes, tally) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", PORT)
    try:
        writer.write(payload)
        await writer.drain()
        status_line = await reader.readline()
        rest = await reader.read()  # Connection: close — the body ends with the connection
        status = int(status_line.split()[1])
        if status >= 300 and status not in tally.first_error:
            tally.first_error[status] = rest[-300:].decode(errors="replace")
        return status
    finally:
        writer.close()


class Tally:
    def __init__(self, measure_from: float, ramp: float):
        self.measure_from = measure_from
        self.ramp = ramp
        self.latencies = {"heartbeat": [], "page": []}
        self.errors: dict[str, int] = {}
        self.first_error: dict[int, str] = {}  # the end of the first answer of each status

    def record(self, kind: str, due: float, outcome) -> None:
        if due < self.measure_from:
            return
        if isinstance(outcome, int) and 200 <= outcome < 300:
            self.latencies[kind].append((time.monotonic() - due) * 1000)
        else:
            key = f"{kind}: {outcome}"
            self.errors[key] = self.errors.get(key, 0) + 1


async def _learner(learner, start, until, tally: Tally, rng: random.Random, share: float):
    due = start + rng.uniform(0, tally.ramp)
    position = rng.randrange(0, 3600)
    tasks = []
    while due < until:
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        position += int(INTERVAL)
        kinds = ["heartbeat"]
        if "session" in learner and rng.random() < share:
            kinds.append("page")
        for kind in kinds:
            tasks.append(asyncio.create_task(_timed(learner, kind, due, position, tally)))
        due += INTERVAL
    await asyncio.gather(*tasks)


async def _timed(learner, kind, due, position, tally: Tally) -> None:
    payload = _request(learner, page=kind == "page", position=position)
    try:
        outcome = await asyncio.wait_for(_send(payload, tally), TIMEOUT)
    except TimeoutError:
        outcome = "timeout"
    except OSError as error:
        outcome = type(error).__name__
    tally.record(kind, due, outcome)


async def _soak(learners, ramp, warmup, seconds, share, seed) -> dict:
    rng = random.Random(seed)
    start = time.monotonic()
    tally = Tally(measure_from=start + ramp + warmup, ramp=ramp)
    until = start + ramp + warmup + seconds
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    await asyncio.gather(*(_learner(x, start, until, tally, rng, share) for x in learners))
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    beats = sorted(tally.latencies["heartbeat"])
    pages = sorted(tally.latencies["page"])
    every = sorted(beats + pages) or [float("nan")]
    return {
        "heartbeats_per_s": round(len(beats) / seconds, 1),
        "pages_per_s": round(len(pages) / seconds, 1),
        "p50_ms": round(percentile(every, 50), 1),
        "p95_ms": round(percentile(every, 95), 1),
        "p99_ms": round(percentile(every, 99), 1),
        "heartbeat_p95_ms": round(percentile(beats, 95), 1) if beats else None,
        "page_p95_ms": round(percentile(pages, 95), 1) if pages else None,
        "max_ms": round(every[-1], 1) if every else None,
        "errors": sum(tally.errors.values()),
        "error_kinds": tally.errors,
        "first_error_bodies": tally.first_error,
        "generator_cpu_share": round(cpu / (time.monotonic() - start), 2),
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
    parser.add_argument("--ramp", type=float, default=120)
    parser.add_argument("--warmup", type=float, default=30)
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--page-share", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    print(f"Preparing {args.learners} learners in {DB_NAME} …", flush=True)
    learners = prepare(args.learners)
    server = start_gunicorn(args.workers, threads=args.threads, port=PORT)
    results = []
    first_began = time.time()
    try:
        for run in range(1, args.runs + 1):
            began = time.time()
            result = asyncio.run(
                _soak(learners, args.ramp, args.warmup, args.seconds, args.page_share, seed=run)
            )
            result.update(_credited_check(first_began))
            result["run_wall_s"] = round(time.time() - began, 1)
            results.append(result)
            print(f"run {run}: {json.dumps(result, ensure_ascii=False)}", flush=True)
    finally:
        stop(server)
        _psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    median = {
        key: statistics.median(r[key] for r in results)
        for key in ("heartbeats_per_s", "pages_per_s", "p50_ms", "p95_ms", "p99_ms", "errors")
    }
    held = all(
        r["p95_ms"] < 200 and r["errors"] == 0 and r["credit_within_wall_clock"] for r in results
    )
    print(f"median: {json.dumps(median)}")
    print(f"held (every run p95 < 200 ms, no errors): {'yes' if held else 'no'}")


if __name__ == "__main__":
    main()

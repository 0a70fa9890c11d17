"""Heartbeat throughput against a bare Django view on the same server (issue 3, part a).

On PostgreSQL + gunicorn (lms.settings.production, DEBUG off): 32 connections send, for
`--seconds` each, (1) GET /healthz — a bare Django view that touches no database — and
(2) POST /api/v1/study/heartbeat from 2,000 different learners (bearer tokens) enrolled in a
course with a long video and already studying it, each heartbeat crediting real study
time. Prints requests/s of both, their ratio, and latency percentiles; median of `--runs`.

Usage: .venv/bin/python benchmarks/heartbeat_throughput.py [--runs 3] [--seconds 15]
It creates and drops its own database `shuangyu_bench`. The load generator is this script's
threads (stdlib http.client, keep-alive off); it shares the 2 cores with the server.
"""

import argparse
import http.client
import itertools
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sign_in_burst import ENV, ROOT, _psql, database_fresh, percentile, start_gunicorn, stop  # noqa: E402

DB_NAME = "shuangyu_bench"
PORT = 8100


def prepare(learners: int) -> dict:
    database_fresh()
    script = f"""
import json
from django.contrib.auth import get_user_model
from wagtail.models import APIToken
from courses.models import Enrollment, LessonProgress, StudyClock
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
tokens = [APIToken.create_token(user=user, name="bench")[1] for user in users]
print(json.dumps({{"lesson": lesson.pk, "tokens": tokens}}))
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


def closed_loop(request, seconds: float, concurrency: int) -> dict:
    latencies, errors, lock = [], [0], threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker():
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                status = request()
            except OSError:
                status = 0
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                if status != 200:
                    errors[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    return {
        "requests": len(latencies),
        "errors": errors[0],
        "rps": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
    }


def healthz() -> int:
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    connection.request("GET", "/healthz")
    response = connection.getresponse()
    response.read()
    return response.status


def heartbeat_sender(lesson: int, tokens: list[str]):
    turn = itertools.cycle(tokens)
    lock = threading.Lock()

    def send() -> int:
        with lock:
            token = next(turn)
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        connection.request(
            "POST",
            "/api/v1/study/heartbeat",
            body=json.dumps({"lesson_id": lesson, "position_seconds": 60, "playing": True}),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        response.read()
        return response.status

    return send


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    data = prepare(args.learners)
    server = start_gunicorn(5)
    runs = []
    try:
        send = heartbeat_sender(data["lesson"], data["tokens"])
        send()  # warm up
        for _ in range(args.runs):
            bare = closed_loop(healthz, args.seconds, args.concurrency)
            beat = closed_loop(send, args.seconds, args.concurrency)
            runs.append(
                {"bare": bare, "heartbeat": beat, "ratio": round(beat["rps"] / bare["rps"], 3)}
            )
            print(json.dumps(runs[-1]))
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
                "heartbeat_p95_ms": statistics.median(r["heartbeat"]["p95_ms"] for r in runs),
                "heartbeat_errors": sum(r["heartbeat"]["errors"] for r in runs),
            }
        ),
    )


if __name__ == "__main__":
    main()

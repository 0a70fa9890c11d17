"""Sign-in burst: 600 people sign in to one session within 60 s through the QR endpoint.

What it measures (issue 4): on PostgreSQL + the app server (granian, as README deploys it), the
latency (p50/p95/p99/max) and the errors of POST /api/v1/attendance/sign-in with the screen's
current QR token, when 600 learners arrive at random moments of one minute (open loop: a slow
answer does not slow the arrivals, as in a real hall). It then checks the database: exactly 600
records, 600 ledger rows. A second phase sends another 600 as fast as 32 connections allow, for
the ceiling.

Usage (from the project folder, PostgreSQL on 127.0.0.1 with trust auth):
    .venv/bin/python benchmarks/sign_in_burst.py [--runs 3] [--people 600] [--seconds 60]
It creates and drops its own database `shuangyu_bench`. The load generator is this
script's threads (stdlib http.client, one new connection per request like a phone); it
shares the 2 cores with the server, which the results say.
"""

import argparse
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from servers import server_start, server_stop  # benchmarks/servers.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "shuangyu_bench"
PORT = 8100
ENV = {
    **os.environ,
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    "DJANGO_SETTINGS_MODULE": "lms.settings.production",
    "SECRET_KEY": "benchmark-only-" + "x" * 60,
    "SECURE_SSL_REDIRECT": "false",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "CELERY_BROKER_URL": "",
    "LOG_LEVEL": "WARNING",
}


def _psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql],
        check=True,
        capture_output=True,
    )


def database_fresh() -> None:
    """Drop and recreate the benchmark database, and migrate it."""
    _psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    _psql(f"CREATE DATABASE {DB_NAME}")
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=ENV,
        check=True,
    )


def prepare(people: int) -> dict:
    """A fresh database: one village, `people` learners with API tokens, one open session."""
    database_fresh()
    script = f"""
import datetime, json
from decimal import Decimal
from django.utils import timezone
from wagtail.models import APIToken
from attendance.models import SessionKind, TrainingSession
from lms.people.models import Person, RoleAssignment
from lms.people.services import role_assign, township_setup
from django.contrib.auth import get_user_model

township, _ = township_setup(name="东沟乡", village_names=["东沟村"])
village = township.villages.get()
organizer = get_user_model().objects.create_user("organizer", password="x-bench-pass-1")
role_assign(user=organizer, role=RoleAssignment.Role.ORGANIZER, township=township,
            villages=[village])
_, organizer_token = APIToken.create_token(user=organizer, name="bench")
session = TrainingSession.objects.create(
    kind=SessionKind.objects.get(name=SessionKind.DEFAULT), topic="马铃薯种薯技术",
    track="skills", village=village, venue="村委会", study_hours=Decimal("2"),
    starts_at=timezone.now() - datetime.timedelta(minutes=10),
    ends_at=timezone.now() + datetime.timedelta(hours=2), late_after=60,
)
# Accounts sign in by API token here, so they need no (slow to hash) password.
User = get_user_model()
users = User.objects.bulk_create(
    [User(username=f"139{{i:08d}}", password="!") for i in range({people})]
)
Person.objects.bulk_create(
    [Person(name=f"学员{{i:04d}}", village=village, phone=f"139{{i:08d}}", user=user)
     for i, user in enumerate(users)]
)
tokens = [APIToken.create_token(user=user, name="bench")[1] for user in users]
print(json.dumps({{"session": session.pk, "organizer": organizer_token, "tokens": tokens}}))
"""
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT,
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


SERVER_LOG = Path(tempfile.gettempdir()) / "shuangyu-benchmark-server.log"


def start_server(workers: int = 4, *, threads: int = 4, port: int = PORT) -> subprocess.Popen:
    """The app server on lms.wsgi as README deploys it: `workers` processes of `threads`."""
    return server_start(
        env=ENV,
        port=port,
        workers=workers,
        threads=threads,
        ready_path="/api/v1/openapi.json",
        # The request log is on in production and costs what it costs here too; its lines
        # go to a file, as they would to the journal, not over the benchmark's own output.
        stderr=open(SERVER_LOG, "ab"),  # noqa: SIM115 (kept open for the server's life)
    )


stop = server_stop


class TokenWatcher:
    """Reads the screen's current QR token every 5 s, as the organizer's projector does."""

    def __init__(self, session_id: int, organizer_token: str):
        self.session_id, self.organizer_token = session_id, organizer_token
        self.token = self._fetch()
        self._stop = threading.Event()
        threading.Thread(target=self._loop, daemon=True).start()

    def _fetch(self) -> str:
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
        connection.request(
            "GET",
            f"/api/v1/attendance/sessions/{self.session_id}/screen",
            headers={"Authorization": f"Bearer {self.organizer_token}"},
        )
        body = json.loads(connection.getresponse().read())
        return re.search(r"/s/([^/]+)/", body["sign_in"]["url"]).group(1)

    def _loop(self):
        while not self._stop.wait(5):
            self.token = self._fetch()

    def close(self):
        self._stop.set()


def sign_in(bearer: str, qr_token: str) -> tuple[float, int]:
    started = time.perf_counter()
    try:
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        connection.request(
            "POST",
            "/api/v1/attendance/sign-in",
            body=json.dumps({"token": qr_token}),
            headers={"Authorization": f"Bearer {bearer}", "Content-Type": "application/json"},
        )
        response = connection.getresponse()
        response.read()
        status = response.status
    except OSError:
        status = 0
    return time.perf_counter() - started, status


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def open_loop(tokens: list[str], watcher: TokenWatcher, seconds: float, seed: int) -> dict:
    rng = random.Random(seed)
    arrivals = sorted(rng.uniform(0, seconds) for _ in tokens)
    results: list[tuple[float, int]] = []
    lock = threading.Lock()
    start = time.perf_counter()

    def arrive(at: float, bearer: str):
        delay = at - (time.perf_counter() - start)
        if delay > 0:
            time.sleep(delay)
        outcome = sign_in(bearer, watcher.token)
        with lock:
            results.append(outcome)

    with ThreadPoolExecutor(max_workers=128) as pool:
        for at, bearer in zip(arrivals, tokens, strict=True):
            pool.submit(arrive, at, bearer)
    return summarise(results, time.perf_counter() - start)


def closed_loop(tokens: list[str], watcher: TokenWatcher, concurrency: int) -> dict:
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(lambda bearer: sign_in(bearer, watcher.token), tokens))
    return summarise(results, time.perf_counter() - start)


def summarise(results: list[tuple[float, int]], elapsed: float) -> dict:
    latencies = [latency * 1000 for latency, status in results]
    errors = sum(1 for _latency, status in results if status != 200)
    return {
        "requests": len(results),
        "errors": errors,
        "elapsed_s": round(elapsed, 2),
        "throughput_rps": round(len(results) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "max_ms": round(max(latencies), 1),
    }


def count_rows(session_id: int) -> dict:
    script = (
        "from attendance.models import AttendanceRecord as A; "
        "from lms.ledger.models import StudyHoursEntry as L; import json; "
        f"print(json.dumps({{'records': A.objects.filter(session_id={session_id}).count(), "
        f"'ledger': L.objects.count()}}))"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", script],
        cwd=ROOT,
        env=ENV,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def one_run(args, seed: int) -> dict:
    data = prepare(args.people * 2)
    server = start_server(args.workers)
    watcher = TokenWatcher(data["session"], data["organizer"])
    try:
        burst = open_loop(data["tokens"][: args.people], watcher, args.seconds, seed)
        ceiling = closed_loop(data["tokens"][args.people :], watcher, 32)
        rows = count_rows(data["session"])
    finally:
        watcher.close()
        stop(server)
    return {"burst": burst, "ceiling": ceiling, "rows": rows}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--people", type=int, default=600)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1))
    args = parser.parse_args()
    runs = [one_run(args, seed) for seed in range(args.runs)]
    for index, run in enumerate(runs, 1):
        print(f"run {index}: {json.dumps(run, ensure_ascii=False)}")
    median = {
        phase: {key: statistics.median(run[phase][key] for run in runs) for key in runs[0][phase]}
        for phase in ("burst", "ceiling")
    }
    print("median:", json.dumps(median))
    _psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


if __name__ == "__main__":
    main()

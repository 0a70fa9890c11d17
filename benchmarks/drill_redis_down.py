"""Drill: Redis is away. Does the site still answer (hardening issue 13)?

Serves the demo township with the app server (granian, as README deploys it) on PostgreSQL in
production settings, with CACHE_URL and CELERY_BROKER_URL pointing at a port nobody listens on
(the machine's Redis is shared and is never stopped), and checks that each of these answers as
usual, not with a 500: login, 我的学习, a lesson page, two heartbeats, signing in by code on the
site's form and through the API; that ten wrong codes still stop a guesser (the count kept in
the database); and that `/healthz?deep=1` answers 503 naming the cache and the broker, with the
tasks kept for the broker counted. Then Redis "returns" (a private redis-server started on the
dead port, when the URL is local and redis-server is installed): the same server, not
restarted, answers with Redis again, queues new tasks on the broker, says ok, and the tasks
kept during the outage are sent. Prints one line per check with its time; exits 1 if one fails.

Usage (from the project folder, PostgreSQL on 127.0.0.1 with trust auth):
    python benchmarks/drill_redis_down.py [--dead-redis redis://127.0.0.1:6390]
It creates and drops its own database `shuangyu_drill` (about a minute to load the demo).
"""

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

from servers import server_start  # benchmarks/servers.py, beside this script
from sign_in_burst import _psql as psql

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "shuangyu_drill"
PORT = 8107
BASE_ENV = {
    **os.environ,
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    "DJANGO_SETTINGS_MODULE": "lms.settings.production",
    "SECRET_KEY": "drill-only-" + "x" * 60,
    "SECURE_SSL_REDIRECT": "false",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "LOG_LEVEL": "WARNING",
    # Production serves hashed static names: collected once into a folder of the drill's own.
    "STATIC_ROOT": tempfile.mkdtemp(prefix="shuangyu-drill-static-"),
}
# Loading the demo runs its tasks in-process, with the per-process memory cache.
PREPARE_ENV = {**BASE_ENV, "CELERY_BROKER_URL": "", "CACHE_URL": ""}

PREPARE = """
import datetime, json
from decimal import Decimal
from django.utils import timezone
from attendance.models import SessionKind, TrainingSession
from courses.models import CoursePage, Enrollment
from courses.services import enrollment_create
from courses.tickets import study_ticket
from lms.people.models import Person
from lms.people.services import api_token_create, person_account_create

learner = Person.objects.select_related("village").get(phone=PHONE, user__isnull=False)
course = CoursePage.objects.live().order_by("pk").first()
if not Enrollment.objects.filter(person=learner, course=course).exists():
    enrollment_create(person=learner, course=course, source=Enrollment.Source.SELF)
lesson = course.lessons()[0]
guesser = Person.objects.filter(village=learner.village, user__isnull=True).order_by("pk").first()
person_account_create(person=guesser, password="drill-pass-123")
now = timezone.now()
sessions = [
    TrainingSession.objects.create(
        kind=SessionKind.objects.get(name=SessionKind.DEFAULT), topic=f"演练{n}",
        track="skills", village=learner.village, venue="村委会", study_hours=Decimal("1"),
        starts_at=now - datetime.timedelta(minutes=5), ends_at=now + datetime.timedelta(hours=2),
    )
    for n in (1, 2, 3)
]
print(json.dumps({
    "lesson_url": lesson.url, "ticket": study_ticket(person_id=learner.pk, lesson_id=lesson.pk),
    "token": api_token_create(user=learner.user),
    "guesser_token": api_token_create(user=guesser.user),
    "sessions": [session.pk for session in sessions],
}))
"""

SEND_DEFERRED = """
from lms.outages.tasks import send_deferred_tasks_task
print(send_deferred_tasks_task())
"""

CODE = """
from attendance.models import TrainingSession
from attendance.sign_in import sign_in_code_make
print(sign_in_code_make(session=TrainingSession.objects.get(pk=SESSION)))
"""


def run(args, env, **kwargs):
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True
    ).stdout


def shell(script: str, env) -> str:
    return run(["manage.py", "shell", "--no-imports", "-c", script], env).strip().splitlines()[-1]


class Browser:
    """One phone: keeps its cookies, sends the CSRF token Django asks for."""

    def __init__(self):
        self.cookies = SimpleCookie()

    def request(self, method, path, *, form=None, body=None, headers=None):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v.value}" for k, v in self.cookies.items())
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.cookies["csrftoken"].value}
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            body = json.dumps(body)
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        return response.status, content, time.perf_counter() - started


def start_server(env) -> subprocess.Popen:
    return server_start(env=env, port=PORT)


def redis_returns(port, phone_browser, api, bearer, serve_env, code, facts) -> bool:
    """A private Redis on the dead port; the same server must use it again by itself."""
    redis = subprocess.Popen(
        ["redis-server", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        time.sleep(11)  # past the 5 s (cache) and 10 s (broker) a process leaves Redis alone
        print(f"Redis returns on port {port} (the server not restarted)", flush=True)
        ok = [
            _check("GET /study/ (我的学习)", phone_browser.request("GET", "/study/"), {200}),
            _check(
                "sign in by code through the API",
                api.request(
                    "POST",
                    "/api/v1/attendance/sign-in",
                    body={"code": code(facts["sessions"][2])},
                    headers=bearer,
                ),
                {200},
            ),
        ]
        deep = api.request("GET", "/healthz?deep=1")
        ok.append(_check("GET /healthz?deep=1 says ok (200)", deep, {200}))
        print("     " + deep[1].decode())
        queued_live = _queue_length(port)
        sent = int(shell(SEND_DEFERRED, serve_env))
        queued = _queue_length(port)
        print(
            f"     tasks on the broker: {queued_live} queued live, {queued} after"
            f" outages.send_deferred_tasks sent the {sent} kept during the outage"
        )
        ok.append(queued_live >= 1 and sent >= 1 and queued == queued_live + sent)
        return all(ok)
    finally:
        os.killpg(redis.pid, signal.SIGTERM)
        redis.wait(timeout=20)


def _queue_length(port) -> int:
    out = subprocess.run(
        ["redis-cli", "-p", str(port), "-n", "0", "llen", "celery"],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(out.stdout.strip())


def _check(name, answer, expected) -> bool:
    status, _content, seconds = answer
    ok = status in expected
    print(f"{'ok  ' if ok else 'FAIL'} {name:48} {status} in {seconds * 1000:6.0f} ms", flush=True)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dead-redis", default="redis://127.0.0.1:6390")
    args = parser.parse_args()
    serve_env = {
        **BASE_ENV,
        "CACHE_URL": f"{args.dead_redis}/1",
        "CELERY_BROKER_URL": f"{args.dead_redis}/0",
    }

    print(f"loading the demo into {DB_NAME} …", flush=True)
    psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB_NAME}")
    run(["manage.py", "migrate", "--no-input", "-v", "0"], PREPARE_ENV)
    run(["manage.py", "collectstatic", "--no-input", "-v", "0"], PREPARE_ENV)
    seeded = run(["manage.py", "seed_demo"], PREPARE_ENV)
    phone = re.search(r"^\s*learner \S+\s+(\d{11})\s*$", seeded, re.M).group(1)
    facts = json.loads(shell(f"PHONE = {phone!r}\n" + PREPARE, PREPARE_ENV))

    def code(session_id):
        return shell(f"SESSION = {session_id}\n" + CODE, PREPARE_ENV)

    results = []

    def check(name, answer, expected):
        results.append(_check(name, answer, expected))
        return answer[1]

    server = start_server(serve_env)
    try:
        phone_browser, api = Browser(), Browser()
        check("GET /healthz", api.request("GET", "/healthz"), {200})
        phone_browser.request("GET", "/accounts/login/")
        check(
            "log in (phone and password)",
            phone_browser.request(
                "POST", "/accounts/login/", form={"username": phone, "password": "shuangyu-demo"}
            ),
            {302},
        )
        check("GET /study/ (我的学习)", phone_browser.request("GET", "/study/"), {200})
        check("GET a lesson page", phone_browser.request("GET", facts["lesson_url"]), {200})
        for position in (0, 30):
            beat = {"ticket": facts["ticket"], "position_seconds": position, "playing": True}
            check(
                f"POST heartbeat at {position} s",
                api.request("POST", "/api/v1/study/heartbeat", body=beat),
                {200},
            )
        phone_browser.request("GET", "/training/code/")
        check(
            "sign in by code on the site's form",
            phone_browser.request(
                "POST", "/training/code/", form={"code": code(facts["sessions"][0])}
            ),
            {302},
        )
        bearer = {"Authorization": f"Bearer {facts['token']}"}
        check(
            "sign in by code through the API",
            api.request(
                "POST",
                "/api/v1/attendance/sign-in",
                body={"code": code(facts["sessions"][1])},
                headers=bearer,
            ),
            {200},
        )
        guesser = {"Authorization": f"Bearer {facts['guesser_token']}"}
        right = code(facts["sessions"][0])
        wrong = "000000" if right != "000000" else "000001"
        for _ in range(10):
            api.request("POST", "/api/v1/attendance/sign-in", body={"code": wrong}, headers=guesser)
        check(
            "the 11th code of a guesser is refused (429)",
            api.request(
                "POST", "/api/v1/attendance/sign-in", body={"code": right}, headers=guesser
            ),
            {429},
        )
        deep = check(
            "GET /healthz?deep=1 says down (503)", api.request("GET", "/healthz?deep=1"), {503}
        )
        print("     " + deep.decode())
        status = json.loads(deep)
        results.append(
            status["cache"] == status["broker"] == "down" and status["deferred_tasks"] > 0
        )
        port = urllib.parse.urlsplit(args.dead_redis).port
        if shutil.which("redis-server") and "127.0.0.1" in args.dead_redis:
            results.append(redis_returns(port, phone_browser, api, bearer, serve_env, code, facts))
        else:
            print("(redis-server not installed: the return of Redis is not drilled)")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
        psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        shutil.rmtree(BASE_ENV["STATIC_ROOT"], ignore_errors=True)
    print("all answered as usual" if all(results) else "SOME CHECKS FAILED")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())

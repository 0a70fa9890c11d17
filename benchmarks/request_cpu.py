"""CPU time of one request, by kind, in the Django process (issues 3 and 11).

Calls the WSGI application in-process (lms.settings.production, PostgreSQL, Redis cache and
sessions as deployed at scale), without the app server or sockets, and reports per request the
process CPU time and wall time of: a heartbeat (the study ticket the lesson page and the app
both send), a lesson page, and /healthz (the bare view). CPU time here is Django's own; the
database's CPU comes on top. Median of `--rounds` rounds of `--requests` requests each,
after a warm-up.

Usage: .venv/bin/python benchmarks/request_cpu.py [--rounds 5] [--requests 200]
It creates and drops its own database `shuangyu_bench` (as ten_thousand_learners.py does).
"""

import argparse
import io
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ten_thousand_learners as soak  # noqa: E402
from sign_in_burst import ENV, ROOT, _psql  # noqa: E402


def _environ(payload: bytes) -> dict:
    head, body = payload.split(b"\r\n\r\n", 1)
    lines = head.decode().split("\r\n")
    method, path, _protocol = lines[0].split(" ")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": str(soak.PORT),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "wsgi.input": io.BytesIO(body),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }
    for line in lines[1:]:
        name, value = line.split(": ", 1)
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = value
    return environ


def _get(learner: dict, path: str) -> bytes:
    """A page the learner opens, with their session: a path, or their lesson's "course" or
    the "catalogue" the course is in."""
    lesson = learner["url"].rstrip("/")
    if path == "course":
        path = lesson.rsplit("/", 1)[0] + "/"
    elif path == "catalogue":
        path = lesson.rsplit("/", 2)[0] + "/"
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Cookie: sessionid={learner['session']}\r\nConnection: close\r\n\r\n"
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--profile", default="", help="a kind's name: print cProfile's top functions for it"
    )
    parser.add_argument(
        "--only", default="", help="measure only the kinds whose name holds this (e.g. heartbeat)"
    )
    args = parser.parse_args()

    learners = soak.prepare(50)
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    from lms.wsgi import application

    def call(payload: bytes) -> str:
        status = []
        body = application(_environ(payload), lambda line, headers: status.append(line))
        b"".join(body)
        if hasattr(body, "close"):
            body.close()
        return status[0]

    browsers = [learner for learner in learners if "session" in learner]
    kinds = {
        "heartbeat (study ticket)": lambda i: soak._request(
            learners[i % len(learners)], page=False, position=i
        ),
        "lesson page": lambda i: soak._request(browsers[i % len(browsers)], page=True, position=i),
        "course page": lambda i: _get(browsers[i % len(browsers)], "course"),
        "我的学习 (/study/)": lambda i: _get(browsers[i % len(browsers)], "/study/"),
        "课程 (the catalogue)": lambda i: _get(browsers[i % len(browsers)], "catalogue"),
        "/healthz (bare view)": lambda i: (
            b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        ),
    }
    try:
        for name, make in kinds.items():
            if args.only and args.only not in name and "healthz" not in name:
                continue
            for i in range(50):
                assert call(make(i)).startswith("200"), name
            cpu, wall = [], []
            for _round in range(args.rounds):
                started, used = time.perf_counter(), time.process_time()
                for i in range(args.requests):
                    call(make(i))
                cpu.append((time.process_time() - used) / args.requests * 1000)
                wall.append((time.perf_counter() - started) / args.requests * 1000)
            if args.profile and args.profile in name:
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                profiler.enable()
                for i in range(args.requests):
                    call(make(i))
                profiler.disable()
                pstats.Stats(profiler).sort_stats(
                    os.environ.get("PROFILE_SORT", "tottime")
                ).print_stats(int(os.environ.get("PROFILE_LINES", "45")))
            print(
                f"{name}: CPU {statistics.median(cpu):.2f} ms, "
                f"wall {statistics.median(wall):.2f} ms per request",
                flush=True,
            )
    finally:
        _psql(f"DROP DATABASE IF EXISTS {soak.DB_NAME} WITH (FORCE)")


if __name__ == "__main__":
    main()

"""gunicorn for the benchmarks and drills: started in a process group of its own on
`lms.wsgi`, waited for until a path answers 200, and stopped with its workers."""

import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = str(Path(sys.executable).parent / "gunicorn")


def gunicorn_start(
    options: list[str],
    *,
    env: dict,
    port: int,
    cwd: Path = ROOT,
    ready_path: str = "/healthz",
    headers: dict | None = None,
    stderr=None,
) -> subprocess.Popen:
    """`gunicorn lms.wsgi -b 127.0.0.1:port` with `options`, once `ready_path` answers 200."""
    process = subprocess.Popen(
        [GUNICORN, "lms.wsgi", "-b", f"127.0.0.1:{port}", "--log-level", "warning"]
        + ["--no-control-socket", *options],  # one control socket per machine: servers clash
        cwd=cwd,
        env=env,
        stderr=stderr,
        start_new_session=True,
    )
    for _ in range(150):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", ready_path, headers=headers or {})
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    gunicorn_stop(process)
    raise RuntimeError("gunicorn did not start")


def gunicorn_stop(process: subprocess.Popen) -> None:
    """SIGTERM to the server's process group (its workers too), then wait for it."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)

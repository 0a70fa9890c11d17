"""The app server for the benchmarks and drills, started as README deploys it: granian on
`lms.wsgi`, in a process group of its own, waited for until a path answers 200, and stopped
with its workers."""

import http.client
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRANIAN = str(Path(sys.executable).parent / "granian")


def server_command(
    port: int, *, workers: int = 4, threads: int = 4, app: str = "lms.wsgi:application"
) -> list[str]:
    """README's command (deploy/systemd/shuangyu-web.service) on 127.0.0.1:`port`."""
    return [
        GRANIAN,
        "--interface",
        "wsgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        "--backlog",
        "4096",
        "--no-ws",
        "--respawn-failed-workers",
        "--log-level",
        "warning",
        app,
    ]


def server_start(
    *,
    env: dict,
    port: int,
    workers: int = 4,
    threads: int = 4,
    cwd: Path = ROOT,
    ready_path: str = "/healthz",
    headers: dict | None = None,
    stderr=None,
    app: str = "lms.wsgi:application",
) -> subprocess.Popen:
    """The app server on 127.0.0.1:`port` serving `app`, once `ready_path` answers 200."""
    process = subprocess.Popen(
        server_command(port, workers=workers, threads=threads, app=app),
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        start_new_session=True,
    )
    for _ in range(150):
        if process.poll() is not None:
            break
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", ready_path, headers=headers or {})
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)
    server_stop(process)
    raise RuntimeError("the app server did not start")


def server_stop(process: subprocess.Popen) -> None:
    """SIGTERM to the server's process group (its workers too), then wait for it."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def worker_pids(pid: int) -> list[int]:
    """The worker processes of the server whose main process is `pid` (its children)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return sorted(found)

"""A real Celery worker for the benchmarks and drills: started in a process group of its own,
every process id it had recorded, and only those stopped (or killed)."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - START:6.1f} s] {message}", file=sys.stderr, flush=True)


def _group_pids(pgid: int) -> set[int]:
    """The processes of a process group (read from /proc)."""
    pids = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid:  # after "pid (comm)": state, ppid, pgrp
            pids.add(int(entry.name))
    return pids


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


class Worker:
    """The Celery worker, in a process group of its own; every pid it had is recorded, and
    only those are stopped."""

    def __init__(self, command: list[str], env: dict, log_path: Path):
        self.log_path = log_path
        self.log_file = log_path.open("wb")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.pids = {self.process.pid}
        log(f"worker started, pid {self.process.pid}")

    def wait_ready(self, app, timeout: float = 90) -> float:
        start = time.perf_counter()
        while time.perf_counter() - start < timeout:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the worker exited ({self.process.returncode}): see {self.log_path}"
                )
            if app.control.ping(timeout=0.5):
                self.record_pids()
                return time.perf_counter() - start
        raise RuntimeError(f"the worker did not answer within {timeout} s")

    def record_pids(self) -> None:
        self.pids |= _group_pids(self.process.pid)

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once, as a lost machine would: no
        warm shutdown, nothing acknowledged or given back to the broker."""
        self.record_pids()
        for pid in sorted(self._own_alive()):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def _own_alive(self) -> set[int]:
        """Its processes still alive: still in its process group, so that a process id the
        system gave to another program since is never touched."""
        return {pid for pid in self.pids & _group_pids(self.process.pid) if _alive(pid)}

    def stop(self) -> list[int]:
        """Warm shutdown, then SIGKILL for what remains; returns the pids still alive (none)."""
        self.record_pids()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                log("worker did not stop within 30 s: killing it")
        for pid in sorted(self._own_alive()):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self._own_alive():
            time.sleep(0.1)
        self.log_file.close()
        left = sorted(self._own_alive())
        log(f"worker stopped (pids {sorted(self.pids)}; still alive: {left or 'none'})")
        return left

"""Drill: upload bombs against the app server, from outside, as an attacker would (issue 13).

The finding: a 49 MiB CSV (2.5 M rows) or a 399 KiB XLSX zip bomb (2.4 M cells) kept a
worker at 1–1.7 GB for 120 s until gunicorn killed it; there was no size or row limit. The
fix is lms/imports/limits.py (32 MiB upload, 256 MiB unpacked, 200,000 rows, 1,500,000
cells, counted while the file is read). This drill serves a township with the app server
as README deploys it (granian, production settings), logs in over HTTP as
its village secretary (the login form's CSRF token) and uploads to the roster import
(/admin/people/import/) and to the sign-in sheet import of a session of her village
(/admin/attendance/sessions/<id>/import-sheet/), each of:

1. a CSV of about 50 MiB and 2.5 million rows (past the size limit);
2. a CSV of 200,001 rows (past the row limit, 4 MB: under the size limit);
3. an XLSX zip bomb of 2.4 million cells (tests/imports/spreadsheets.xlsx_bomb);
4. an XLSX of 45 KiB whose one cell is a million runs of rich text (found by this drill: a
   worker took 22 s and 400 MB to preview it; now refused by the runs a string may have);
5. a small valid file, the control: its preview must be answered.

For each it measures the status, the seconds to the answer, the refusal shown (it must be
Chinese), the workers' resident memory sampled every 50 ms during the request (and VmHWM),
whether a worker was killed (the worker pids before and after), and the people and
attendance records in the database before and after (an upload writes nothing until the
preview is confirmed, so every count must stay).

Usage (from the project folder, PostgreSQL on 127.0.0.1 with trust auth):
    .venv/bin/python benchmarks/drill_upload_bombs.py [--workers 2] [--write]
It creates and drops its own database `shuangyu_drill_bombs`; `--write` appends the table
to benchmarks/RESULTS.md. Exits 1 if a check fails.
"""

import argparse
import datetime
import html
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from drill_backup_restore import (  # noqa: E402
    RESULTS,
    ROOT,
    Browser,
    environment,
    free_port,
    machine,
    manage,
    psql,
    shell,
    start_server,
    stop,
)

sys.path.insert(0, str(ROOT))
from servers import worker_pids  # noqa: E402

from tests.imports.spreadsheets import xlsx_bomb  # noqa: E402

DB_NAME = "shuangyu_drill_bombs"
TITLE = "### Drill: upload bombs against the app server (issue 13)"
USERNAME, PASSWORD = "secretary", "drill-pass-123"
MEMORY_LIMIT_MB = 200  # what a refused file may cost a worker, at most
COUNTS = (
    "SELECT (SELECT count(*) FROM people_person),"
    " (SELECT count(*) FROM attendance_attendancerecord)"
)
ROSTER_HEADER = "姓名,性别,村,手机号,身份证号,党员"
SHEET_HEADER = "姓名,村,手机号,签到状态"

PREPARE = f"""
import datetime, json
from decimal import Decimal
from django.contrib.auth import get_user_model
from django.utils import timezone
from attendance.models import SessionKind, TrainingSession
from lms.people.models import Person, RoleAssignment
from lms.people.services import role_assign, township_setup

township, _ = township_setup(name="东沟乡", village_names=["东沟村"])
village = township.villages.get()
user = get_user_model().objects.create_user({USERNAME!r}, password={PASSWORD!r})
role_assign(user=user, role=RoleAssignment.Role.SECRETARY, township=township, villages=[village])
Person.objects.create(name="张三", village=village, phone="13800000001")
session = TrainingSession.objects.create(
    kind=SessionKind.objects.get(name=SessionKind.DEFAULT), topic="马铃薯种薯技术",
    track="skills", village=village, venue="村委会", study_hours=Decimal("2"),
    starts_at=timezone.now() - datetime.timedelta(hours=3),
    ends_at=timezone.now() - datetime.timedelta(hours=1),
)
print(json.dumps({{"session": session.pk}}))
"""


def csv_file(header: str, rows: int) -> bytes:
    """`rows` short rows of one village (21 bytes each, as a forged file would have)."""
    return (header + "\n" + "".join(f"甲{n:07d},东沟村\n" for n in range(rows))).encode()


def files() -> list[tuple[str, dict[str, tuple[str, bytes]]]]:
    """(what, {import: (filename, content)}) for the roster and the sheet."""
    over_rows = 200_001
    return [
        (
            "CSV, 2.5 M rows",
            {
                "roster": ("roster.csv", csv_file(ROSTER_HEADER, 2_500_000)),
                "sheet": ("sheet.csv", csv_file(SHEET_HEADER, 2_500_000)),
            },
        ),
        (
            f"CSV, {over_rows:,} rows",
            {
                "roster": ("roster.csv", csv_file(ROSTER_HEADER, over_rows)),
                "sheet": ("sheet.csv", csv_file(SHEET_HEADER, over_rows)),
            },
        ),
        (
            "XLSX zip bomb, 2.4 M cells",
            {
                "roster": (
                    "roster.xlsx",
                    xlsx_bomb(
                        ROSTER_HEADER.split(","),
                        ["张三", "男", "东沟村", "13800000001", "", "是"],
                        rows=400_000,
                    ),
                ),
                "sheet": (
                    "sheet.xlsx",
                    xlsx_bomb(
                        SHEET_HEADER.split(","), ["张三", "东沟村", "13800000001", ""], rows=600_000
                    ),
                ),
            },
        ),
        (
            "XLSX, one cell of 1 M rich-text runs",
            {
                "roster": (
                    "roster.xlsx",
                    xlsx_bomb(
                        ROSTER_HEADER.split(","), ["", "男", "东沟村"], rows=1, runs=1_000_000
                    ),
                ),
                "sheet": (
                    "sheet.xlsx",
                    xlsx_bomb(SHEET_HEADER.split(","), ["", "东沟村"], rows=1, runs=1_000_000),
                ),
            },
        ),
        (
            "control: a valid file",
            {
                "roster": (
                    "roster.csv",
                    f"{ROSTER_HEADER}\n张三,男,东沟村,13800000001,,是\n李四,女,东沟村,13900000002,,否\n".encode(),
                ),
                "sheet": ("sheet.csv", f"{SHEET_HEADER}\n张三,东沟村,13800000001,出席\n".encode()),
            },
        ),
    ]


def status_kb(pid: int, field: str) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0
    return int(re.search(rf"^{field}:\s+(\d+) kB", text, re.M).group(1))


class MemorySampler:
    """The largest resident memory of any worker, every 50 ms while a request runs."""

    def __init__(self, master: int):
        self.master, self.peak_kb = master, 0
        self.done = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while not self.done.is_set():
            for pid in worker_pids(self.master):
                self.peak_kb = max(self.peak_kb, status_kb(pid, "VmRSS"))
            self.done.wait(0.05)

    def stop(self) -> int:
        self.done.set()
        self.thread.join()
        return self.peak_kb


def counts() -> tuple[int, int]:
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", DB_NAME, "-tAc"] + [COUNTS],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    people, records = out.split("|")
    return int(people), int(records)


def answer_text(content: bytes) -> str:
    """The form's error for the file, or else the preview's line of what the file holds."""
    page = content.decode("utf-8", "replace")
    found = re.search(r'class="[^"]*error-message[^"]*"[^>]*>(.*?)</', page, re.S)
    paragraphs = re.findall(r"<p>(.*?)</p>", page, re.S)
    text = found.group(1) if found else next((p for p in paragraphs if "—" in p), "")
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", text)).split())


def is_chinese(text: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", text)) and not re.search(r"[A-Za-z]{4,}", text)


@dataclass
class Outcome:
    what: str
    target: str
    size: int
    status: int | str
    seconds: float
    text: str
    rss_before_mb: float
    rss_peak_mb: float
    hwm_mb: float
    killed: bool
    rows_before: tuple[int, int]
    rows_after: tuple[int, int]

    @property
    def control(self) -> bool:
        return self.what.startswith("control")

    @property
    def ok(self) -> bool:
        grew = self.rss_peak_mb - self.rss_before_mb
        if self.control:
            return (
                self.status == 200
                and "—" in self.text  # the preview's line, not a refusal
                and not self.killed
                and self.rows_after == self.rows_before
            )
        return (
            self.status == 200
            and is_chinese(self.text)
            and grew < MEMORY_LIMIT_MB
            and self.seconds < 30
            and not self.killed
            and self.rows_after == self.rows_before
        )


def upload(browser: Browser, master: int, path: str, what: str, target: str, file) -> Outcome:
    browser.request("GET", path)  # the form, and its CSRF cookie
    before_pids = worker_pids(master)
    rss_before = max(status_kb(pid, "VmRSS") for pid in before_pids)
    rows_before = counts()
    sampler = MemorySampler(master)
    started = time.perf_counter()
    try:
        status, content = browser.request("POST", path, form={}, files={"file": file}, timeout=150)
    except OSError as error:  # the worker killed under the request
        status, content = type(error).__name__, b""
    seconds = time.perf_counter() - started
    peak = sampler.stop()
    time.sleep(0.5)
    after_pids = worker_pids(master)
    return Outcome(
        what=what,
        target=target,
        size=len(file[1]),
        status=status,
        seconds=seconds,
        text=answer_text(content),
        rss_before_mb=rss_before / 1024,
        rss_peak_mb=peak / 1024,
        hwm_mb=max(status_kb(pid, "VmHWM") for pid in after_pids) / 1024,
        killed=after_pids != before_pids,
        rows_before=rows_before,
        rows_after=counts(),
    )


def size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MiB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KiB"


def markdown(outcomes: list[Outcome], command: str, worker_count: int) -> str:
    lines = [
        TITLE,
        "",
        "```sh",
        command,
        "```",
        "",
        f"Machine: {machine()}. Run {datetime.date.today():%Y-%m-%d}.",
        "",
        f"granian, production settings, {worker_count} workers; the"
        " village secretary of 东沟村 logged in through the login form and uploaded each file"
        " to the roster import (`/admin/people/import/`) and to the sign-in sheet import of a"
        " session of her village (`/admin/attendance/sessions/<id>/import-sheet/`). Memory is"
        " the largest resident set of any worker, sampled every 50 ms during the request (the"
        " worker's RSS before it, and its peak); VmHWM is the workers' high-water mark after it."
        " Rows: people / attendance records in the database before → after.",
        "",
        "| file | import | size | status | seconds | answer shown | RSS before → peak, MB"
        " | VmHWM, MB | worker killed | rows | ok |",
        "|---|---|---:|---:|---:|---|---:|---:|---|---|---|",
    ]
    for o in outcomes:
        rows = f"{o.rows_before[0]}/{o.rows_before[1]} → {o.rows_after[0]}/{o.rows_after[1]}"
        lines.append(
            f"| {o.what} | {o.target} | {size_text(o.size)} | {o.status} | {o.seconds:.2f}"
            f" | {o.text.replace('|', '/')} | {o.rss_before_mb:.0f} → {o.rss_peak_mb:.0f}"
            f" | {o.hwm_mb:.0f} | {'yes' if o.killed else 'no'} | {rows}"
            f" | {'ok' if o.ok else 'FAIL'} |"
        )
    refused = [o for o in outcomes if not o.control]
    lines += [
        "",
        f"Compared with the finding (a worker at 1–1.7 GB for 120 s, then killed by gunicorn):"
        f" every bomb was refused in at most {max(o.seconds for o in refused):.1f} s, a worker"
        f" grew by at most {max(o.rss_peak_mb - o.rss_before_mb for o in refused):.0f} MB"
        f" (peak {max(o.rss_peak_mb for o in refused):.0f} MB), no worker was killed"
        if all(o.ok for o in refused)
        else "Compared with the finding (a worker at 1–1.7 GB for 120 s, then killed by"
        " the server): SOME BOMBS WERE NOT REFUSED CLEANLY (see FAIL above)",
    ]
    lines[-1] += ", and nothing was written." if all(o.ok for o in refused) else "."
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--write", action="store_true", help="append to benchmarks/RESULTS.md")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="shuangyu-drill-bombs-"))
    env = {**environment(DB_NAME, folder, folder / "static"), "REQUEST_LOG": "false"}
    port = free_port()
    print(f"preparing {DB_NAME} …", flush=True)
    psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB_NAME}")
    server = None
    outcomes: list[Outcome] = []
    try:
        manage(["migrate", "--no-input", "-v", "0"], env)
        manage(["collectstatic", "--no-input", "-v", "0"], env)
        session = __import__("json").loads(shell(PREPARE, env))["session"]
        paths = {
            "roster": "/admin/people/import/",
            "sheet": f"/admin/attendance/sessions/{session}/import-sheet/",
        }
        uploads = files()
        server = start_server(env, port, workers=args.workers)
        browser = Browser(port)
        status = browser.log_in(USERNAME, PASSWORD)
        if status != 302:
            raise RuntimeError(f"log in answered {status}")
        for what, by_target in uploads:
            for target, file in by_target.items():
                outcome = upload(browser, server.pid, paths[target], what, target, file)
                outcomes.append(outcome)
                print(
                    f"{'ok  ' if outcome.ok else 'FAIL'} {what:28} {target:6} {outcome.status}"
                    f" in {outcome.seconds:5.2f} s, RSS {outcome.rss_before_mb:.0f} →"
                    f" {outcome.rss_peak_mb:.0f} MB, killed: {outcome.killed},"
                    f" rows {outcome.rows_before} → {outcome.rows_after}: {outcome.text}",
                    flush=True,
                )
    finally:
        if server is not None:
            stop(server)
        psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        shutil.rmtree(folder, ignore_errors=True)
    command = "/work/main/.venv/bin/python benchmarks/drill_upload_bombs.py " + " ".join(
        sys.argv[1:]
    )
    table = markdown(outcomes, command.strip(), args.workers)
    print()
    print(table)
    if args.write:
        with RESULTS.open("a") as results_file:
            results_file.write("\n" + table)
    return 0 if all(o.ok for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())

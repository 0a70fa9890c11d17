"""The admin's attendance-record export of ~64,000 rows through the app server (issue 11, item 3).

What it measures: on the county that `benchmarks/county_data.py` loads (300 villages, 200,000
people, 1,000,000 records), a township staff member downloads the attendance records of their
township from the admin's listing, `/admin/attendance/records/?export=`, as CSV and as XLSX,
through the app server as README deploys it (granian, benchmarks/servers.py) in production
settings, with one worker so that its memory is the export's. The issue's 64,000 rows are "a
village-year" of its own county; in this generator's county a village holds ~1,700 records a
year, so the script picks the township whose records come nearest 64,000 (太平镇: 63,787, both
years), which is the same export through the same scope filter.

Per run: seconds from sending the request to the last byte, the HTTP status, the rows the
file holds (read back with csv / openpyxl, after the clock stops), and whether the file
says it is complete (its last line, `lms.exports`, counts the rows; files of the code
before that line existed are checked against the database's count only). Per format,
after its runs: the worker's peak resident memory (VmHWM of a fresh worker, which served
only that format) and its resident memory before the first export.

Usage (from the project folder, PostgreSQL on 127.0.0.1 with trust auth):
    .venv/bin/python benchmarks/county_data.py [--database shuangyu_county_export]
    .venv/bin/python benchmarks/admin_export.py [--database shuangyu_county] [--runs 5]
        [--formats csv,xlsx] [--checkout DIR]
`--writers` times the XLSX writers alone (ours, openpyxl's write-only mode) on made-up rows.
`--queued` times instead the task that builds an export too long for a request: an
administrator's whole county (1,000,000 records), in process, with its peak memory.
`--checkout DIR` serves another checkout of the project (e.g. a `git worktree` of the
commit before a change) from the same database, for a before/after. The script writes one
user (`bench-export`, township staff) and its login session into the database; nothing else.
The client is this script (stdlib http.client) on the same cores as the server and PostgreSQL.
"""

import argparse
import csv
import http.client
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from servers import server_start, server_stop, worker_pids  # benchmarks/servers.py, beside it

ROOT = Path(__file__).resolve().parent.parent
PORT = 8110
TARGET_ROWS = 64_000
URL = "/admin/attendance/records/"
HEADERS = {"X-Forwarded-Proto": "https"}  # as nginx sends it: production redirects plain HTTP


def environment(database: str) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "DJANGO_SETTINGS_MODULE": "lms.settings.production",
        "SECRET_KEY": "benchmark-only-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CELERY_BROKER_URL": "",
        "CACHE_URL": "",
        "LOG_LEVEL": "WARNING",
    }


PREPARE = """
import json
from django.db.models import Count
from django.test import Client
from attendance.models import AttendanceRecord
from lms.people.models import RoleAssignment, Township, User
from lms.people.services import role_assign

counts = (
    AttendanceRecord.objects.values("session__village__township")
    .annotate(n=Count("pk")).order_by()
)
best = min(counts, key=lambda row: abs(row["n"] - %(target)d))
township = Township.objects.get(pk=best["session__village__township"])
user, _ = User.objects.get_or_create(username="bench-export")
if not hasattr(user, "role_assignment"):
    role_assign(user=user, role=RoleAssignment.Role.TOWNSHIP_STAFF, township=township)
elif user.role_assignment.township_id != township.pk:
    raise SystemExit("bench-export already covers another township")
client = Client()
client.force_login(user)
print(json.dumps({
    "township": township.name, "rows": best["n"], "session": client.cookies["sessionid"].value,
}))
"""


# The export of a listing too long for a request, as the Celery task builds it: an
# administrator's whole county of records, timed around `listing_export_build`, with the
# process's peak memory (ru_maxrss).
QUEUED = """
import json, resource, time
from attendance.models import AttendanceRecord
from lms.exports.models import ListingExport
from lms.exports.services import listing_export_build
from lms.people.models import RoleAssignment, User
from lms.people.services import role_assign

user, _ = User.objects.get_or_create(username="bench-export-admin")
role_assign(user=user, role=RoleAssignment.Role.ADMINISTRATOR)
rows = AttendanceRecord.objects.count()
export = ListingExport.objects.create(
    requested_by=user, path="/admin/attendance/records/", query="export=%(format)s",
    format="%(format)s", title="bench", language="zh-hans", rows=rows,
)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
started = time.perf_counter()
export = listing_export_build(export_id=export.pk)
seconds = time.perf_counter() - started
print(json.dumps({
    "status": export.status, "error": export.error, "rows": export.rows, "expected": rows,
    "seconds": seconds, "bytes": export.file.size, "before": before,
    "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
export.file.delete()
"""


def time_writers(runs: int) -> None:
    """The XLSX writers alone, on 64,000 made-up rows of 12 cells (10 texts, 2 numbers): ours
    (lms.exports.spreadsheets) and openpyxl's write-only mode, which Wagtail uses."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.test")
    import django

    django.setup()
    from openpyxl import Workbook

    from lms.exports.spreadsheets import write_xlsx

    rows = [
        ["2026-03-05 09:00", f"大棚蔬菜种植技术培训第{i % 50}期", "东沟村", f"张{i}", "西沟村",
         "出席", "扫码签到", "2026-03-05 08:55", "", "李书记", 2, i]
        for i in range(TARGET_ROWS)
    ]  # fmt: skip
    headings = [f"列{n}" for n in range(12)]

    def openpyxl_write_only():
        book = Workbook(write_only=True)
        sheet = book.create_sheet("Sheet1")
        sheet.append(headings)
        for row in rows:
            sheet.append(row)
        book.save(io.BytesIO())

    for name, write in (
        ("lms.exports.spreadsheets.write_xlsx", lambda: write_xlsx(io.BytesIO(), headings, rows)),
        ("openpyxl write-only", openpyxl_write_only),
    ):
        times = []
        for _run in range(runs):
            started = time.perf_counter()
            write()
            times.append(time.perf_counter() - started)
        print(f"  {name}: median {statistics.median(times):.2f} s, min {min(times):.2f} s")


def prepare(checkout: Path, env: dict) -> dict:
    out = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "--no-imports",
            "-c",
            PREPARE % {"target": TARGET_ROWS},
        ],
        cwd=checkout,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def collect_static(checkout: Path, env: dict) -> None:
    """Production settings serve hashed static names from a manifest, as a release does."""
    if not (checkout / "staticfiles" / "staticfiles.json").exists():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"],
            cwd=checkout,
            env={**env, "STATIC_ROOT": str(checkout / "staticfiles")},
            check=True,
        )


def start_server(checkout: Path, env: dict) -> subprocess.Popen:
    """One worker in `checkout` (this tree or a baseline's), so its memory is the export's."""
    return server_start(env=env, port=PORT, workers=1, cwd=checkout, headers=HEADERS)


def worker_pid(server: subprocess.Popen) -> int:
    return worker_pids(server.pid)[0]


def memory_mb(pid: int, field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of a process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(field)


def download(session: str, export_format: str) -> tuple[float, int, str, bytes, str]:
    """(seconds to the last byte, status, content type, body, how it ended)."""
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=600)
    started = time.perf_counter()
    connection.request(
        "GET",
        f"{URL}?export={export_format}",
        headers={**HEADERS, "Cookie": f"sessionid={session}"},
    )
    response = connection.getresponse()
    chunks, ended = [], "complete"
    try:
        while chunk := response.read(1 << 16):
            chunks.append(chunk)
    except http.client.IncompleteRead as error:  # the server closed a chunked body early
        chunks.append(error.partial)
        ended = "cut (incomplete chunked body)"
    seconds = time.perf_counter() - started
    connection.close()
    return seconds, response.status, response.getheader("Content-Type", ""), b"".join(chunks), ended


def read_rows(content_type: str, body: bytes) -> tuple[list[list[str]] | None, str]:
    """The file's rows as the user opens it, or None and why it does not open."""
    if content_type.startswith("text/csv"):
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig")))), ""
    from openpyxl import load_workbook

    try:
        sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    except Exception as error:  # a cut XLSX is a broken zip
        return None, f"does not open: {type(error).__name__}"
    return [
        ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
    ], ""


def check(rows: list[list[str]] | None, expected: int) -> tuple[int, str]:
    """(data rows, verdict). The end line, where there is one: its row count and no data."""
    if rows is None:
        return 0, "unreadable"
    width = len(rows[0])
    last = rows[-1]
    if len(last) > width and not any(last[:width]):
        data = len(rows) - 2
        said = "".join(ch for ch in last[width] if ch.isdigit())
        verdict = "complete, says so" if said == str(data) == str(expected) else "END LINE WRONG"
        return data, verdict
    data = len(rows) - 1
    return data, "all rows" if data == expected else f"CUT SHORT ({expected - data} missing)"


def run_queued(args, env, export_format) -> None:
    for run in range(args.runs):
        out = subprocess.run(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c",
             QUEUED % {"format": export_format}],
            cwd=args.checkout, env=env, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        result = json.loads(out.strip().splitlines()[-1])
        print(
            f"  queued {export_format} run {run + 1}: {result['seconds']:6.2f} s, "
            f"{result['status']}{': ' + result['error'] if result['error'] else ''}, "
            f"{result['rows']:,} of "
            f"{result['expected']:,} rows, {result['bytes'] / 1e6:5.1f} MB; process peak "
            f"{result['peak']:.0f} MB ({result['before']:.0f} MB before)",
            flush=True,
        )


def run_format(args, env, prepared, export_format) -> dict:
    server = start_server(args.checkout, env)
    try:
        pid = worker_pid(server)
        baseline = memory_mb(pid, "VmRSS")
        results = []
        for run in range(args.runs):
            seconds, status, content_type, body, ended = download(
                prepared["session"], export_format
            )
            rows, why = read_rows(content_type, body)
            data, verdict = check(rows, prepared["rows"])
            results.append(seconds)
            print(
                f"  {export_format} run {run + 1}: {seconds:6.2f} s, HTTP {status}, "
                f"{len(body) / 1e6:5.1f} MB, {data:,} rows, {verdict}; {ended} {why}".rstrip(),
                flush=True,
            )
            if not Path(f"/proc/{pid}").exists():
                print("  (the worker died; the server started a new one)")
                pid = worker_pid(server)
        peak = memory_mb(pid, "VmHWM")
    finally:
        server_stop(server)
    return {
        "format": export_format,
        "median": statistics.median(results),
        "min": min(results),
        "max": max(results),
        "peak": peak,
        "baseline": baseline,
        "rows": data,
        "verdict": verdict,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database", default="shuangyu_county")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--checkout", type=Path, default=ROOT, help="the project checkout to serve")
    parser.add_argument(
        "--writers", action="store_true", help="instead: the XLSX writers alone, no database"
    )
    parser.add_argument(
        "--queued",
        action="store_true",
        help="instead: the whole county's records (1,000,000) as the export task builds them",
    )
    args = parser.parse_args()
    if args.writers:
        time_writers(args.runs)
        return
    env = {
        **environment(args.database),
        "STATIC_ROOT": str(args.checkout / "staticfiles"),
        "MEDIA_ROOT": "/tmp/admin-export-media",  # the queued exports' files, deleted after
    }
    if args.queued:
        for export_format in args.formats.split(","):
            run_queued(args, env, export_format)
        return
    collect_static(args.checkout, env)
    prepared = prepare(args.checkout, env)
    commit = subprocess.run(
        ["git", "log", "-1", "--format=%h %s"], cwd=args.checkout, capture_output=True, text=True
    ).stdout.strip()
    print(
        f"{prepared['township']}: {prepared['rows']:,} attendance records; code {commit}; "
        "granian, 1 worker",
        flush=True,
    )
    summary = [run_format(args, env, prepared, f) for f in args.formats.split(",")]
    print("\n| format | rows | the file | median s | min–max s | worker peak RSS | before export |")
    print("|---|---|---|---|---|---|---|")
    for s in summary:
        print(
            f"| {s['format'].upper()} | {s['rows']:,} | {s['verdict']} | {s['median']:.2f} | "
            f"{s['min']:.2f}–{s['max']:.2f} | {s['peak']:.0f} MB | {s['baseline']:.0f} MB |"
        )


if __name__ == "__main__":
    main()

"""Drill (issue 13): a backup of database and media restored into an empty machine, and checked
as a user would.

    /work/main/.venv/bin/python benchmarks/drill_backup_restore.py [--write] [--keep]

On PostgreSQL (127.0.0.1:5432, user postgres, trust auth) with production settings
(`lms.settings.production`, DEBUG off, tasks in-process, no Redis), in a temporary folder:

1. the site: database `shuangyu_drill_backup_src` migrated and loaded with the demo
   (`seed_demo`), every certificate the demo earned rendered to its PDF in PRIVATE_ROOT and
   more issued for a training held, a photo uploaded to MEDIA_ROOT and made a course's cover
   (its rendition written). The app server serves it once to record what users get: each
   certificate's public verification page and its PDF (downloaded by the administrator), and
   the course page with the cover's rendition;
2. `manage.py backup --to DIR` while the app server still serves the site (timed; its size), then
   `manage.py backup_check FILE` (timed);
3. "an empty machine": database `shuangyu_drill_backup_dst` created and left empty (not
   migrated), MEDIA_ROOT and PRIVATE_ROOT in a new folder that does not exist yet;
   `manage.py restore FILE` there (timed; it checks rows and files itself, exit 0);
4. checked as a user would: the app server on the restored copy; `/healthz?deep=1` says ok; the demo
   administrator (admin / shuangyu-demo) logs in; every certificate's verification page says
   the same and its PDF is the same bytes; the course page shows the same rendition, which is
   served with the same bytes from the restored MEDIA_ROOT (by a static file server standing in
   for nginx's `location /media/`, which is not installed here); the rows of every table equal
   the site's;
5. a second `restore` into the now restored database is refused, exit 1, nothing changed.

Both databases are dropped and the folder removed at the end (--keep leaves them). Stops only
the processes it started, by their ids. Exits 1 if a check fails; --write appends the results
with the command and the machine to benchmarks/RESULTS.md.
"""

import argparse
import functools
import http.client
import http.server
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

from servers import server_start, server_stop  # benchmarks/servers.py, beside this script
from sign_in_burst import _psql as psql

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
SOURCE_DB, TARGET_DB = "shuangyu_drill_backup_src", "shuangyu_drill_backup_dst"
TITLE = "### Drill: a backup restored into an empty machine (issue 13)"

PREPARE = """
import io, json
from PIL import Image as PillowImage
from django.core.files.images import ImageFile
from wagtail.images.models import Image
from attendance.models import AttendanceRecord, TrainingSession
from certificates import services
from certificates.models import Certificate
from courses.models import CoursePage

held = (
    TrainingSession.objects.filter(attendance__status=AttendanceRecord.Status.PRESENT)
    .distinct().order_by("-starts_at").first()
)
for person in services.training_certificate_people(held)[:12]:
    services.training_certificate_issue(session=held, person=person)
certificates = list(Certificate.objects.order_by("serial"))
services.certificates_render(certificates=certificates)
data = io.BytesIO()
PillowImage.new("RGB", (1200, 800), (40, 130, 70)).save(data, "JPEG", quality=90)
photo = Image.objects.create(title="大棚蔬菜", file=ImageFile(data, name="dapeng.jpg"))
course = CoursePage.objects.live().order_by("pk").first()
course.cover = photo
course.save_revision().publish()
rendition = photo.get_rendition("fill-720x300|format-webp")
print(json.dumps({
    "serials": [c.serial for c in certificates],
    "course_url": course.url,
    "rendition_url": rendition.url,
}))
"""

FACTS = """
import json
from django.db import connection
from lms.backups.databases import database_facts
print(json.dumps(database_facts(connection)["tables"]))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(database: str, folder: Path, static_root: Path) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{database}",
        "DJANGO_SETTINGS_MODULE": "lms.settings.production",
        "SECRET_KEY": "drill-only-" + "x" * 60,
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": str(folder / "media"),
        "PRIVATE_ROOT": str(folder / "private"),
        "STATIC_ROOT": str(static_root),
        "CELERY_BROKER_URL": "",
        "CACHE_URL": "",
        "REQUEST_LOG": "false",
    }
    env.pop("CELERY_RESULT_BACKEND", None)
    return env


def manage(args: list[str], env: dict, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def timed(args: list[str], env: dict, check: bool = True):
    started = time.perf_counter()
    done = manage(args, env, check)
    return done, time.perf_counter() - started


def shell(script: str, env: dict) -> str:
    return manage(["shell", "--no-imports", "-c", script], env).stdout.strip().splitlines()[-1]


def multipart(form: dict, files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body and its content type."""
    boundary = "----shuangyu-drill-" + os.urandom(8).hex()
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in form.items()
    ]
    for name, (filename, content) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}";'
            f' filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + content
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Browser:
    """One user's browser against one server: keeps cookies, sends the CSRF token."""

    def __init__(self, port: int):
        self.port, self.cookies = port, SimpleCookie()

    def request(
        self,
        method: str,
        path: str,
        form: dict | None = None,
        files: dict[str, tuple[str, bytes]] | None = None,
        timeout: float = 60,
    ):
        """`files` (field: (filename, bytes)) sends the form as multipart/form-data, as a
        browser's upload does."""
        headers, body = {}, None
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v.value}" for k, v in self.cookies.items())
        if form is not None:
            form = {**form, "csrfmiddlewaretoken": self.cookies["csrftoken"].value}
            if files is None:
                body = urllib.parse.urlencode(form)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            else:
                body, headers["Content-Type"] = multipart(form, files)
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        return response.status, content

    def log_in(self, username: str, password: str) -> int:
        self.request("GET", "/accounts/login/")
        status, _ = self.request(
            "POST", "/accounts/login/", form={"username": username, "password": password}
        )
        return status


def start_server(env: dict, port: int, *, workers: int = 4) -> subprocess.Popen:
    return server_start(env=env, port=port, workers=workers)


stop = server_stop


def media_server(media_root: Path, port: int) -> http.server.ThreadingHTTPServer:
    """/media/<name> from media_root, as nginx's `location /media/ { alias …; }` would."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        def translate_path(self, path):
            path = urllib.parse.unquote(urllib.parse.urlsplit(path).path)
            if not path.startswith("/media/"):
                return str(media_root / "\0missing")
            return super().translate_path(path[len("/media") :])

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(Handler, directory=str(media_root))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def page_text(html: bytes) -> str:
    """A page as a user reads it: without the per-response nonce and CSRF token."""
    text = html.decode()
    text = re.sub(r'nonce="[^"]*"', 'nonce=""', text)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)


def what_users_get(port: int, facts: dict, media_port: int) -> dict:
    """Each certificate's verification page and PDF, the course page's cover and its bytes."""
    public, staff = Browser(port), Browser(port)
    got = {"login": staff.log_in("admin", "shuangyu-demo"), "verify": {}, "pdf": {}}
    for serial in facts["serials"]:
        status, html = public.request("GET", f"/verify/{serial}/")
        got["verify"][serial] = (status, page_text(html))
        got["pdf"][serial] = staff.request("GET", f"/certificates/{serial}.pdf?download=1")
    status, html = staff.request("GET", facts["course_url"])
    found = re.search(r'<img[^>]*class="course-banner"[^>]*>', html.decode())
    src = re.search(r'src="([^"]+)"', found.group(0)).group(1) if found else None
    got["cover"] = (status, src)
    got["rendition"] = Browser(media_port).request("GET", src) if src else (None, b"")
    got["healthz"] = Browser(port).request("GET", "/healthz?deep=1")
    return got


def checks(before: dict, after: dict, rows: tuple[dict, dict]) -> list[tuple[str, bool]]:
    serials = list(before["pdf"])
    pdfs_ok = [
        s for s in serials if after["pdf"][s] == before["pdf"][s] and after["pdf"][s][0] == 200
    ]
    verify_ok = [s for s in serials if after["verify"][s] == before["verify"][s]]
    health_status, health = after["healthz"]
    return [
        (
            f"/healthz?deep=1 answers {health_status} {health.decode().strip()}",
            health_status == 200,
        ),
        (f"admin / shuangyu-demo logs in ({after['login']})", after["login"] == 302),
        (
            f"verification pages the same: {len(verify_ok)} of {len(serials)}",
            len(verify_ok) == len(serials) and all(v[0] == 200 for v in after["verify"].values()),
        ),
        (
            f"certificate PDFs the same bytes: {len(pdfs_ok)} of {len(serials)}",
            len(pdfs_ok) == len(serials),
        ),
        (
            f"course page shows the cover's rendition {after['cover'][1]}",
            after["cover"] == before["cover"] and after["cover"][1] is not None,
        ),
        (
            f"the rendition is served, {len(after['rendition'][1])} bytes, the same",
            after["rendition"][0] == 200 and after["rendition"] == before["rendition"],
        ),
        (
            f"rows of every table equal: {len(rows[1])} tables, {sum(rows[1].values())} rows",
            rows[0] == rows[1],
        ),
    ]


def work_seconds(output: str) -> float:
    """The seconds a command says its work took ("… in 0.4 s."), without Django's start."""
    found = re.findall(r"(\d+(?:\.\d+)?) s\.", output)
    return float(found[0]) if found else float("nan")


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if "model name" in line
        ),
        platform.processor(),
    )
    memory = int(Path("/proc/meminfo").read_text().split()[1]) // 1024 // 1024
    postgres = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-tAc", "SHOW server_version"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return (
        f"{os.cpu_count()} cores ({cpu}), {memory} GB RAM, {platform.platform()},"
        f" Python {platform.python_version()}, PostgreSQL {postgres.split()[0]} on the same machine"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="append to benchmarks/RESULTS.md")
    parser.add_argument("--keep", action="store_true", help="keep the databases and the folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="shuangyu-drill-backup-"))
    site_env = environment(SOURCE_DB, work / "site", work / "static")
    empty_env = environment(TARGET_DB, work / "empty-machine", work / "static")
    servers: list = []
    figures: dict = {}
    try:
        print(f"the site: {SOURCE_DB}, files under {work / 'site'}", flush=True)
        for name in (SOURCE_DB, TARGET_DB):
            psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        psql(f"CREATE DATABASE {SOURCE_DB}")
        manage(["migrate", "--no-input", "-v", "0"], site_env)
        manage(["collectstatic", "--no-input", "-v", "0"], site_env)
        _done, figures["seed_s"] = timed(["seed_demo"], site_env)
        facts = json.loads(shell(PREPARE, site_env))
        print(f"  {len(facts['serials'])} certificates with PDFs, a cover photo", flush=True)
        port, media_port = free_port(), free_port()
        servers.append(start_server(site_env, port))
        servers.append(media_server(work / "site" / "media", media_port))
        before = what_users_get(port, facts, media_port)
        # Backed up while the site is served: the copy must be consistent by itself.
        done, figures["backup_s"] = timed(["backup", "--to", str(work / "backups")], site_env)
        backup = Path(done.stdout.strip().splitlines()[-1])
        figures["backup_work_s"] = work_seconds(done.stdout)
        print("  " + done.stdout.strip().splitlines()[0], flush=True)
        figures["size"] = backup.stat().st_size
        done, figures["check_s"] = timed(["backup_check", str(backup)], site_env)
        print("  " + done.stdout.strip(), flush=True)
        stop(servers.pop(0))
        servers.pop(0).shutdown()
        site_rows = json.loads(shell(FACTS, site_env))

        print(f"an empty machine: {TARGET_DB} (empty), {work / 'empty-machine'}", flush=True)
        psql(f"CREATE DATABASE {TARGET_DB}")
        done, figures["restore_s"] = timed(["restore", str(backup)], empty_env, check=False)
        print("  " + done.stdout.strip().replace("\n", "\n  "), flush=True)
        restored_ok = done.returncode == 0
        figures["restore_work_s"] = work_seconds(done.stdout)
        restored_rows = json.loads(shell(FACTS, empty_env))
        servers.append(start_server(empty_env, port))
        servers.append(media_server(work / "empty-machine" / "media", media_port))
        after = what_users_get(port, facts, media_port)
        results = [(f"restore exits {done.returncode}", restored_ok)]
        results += checks(before, after, (site_rows, restored_rows))
        served_rows = json.loads(shell(FACTS, empty_env))  # a login writes a session
        again = manage(["restore", str(backup)], empty_env, check=False)
        unchanged = json.loads(shell(FACTS, empty_env)) == served_rows
        results.append(
            (
                f"a second restore is refused (exit {again.returncode}), nothing changed",
                again.returncode == 1 and "--force" in again.stderr and unchanged,
            )
        )
        figures.update(
            tables=len(site_rows),
            rows=sum(site_rows.values()),
            certificates=len(facts["serials"]),
            media=sum(1 for p in (work / "site" / "media").rglob("*") if p.is_file()),
            private=sum(1 for p in (work / "site" / "private").rglob("*") if p.is_file()),
        )
    finally:
        for server in servers:
            if isinstance(server, subprocess.Popen):
                stop(server)
            else:
                server.shutdown()
        if not args.keep:
            for name in (SOURCE_DB, TARGET_DB):
                psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            shutil.rmtree(work, ignore_errors=True)
    for name, ok in results:
        print(f"{'ok  ' if ok else 'FAIL'} {name}")
    passed = all(ok for _name, ok in results)
    report = markdown(figures, results, passed)
    print(report)
    if args.write:
        with RESULTS.open("a") as results_file:
            results_file.write("\n" + report)
    return 0 if passed else 1


def markdown(figures: dict, results: list, passed: bool) -> str:
    lines = [
        TITLE,
        "",
        "```sh",
        "/work/main/.venv/bin/python benchmarks/drill_backup_restore.py --write",
        "```",
        "",
        f"Machine: {machine()}. Run {time.strftime('%Y-%m-%d')}.",
        "",
        f"The demo township (`seed_demo`, {figures['seed_s']:.0f} s) in production settings on"
        f" PostgreSQL: {figures['tables']} tables, {figures['rows']:,} rows;"
        f" {figures['certificates']} certificates with their PDFs in PRIVATE_ROOT"
        f" ({figures['private']} files), a cover photo and its rendition in MEDIA_ROOT"
        f" ({figures['media']} files). Backed up with the app server running on it; restored"
        " into a new, empty (not migrated) database and folders that did not exist.",
        "",
        "| step | seconds, the command | of which the work | |",
        "|---|---:|---:|---|",
        f"| `manage.py backup --to DIR` | {figures['backup_s']:.1f} |"
        f" {figures['backup_work_s']:.1f} | one file, {figures['size'] / 1024 / 1024:.1f} MB |",
        f"| `manage.py backup_check FILE` | {figures['check_s']:.1f} | | every checksum |",
        f"| `manage.py restore FILE` | {figures['restore_s']:.1f} |"
        f" {figures['restore_work_s']:.1f} |"
        " checksums, pg_restore, files, then every table's rows and every file checked |",
        "",
        "The command's seconds include starting Django and Wagtail; the work is what the"
        " command itself reports (the backup's: the dump, the files, the manifest).",
        "",
        "Checked on the restored copy, as a user would (the app server; the rendition from the"
        " restored MEDIA_ROOT through a static server standing in for nginx):",
        "",
        *(f"- {'ok' if ok else '**FAILED**'}: {name}" for name, ok in results),
        "",
        "All checks passed." if passed else "**Some checks failed.**",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())

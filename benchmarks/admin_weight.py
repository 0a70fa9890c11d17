"""What the admin's dashboard costs a browser on its first visit (issue 12, item 1).

What it measures: the demo township's administrator logs in to `/admin/` and the dashboard
is opened in headless Chromium with an empty cache (the login's cookies only): the bytes the
browser received over the network for it and everything it loaded (HTML, CSS, scripts,
fonts, icons, the JavaScript catalogue; Chromium's encodedDataLength, headers included), the
number of requests, and the requests to any host other than the server's own (Wagtail's
update check). Then the same dashboard a second time, as the next morning's visit: what the
cache spared.

The server is the app server as README deploys it (granian) in production settings on a SQLite
file loaded with `seed_demo`, at http://localhost. Static files are served as the checkout
deploys them: `--static app` (the default) lets the application serve them (WhiteNoise, this
commit on); `--static plain` puts in front of the application what README's nginx did with a
stock configuration: the collected files as they are, `Last-Modified` and a 304 to a browser
that asks again, no compression (Debian's nginx compresses text/html only) and no
Cache-Control.

Usage (from the project folder):
    .venv/bin/python benchmarks/admin_weight.py [--checkout DIR] [--static app|plain]
        [--database FILE] [--runs 3] [--path /admin/] [--slow-3g]
`--slow-3g` throttles Chromium to DevTools' Slow 3G (500 kbit/s, 2 s round trips) and adds
the time to the page's load event; `--path` opens another page as the administrator (a
lesson page, say).
`--checkout DIR` serves another copy of the project (e.g. `git archive <commit>` unpacked)
for a before/after. The database file is created, migrated and seeded by the checkout
served, once (about a minute); later runs reuse it. The script prints one JSON line per run
and the medians; `--detail` every request of the last run (status, bytes, cache, encoding).
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from servers import server_start  # benchmarks/servers.py, beside this script

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
USERNAME, PASSWORD = "admin", "shuangyu-demo"

# What README's nginx did for /static/ with a stock configuration, in front of the
# application: the collected file, Last-Modified, a 304 when asked again, nothing more.
PLAIN_STATIC = """
import mimetypes, os
from email.utils import formatdate, parsedate_to_datetime
from lms.wsgi import application as django_application

STATIC_ROOT = os.path.realpath(os.environ["STATIC_ROOT"])

def application(environ, start_response):
    path = environ.get("PATH_INFO", "")
    if not path.startswith("/static/"):
        return django_application(environ, start_response)
    full = os.path.realpath(os.path.join(STATIC_ROOT, path[len("/static/"):]))
    if not full.startswith(STATIC_ROOT + os.sep) or not os.path.isfile(full):
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"Not Found"]
    modified = int(os.stat(full).st_mtime)
    headers = [("Last-Modified", formatdate(modified, usegmt=True))]
    asked = environ.get("HTTP_IF_MODIFIED_SINCE")
    if asked and parsedate_to_datetime(asked).timestamp() >= modified:
        start_response("304 Not Modified", headers)
        return [b""]
    with open(full, "rb") as handle:
        body = handle.read()
    kind = mimetypes.guess_type(full)[0] or "application/octet-stream"
    start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(body))), *headers])
    return [body]
"""


def _environment(checkout: Path, database: Path, static_root: Path, extra_path: str) -> dict:
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))},
        "DJANGO_SETTINGS_MODULE": "lms.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "DATABASE_URL": f"sqlite:///{database}",
        "STATIC_ROOT": str(static_root),
        "MEDIA_ROOT": str(database.parent / "media"),
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join(
            p for p in (extra_path, str(checkout), os.environ.get("PYTHONPATH", "")) if p
        ),
    }


def _manage(checkout: Path, env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=checkout, env=env, check=True)


def _serve(checkout: Path, env: dict, app: str, port: int) -> subprocess.Popen:
    return server_start(env=env, port=port, cwd=checkout, app=app)


def _visit(page, session, url: str, origin: str) -> dict:
    """Open `url` and wait for the network to go quiet; what crossed the network for it."""
    sent, received, finished = {}, {}, {}
    session.on("Network.requestWillBeSent", lambda e: sent.setdefault(e["requestId"], e))
    session.on("Network.responseReceived", lambda e: received.__setitem__(e["requestId"], e))
    session.on(
        "Network.loadingFinished",
        lambda e: finished.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    page.goto(url, wait_until="networkidle", timeout=300_000)  # Slow 3G: a minute or more
    timing = page.evaluate(
        "() => { const t = performance.getEntriesByType('navigation')[0];"
        " return t.loadEventEnd - t.startTime; }"
    )
    rows = []
    for request_id, event in sent.items():
        address = event["request"]["url"]
        if address.startswith("data:"):
            continue
        response = received.get(request_id, {}).get("response", {})
        headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
        rows.append(
            {
                "url": address.removeprefix(origin),
                "status": response.get("status"),
                "bytes": finished.get(request_id, 0),
                "cache": response.get("fromDiskCache") or response.get("fromMemoryCache"),
                "encoding": headers.get("content-encoding", ""),
                "cache_control": headers.get("cache-control", ""),
            }
        )
    network = [row for row in rows if not row["cache"]]
    return {
        "requests": len(network),
        "bytes": sum(row["bytes"] for row in network),
        "from_cache": len(rows) - len(network),
        "other_hosts": sorted({r["url"] for r in rows if r["url"].startswith("http")}),
        "load_seconds": round(timing / 1000, 2),
        "rows": rows,
    }


# Chrome DevTools' "Slow 3G": 500 kbit/s at 80 % use, 400 ms round trips times DevTools' 5.
SLOW_3G = {
    "offline": False,
    "latency": 2000,
    "downloadThroughput": 500 * 1024 / 8 * 0.8,
    "uploadThroughput": 500 * 1024 / 8 * 0.8,
}


def _network(session, slow_3g: bool) -> None:
    session.send("Network.enable")
    if slow_3g:
        session.send("Network.emulateNetworkConditions", SLOW_3G)


def _measure(port: int, path: str = "/admin/", slow_3g: bool = False) -> dict:
    from playwright.sync_api import sync_playwright

    origin = f"http://localhost:{port}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
        )
        login = browser.new_context()
        page = login.new_page()
        page.goto(f"{origin}/admin/login/")
        page.fill("input[name=username]", USERNAME)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{origin}/admin/")
        cookies = login.storage_state()
        login.close()

        context = browser.new_context(storage_state=cookies)  # an empty cache
        page = context.new_page()
        session = context.new_cdp_session(page)
        _network(session, slow_3g)
        first = _visit(page, session, f"{origin}{path}", origin)
        page.close()
        page = context.new_page()  # the same cache, the next visit
        session = context.new_cdp_session(page)
        _network(session, slow_3g)
        again = _visit(page, session, f"{origin}{path}", origin)
        browser.close()
    return {"first": first, "again": again}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, default=ROOT)
    parser.add_argument("--static", choices=["app", "plain"], default="app")
    parser.add_argument("--database", type=Path, default=None)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--detail", action="store_true", help="print every request of the last run")
    parser.add_argument(
        "--path", default="/admin/", help="the page to open (default the dashboard)"
    )
    parser.add_argument(
        "--slow-3g", action="store_true", help="throttle to DevTools' Slow 3G and time the load"
    )
    args = parser.parse_args()

    checkout = args.checkout.resolve()
    work = Path(tempfile.mkdtemp(prefix="shuangyu-admin-weight-"))
    database = (args.database or work / "db.sqlite3").resolve()
    database.parent.mkdir(parents=True, exist_ok=True)
    extra = ""
    app = "lms.wsgi:application"
    if args.static == "plain":
        (work / "plain_static.py").write_text(PLAIN_STATIC)
        extra, app = str(work), "plain_static:application"
    env = _environment(checkout, database, work / "static", extra)
    if not database.exists():
        _manage(checkout, env, "migrate", "--no-input", "-v", "0")
        _manage(checkout, env, "seed_demo")
    _manage(checkout, env, "collectstatic", "--no-input", "-v", "0")

    server = _serve(checkout, env, app, args.port)
    try:
        runs = []
        for _ in range(args.runs):
            run = _measure(args.port, args.path, args.slow_3g)
            rows = {visit: run[visit].pop("rows") for visit in ("first", "again")}
            print(json.dumps(run, ensure_ascii=False), flush=True)
            runs.append(run)
        if args.detail:
            for visit, visit_rows in rows.items():
                for row in visit_rows:
                    print(visit, json.dumps(row, ensure_ascii=False))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait()
        shutil.rmtree(work / "static", ignore_errors=True)

    def median(visit: str, key: str) -> float:
        return statistics.median(run[visit][key] for run in runs)

    print(
        json.dumps(
            {
                "checkout": str(checkout),
                "static": args.static,
                "path": args.path,
                "slow_3g": args.slow_3g,
                "first_visit_bytes": median("first", "bytes"),
                "first_visit_requests": median("first", "requests"),
                "next_visit_bytes": median("again", "bytes"),
                "next_visit_requests": median("again", "requests"),
                "first_visit_load_seconds": median("first", "load_seconds"),
                "next_visit_load_seconds": median("again", "load_seconds"),
                "other_hosts": runs[-1]["first"]["other_hosts"],
            }
        )
    )


if __name__ == "__main__":
    main()

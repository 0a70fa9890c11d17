"""A training's certificates issued end to end, the way production runs them: PostgreSQL, a
Redis broker and a real Celery worker (2 prefork processes), against issue 10's goal of at
least 100 certificates a second for a 180-person training on 2 cores.

    .venv/bin/python benchmarks/certificate_issue.py --runs 3 --people 180 [--naive 60] [--write]

Uses only the database `shuangyu_certbench` (created and migrated if needed) on
127.0.0.1:5432 as `postgres`, Redis db 5 on 127.0.0.1:6379 (emptied first: it is this
benchmark's own) and a temporary MEDIA_ROOT. It starts the worker itself

    .venv/bin/celery -A lms worker -l warning --concurrency 2 -P prefork

with that DATABASE_URL, CELERY_BROKER_URL and MEDIA_ROOT, and stops it (and only it, by its
process ids) at the end, whatever happens.

Setup, once: a township coded DG, a village, a published training template with a seal (the
demo's `_seal_png`) and a 2480 x 1754 JPEG background, and the people. Then a warm-up batch
(worker processes cold: imports, fonts, images) and --runs runs. Each run, on a NEW session
with --people people marked present (not timed; the ledger tasks that marking queues are
drained before the clock starts):

- batch: from `training_batch_request(...)` (it commits and queues `certificates.issue_batch`,
  which queues one `certificates.issue_chunk` per 90 people) until the IssueBatch is DONE,
  polled every 20 ms; then checked: one Certificate per person, each with its stored PDF
  (exists, opens in pypdf, one page; the person's name in pdftotext's text for a sample of
  5), serials unique, no errors;
- naive, on another new session with the first --naive people: for each person
  `training_certificate_issue`, then one `certificate_pdf` (one WeasyPrint render) and the
  file stored, in this process (one core); its rate is extrapolated to --people.

Last, one certificate rendered again as `render_certificate SERIAL -o FILE --again` does it
(`certificate_render(force=True)`, then the stored PDF written out), median of 10.
Prints a markdown table; with --write the section goes into benchmarks/RESULTS-issue-draft.md
(anything from the line "### Where the time goes" on is kept).
"""

import argparse
import datetime
import io
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from workers import Worker  # benchmarks/workers.py: this script's folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "shuangyu_certbench"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
BROKER_URL = "redis://127.0.0.1:6379/5"
WORKER = [str(ROOT / ".venv" / "bin" / "celery"), "-A", "lms", "worker", "-l", "warning"]
WORKER += ["--concurrency", "2", "-P", "prefork"]
RESULTS = ROOT / "benchmarks" / "RESULTS-issue-draft.md"
KEEP_FROM = "### Where the time goes"
GOAL_PER_SECOND = 100
RERENDER_LIMIT_MS = 100
POLL_SECONDS = 0.02
RARE_NAMES = ["刘䶮", "王𫖯", "阿依古丽·买买提"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "建国秀英桂兰玉兰春梅志强海燕丽娟德明永红文华明亮晓东金凤振华淑珍国庆宝山红霞"


START = time.monotonic()


def log(message: str) -> None:
    print(f"[{time.monotonic() - START:6.1f} s] {message}", file=sys.stderr, flush=True)


# --- Database, worker ---------------------------------------------------------------------------


def database_prepare(env: dict) -> float:
    """Create the benchmark's database if it is missing and migrate it; returns seconds."""
    import psycopg

    start = time.perf_counter()
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        if not c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            c.execute(f'CREATE DATABASE "{DB_NAME}"')
            log(f"created database {DB_NAME}")
    migrate_env = {**env, "CELERY_BROKER_URL": ""}  # migrations queue nothing on the broker
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=migrate_env,
        check=True,
    )
    return time.perf_counter() - start


def cpu_seconds(pids) -> tuple[float, float]:
    """(CPU seconds used by the machine, by these processes) so far: what else ran on the
    cores while a batch was timed is the difference of the two over the window."""
    ticks = os.sysconf("SC_CLK_TCK")
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    busy = sum(int(value) for value in fields[:8]) - int(fields[3]) - int(fields[4])
    own = 0
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        own += int(stat[11]) + int(stat[12])  # utime, stime
    return busy / ticks, own / ticks


def broker_drain(redis_client, timeout: float = 180) -> float:
    """Wait until the queue is empty and no message is unacknowledged (acks_late: a task's
    message is acknowledged when it has run)."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if redis_client.llen("celery") == 0 and redis_client.hlen("unacked") == 0:
            return time.perf_counter() - start
        time.sleep(0.05)
    raise RuntimeError("the worker did not drain the queue")


# --- Setup --------------------------------------------------------------------------------------


def make_background() -> bytes:
    """Warm paper with a faint lattice and a watermark ring, 2480 x 1754 (A4 at 212 dpi)."""
    from PIL import Image, ImageDraw

    width, height = 2480, 1754
    paper = Image.new("RGB", (width, height), (251, 246, 232))
    draw = ImageDraw.Draw(paper)
    for offset in range(-height, width, 48):
        draw.line((offset, 0, offset + height, height), fill=(246, 238, 219), width=2)
        draw.line((offset + height, 0, offset, height), fill=(246, 238, 219), width=2)
    for radius in (420, 400):
        box = (width / 2 - radius, height / 2 - radius, width / 2 + radius, height / 2 + radius)
        draw.ellipse(box, outline=(242, 230, 204), width=8)
    buffer = io.BytesIO()
    paper.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def setup_once(total_people: int):
    """Township DG, a village, the template in force (older ones unpublished: their images
    lay in an earlier run's MEDIA_ROOT), an organizer, and the people."""
    from django.contrib.auth import get_user_model
    from django.core.files.images import ImageFile
    from wagtail.images import get_image_model

    from certificates.demo import _seal_png
    from certificates.models import CertificateTemplate, Kind
    from lms.people.models import Person, Township, Village
    from tests.factories.certificates import published_template

    township, _ = Township.objects.get_or_create(name="东沟乡", defaults={"code": "DG"})
    if township.code != "DG":
        township.code = "DG"
        township.save(update_fields=["code"])
    stamp = time.strftime("%Y%m%d%H%M%S")
    village = Village.objects.create(township=township, name=f"基准村{stamp}")
    Image = get_image_model()
    seal = Image(title=f"certbench seal {stamp}")
    seal.file = ImageFile(io.BytesIO(_seal_png("东沟乡委员会")), name="certbench-seal.png")
    seal.save()
    background = Image(title=f"certbench background {stamp}")
    background.file = ImageFile(io.BytesIO(make_background()), name="certbench-background.jpg")
    background.save()
    CertificateTemplate.objects.filter(kind=Kind.TRAINING).update(live=False)
    template = published_template(
        Kind.TRAINING, name=f"certbench {stamp}", seal=seal, background=background
    )
    user, created = get_user_model().objects.get_or_create(
        username="certbench-organizer", defaults={"is_staff": True, "is_superuser": True}
    )
    rng = random.Random(2026)
    names = []
    while len(names) < total_people:
        names.append(rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2)))))
    people = Person.objects.bulk_create([Person(name=name, village=village) for name in names])
    sizes = {
        "background": background.file.size,
        "seal": seal.file.size,
        "background_px": f"{background.width} x {background.height}",
        "seal_px": f"{seal.width} x {seal.height}",
    }
    return village, template, user, people, sizes


def session_with_people(village, people, *, topic: str, rare_names: bool):
    """A held training with these people marked present (roll call), some with rare names."""
    from django.utils import timezone

    from attendance.models import AttendanceRecord, SessionKind, TrainingSession
    from attendance.services import attendance_mark
    from lms.ledger.models import Track

    if rare_names:
        for person, name in zip(people, RARE_NAMES, strict=False):
            person.name = name
            person.save(update_fields=["name"])
    kind, _ = SessionKind.objects.get_or_create(name=SessionKind.DEFAULT)
    starts = timezone.now() - datetime.timedelta(hours=3)
    session = TrainingSession.objects.create(
        kind=kind,
        topic=topic,
        track=Track.SKILLS,
        village=village,
        venue="村委会议室",
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
        trainer_name="县农业技术推广站",
        study_hours=Decimal("2.0"),
        status=TrainingSession.Status.HELD,
    )
    for person in people:
        attendance_mark(
            session=session,
            person=person,
            status=AttendanceRecord.Status.PRESENT,
            method=AttendanceRecord.Method.ROLL_CALL,
        )
    return session


# --- The ways measured --------------------------------------------------------------------------


def batch_run(session, user) -> dict:
    """training_batch_request until the batch is DONE: wall seconds and the batch."""
    from certificates import batches
    from certificates.models import IssueBatch

    started_at = time.time()
    start = time.perf_counter()
    batch = batches.training_batch_request(session=session, by=user)
    while True:
        status = IssueBatch.objects.filter(pk=batch.pk).values_list("status", flat=True).get()
        if status in (IssueBatch.Status.DONE, IssueBatch.Status.FAILED):
            break
        if time.perf_counter() - start > 600:
            raise RuntimeError(f"batch {batch.pk} not done after 600 s")
        time.sleep(POLL_SECONDS)
    seconds = time.perf_counter() - start
    batch.refresh_from_db()
    return {"seconds": seconds, "batch": batch, "started_at": started_at}


def naive_run(session, people, user) -> float:
    """One certificate at a time, in this process: issue, one WeasyPrint render, store."""
    from django.core.files.base import ContentFile
    from django.db import transaction

    from certificates import rendering, services
    from certificates.models import Certificate

    start = time.perf_counter()
    for person in people:
        with transaction.atomic():
            certificate = services.training_certificate_issue(
                session=session, person=person, by=user
            )[0]
        pdf = rendering.certificate_pdf(content=services.certificate_content(certificate))
        certificate.pdf.save(
            services.certificate_filename(certificate), ContentFile(pdf), save=False
        )
        Certificate.objects.filter(pk=certificate.pk).update(pdf=certificate.pdf.name)
    return time.perf_counter() - start


def rerender_times(serial: str, workdir: Path, count: int = 10) -> list[float]:
    """`render_certificate SERIAL -o FILE --again`, as its command does it."""
    from certificates.models import Certificate
    from certificates.services import certificate_pdf_bytes, certificate_render

    output = workdir / "again.pdf"

    def once():
        certificate = Certificate.objects.select_related("person").filter(serial=serial).first()
        certificate_render(certificate=certificate, force=True)
        output.write_bytes(certificate_pdf_bytes(certificate))

    once()  # warm: this process has rendered before, the file is replaced once
    times = []
    for _ in range(count):
        start = time.perf_counter()
        once()
        times.append(time.perf_counter() - start)
    return times


# --- Checks -------------------------------------------------------------------------------------


def check_batch(session, batch, people_count: int, rng: random.Random) -> tuple[dict, list]:
    """What each person must have: a certificate, its own stored PDF (one page, opens), a
    unique serial; the sample's PDFs name their person. Returns (figures, problems)."""
    from pypdf import PdfReader

    from certificates.models import Certificate, IssueBatch

    problems = []
    if batch.status != IssueBatch.Status.DONE:
        problems.append(f"batch status {batch.status}")
    if batch.errors:
        problems.append(f"{len(batch.errors)} errors: {batch.errors[:3]}")
    if (batch.done, batch.total) != (people_count, people_count):
        problems.append(f"batch done/total {batch.done}/{batch.total}, not {people_count}")
    certificates = list(Certificate.objects.filter(session=session).select_related("person"))
    if len(certificates) != people_count:
        problems.append(f"{len(certificates)} certificates, not {people_count}")
    serials = [c.serial for c in certificates]
    if len(set(serials)) != len(serials) or not all(s.startswith("DG-") for s in serials):
        problems.append("serials not unique or not DG-…")
    if len({c.person_id for c in certificates}) != len(certificates):
        problems.append("a person has two certificates")
    sizes, mtimes, paths = [], [], set()
    for certificate in certificates:
        if not certificate.pdf:
            problems.append(f"{certificate.serial}: no PDF stored")
            continue
        path = Path(certificate.pdf.path)
        paths.add(path)
        if not path.is_file():
            problems.append(f"{certificate.serial}: {path} missing")
            continue
        sizes.append(path.stat().st_size)
        mtimes.append(path.stat().st_mtime)
        try:
            pages = len(PdfReader(path).pages)
        except Exception as error:  # noqa: BLE001  reported as a problem
            problems.append(f"{certificate.serial}: pypdf cannot open it: {error}")
            continue
        if pages != 1:
            problems.append(f"{certificate.serial}: {pages} pages")
    if len(paths) != len(certificates):
        problems.append("two certificates share a PDF file")
    rare = [c for c in certificates if c.person.name in RARE_NAMES]
    others = [c for c in certificates if c.person.name not in RARE_NAMES]
    sample = rare[:2] + rng.sample(others, min(3, len(others)))
    for certificate in sample:
        text = subprocess.run(
            ["pdftotext", certificate.pdf.path, "-"], capture_output=True, text=True
        ).stdout
        flat = "".join(text.split())
        if certificate.person.name not in flat or certificate.serial not in flat:
            problems.append(f"{certificate.serial}: {certificate.person.name} not in its text")
    figures = {
        "sizes": sorted(sizes),
        "sample": [c.person.name for c in sample],
        "timeline": _timeline(batch, certificates, mtimes),
    }
    return figures, problems


def _timeline(batch, certificates, mtimes) -> dict:
    """Where a batch's time went, from the database's and the files' clocks: each chunk
    issues all its people, then renders them in one document, then stores them."""
    from certificates.batches import CHUNK

    by_person = {c.person_id: c for c in certificates}
    created = batch.created_at.timestamp()
    chunks = []
    for start in range(0, len(batch.person_ids), CHUNK):
        chunk = [by_person[pk] for pk in batch.person_ids[start : start + CHUNK] if pk in by_person]
        if not chunk:
            continue
        issued = sorted(c.issued_at.timestamp() for c in chunk)
        stored = sorted(Path(c.pdf.path).stat().st_mtime for c in chunk if c.pdf)
        chunks.append(
            {
                "first_issued": issued[0] - created,
                "last_issued": issued[-1] - created,
                "first_stored": stored[0] - created if stored else None,
                "last_stored": stored[-1] - created if stored else None,
            }
        )
    finished = batch.finished_at.timestamp() - created if batch.finished_at else None
    return {"chunks": chunks, "finished": finished}


# --- Report -------------------------------------------------------------------------------------


def machine() -> dict:
    import celery
    import weasyprint
    from django.db import connection

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        (postgres,) = cursor.fetchone()
        cursor.execute("SHOW synchronous_commit")
        (synchronous_commit,) = cursor.fetchone()
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "postgres": postgres,
        "synchronous_commit": synchronous_commit,
        "weasyprint": weasyprint.__version__,
        "celery": celery.__version__,
        "python": platform.python_version(),
    }


def kib(size: float) -> str:
    return f"{size / 1024:.0f} KiB"


def report(options, info: dict, warmup: dict, runs: list[dict], naive: list[dict], again, extra):
    people = options.people
    seconds = [run["seconds"] for run in runs]
    median_s = statistics.median(seconds)
    rate = people / median_s
    naive_rates = [run["count"] / run["seconds"] for run in naive]
    naive_rate = statistics.median(naive_rates)
    again_ms = statistics.median(again) * 1000
    met = rate >= GOAL_PER_SECOND
    all_sizes = sorted(size for run in runs for size in run["figures"]["sizes"])
    problems = [p for run in runs for p in run["problems"]] + warmup["problems"]

    lines = [
        "## A training's certificates end to end: Celery worker, PostgreSQL, stored PDFs",
        "",
        f"- **Command**: `.venv/bin/python benchmarks/certificate_issue.py --runs {options.runs}"
        f" --people {people} --naive {options.naive}{' --write' if options.write else ''}`",
        f"- **Date**: {datetime.date.today():%Y-%m-%d}",
        f"- **Machine**: `nproc` = {info['nproc']} ({info['cpu']}); PostgreSQL"
        f" {info['postgres']} (synchronous_commit {info['synchronous_commit']}); WeasyPrint"
        f" {info['weasyprint']}; Celery {info['celery']}; Python {info['python']}."
        f" Load average before / after: {extra['load_before']} / {extra['load_after']}.",
        "- **How**: PostgreSQL database `shuangyu_certbench`, Redis broker db 5, one worker"
        " `celery -A lms worker -l warning --concurrency 2 -P prefork` started by the script."
        f" Template: landscape, a seal ({extra['images']['seal_px']} PNG,"
        f" {kib(extra['images']['seal'])}) and a background"
        f" ({extra['images']['background_px']} JPEG, {kib(extra['images']['background'])}). Each"
        f" run: a new held session with {people} people marked present (not timed; the ledger"
        " tasks marking queues were drained first), then the clock runs from"
        " `training_batch_request(session=…, by=…)` (commit; `certificates.issue_batch` queues"
        " one `certificates.issue_chunk` per 90 people) until the IssueBatch is DONE, polled"
        " every 20 ms. One warm-up batch first (cold worker processes), not counted.",
        "",
        f"| run ({people} people) | seconds | certificates/s | largest PDF | median PDF |",
        "|---|---|---|---|---|",
    ]
    warm_sizes = warmup["figures"]["sizes"]
    lines.append(
        f"| warm-up (cold worker processes, not counted) | {warmup['seconds']:.2f} |"
        f" {people / warmup['seconds']:.0f} | {kib(warm_sizes[-1])} |"
        f" {kib(statistics.median(warm_sizes))} |"
    )
    for index, run in enumerate(runs, start=1):
        sizes = run["figures"]["sizes"]
        lines.append(
            f"| {index} | {run['seconds']:.2f} | {people / run['seconds']:.0f} |"
            f" {kib(sizes[-1])} | {kib(statistics.median(sizes))} |"
        )
    lines.append(
        f"| **median** | **{median_s:.2f}** | **{rate:.0f}** | {kib(all_sizes[-1])} |"
        f" {kib(statistics.median(all_sizes))} |"
    )
    lines += [
        "",
        f"| naive, in this process (one core), {options.naive} people a run | per certificate"
        f" ms | certificates/s | {people} extrapolated, s |",
        "|---|---|---|---|",
    ]
    for index, run in enumerate(naive, start=1):
        per = run["seconds"] / run["count"]
        lines.append(f"| {index} | {per * 1000:.1f} | {1 / per:.1f} | {people * per:.1f} |")
    lines.append(
        f"| **median** | **{1000 / naive_rate:.1f}** | **{naive_rate:.1f}** |"
        f" **{people / naive_rate:.1f}** |"
    )
    chunk_lines = []
    for index, run in enumerate(runs, start=1):
        timeline = run["figures"]["timeline"]
        parts = []
        for number, chunk in enumerate(timeline["chunks"], start=1):
            parts.append(
                f"chunk {number}: issued {chunk['first_issued']:.2f}–{chunk['last_issued']:.2f},"
                f" stored {chunk['first_stored']:.2f}–{chunk['last_stored']:.2f}"
            )
        chunk_lines.append(
            f"  - run {index}: {'; '.join(parts)}; done {timeline['finished']:.2f}"
            f" (request at {run['requested_offset']:+.2f}, seen done"
            f" {run['seconds'] + run['requested_offset']:.2f}); CPU used meanwhile: worker"
            f" {run['cpu']['worker']:.2f} s, whole machine {run['cpu']['machine']:.2f} s of"
            f" {info['nproc'] * run['seconds']:.2f} s"
        )
    lines += [
        "",
        "| figure | value |",
        "|---|---|",
        f"| end-to-end rate, median of {options.runs} | {rate:.0f} certificates/s"
        f" ({median_s:.2f} s for {people}) |",
        f"| goal: ≥ {GOAL_PER_SECOND} certificates/s | {'**met**' if met else '**NOT met**'} |",
        f"| naive (one certificate at a time, one core), extrapolated | {naive_rate:.1f}"
        f" certificates/s ({people / naive_rate:.1f} s for {people}) |",
        f"| batch / naive rate | {rate / naive_rate:.1f}× |",
        f"| re-render one certificate (`render_certificate … --again`), median of 10 |"
        f" {again_ms:.0f} ms ({'under' if again_ms < RERENDER_LIMIT_MS else 'NOT under'}"
        f" {RERENDER_LIMIT_MS} ms; min {min(again) * 1000:.0f}, max {max(again) * 1000:.0f}) |",
        f"| checks (count, files, pypdf 1 page, unique serials, no errors, names in sample) |"
        f" {'ok' if not problems else '; '.join(problems[:5])} |",
        f"| worker log (`-l warning`) | {extra['worker_log_lines']} lines |",
        "",
        "Timeline of each run, seconds after the IssueBatch row was created (database and file"
        " clocks): when each chunk issued its first and last certificate, when it stored its"
        " first and last PDF, and when the batch was marked done; and the CPU time the worker"
        " processes and the whole machine (this script, PostgreSQL, Redis and anything else"
        " running) used during the timed window:",
        "",
        *chunk_lines,
        "",
        f"Run seconds: {', '.join(f'{s:.2f}' for s in seconds)}; naive per-certificate ms:"
        f" {', '.join(f'{1000 / r:.1f}' for r in naive_rates)}; re-render ms:"
        f" {', '.join(f'{t * 1000:.0f}' for t in again)}.",
        f"Sampled names (pdftotext) in the last run: {'、'.join(runs[-1]['figures']['sample'])}.",
    ]
    return "\n".join(lines) + "\n", met


def write_results(section: str) -> None:
    kept = ""
    if RESULTS.exists():
        text = RESULTS.read_text()
        if KEEP_FROM in text:
            kept = "\n" + text[text.index(KEEP_FROM) :]
    RESULTS.write_text("# Benchmark results (draft)\n\n" + section + kept)


# --- Main ---------------------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--people", type=int, default=180)
    parser.add_argument("--naive", type=int, default=60, help="people for the naive way, a run")
    parser.add_argument("--write", action="store_true", help=f"record the section in {RESULTS}")
    options = parser.parse_args()
    if options.naive > options.people:
        parser.error("--naive cannot exceed --people")

    workdir = Path(tempfile.mkdtemp(prefix="certbench-"))
    media = workdir / "media"
    media.mkdir()
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "CELERY_BROKER_URL": BROKER_URL,
        "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
        "MEDIA_ROOT": str(media),
    }
    env.pop("CELERY_RESULT_BACKEND", None)
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "CELERY_BROKER_URL", "MEDIA_ROOT")})
    os.environ["DJANGO_SETTINGS_MODULE"] = "lms.settings.dev"
    os.environ.pop("CELERY_RESULT_BACKEND", None)
    sys.path.insert(0, str(ROOT))
    # A SIGTERM to this script stops the worker too (the finally below).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    worker = None
    try:
        log(f"database {DB_NAME}: create if missing, migrate")
        migrate_s = database_prepare(env)
        log(f"  {migrate_s:.1f} s")

        import django

        django.setup()
        import logging

        import redis

        logging.getLogger("weasyprint").setLevel(logging.WARNING)
        from django.conf import settings

        from lms.celery import app

        assert str(settings.MEDIA_ROOT) == str(media), settings.MEDIA_ROOT
        assert settings.DATABASES["default"]["NAME"] == DB_NAME
        redis_client = redis.Redis.from_url(BROKER_URL)
        redis_client.flushdb()  # db 5 is this benchmark's: no stale messages from a killed run

        total = options.people * (options.runs + 1)
        log(f"setup: template, township DG, village, {total} people")
        village, _template, user, people, images = setup_once(total)
        info = machine()
        load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])

        worker = Worker(WORKER, env, workdir / "worker.log")
        log(f"worker ready in {worker.wait_ready(app):.1f} s; pids {sorted(worker.pids)}")

        rng = random.Random(10)

        def one_batch(label: str, group: list) -> dict:
            session = session_with_people(
                village, group, topic=f"设施蔬菜种植技术（{label}）", rare_names=True
            )
            drained = broker_drain(redis_client)
            log(
                f"{label}: session {session.pk}, {len(group)} present; ledger tasks drained"
                f" in {drained:.1f} s"
            )
            machine_before, worker_before = cpu_seconds(worker.pids)
            result = batch_run(session, user)
            machine_after, worker_after = cpu_seconds(worker.pids)
            result["cpu"] = {
                "machine": machine_after - machine_before,
                "worker": worker_after - worker_before,
            }
            worker.record_pids()
            figures, problems = check_batch(session, result["batch"], len(group), rng)
            result.update(
                figures=figures,
                problems=problems,
                session=session,
                requested_offset=result["started_at"] - result["batch"].created_at.timestamp(),
            )
            log(
                f"{label}: {result['seconds']:.2f} s, {len(group) / result['seconds']:.0f}/s;"
                f" checks {'ok' if not problems else problems[:3]}"
            )
            return result

        groups = [
            people[i * options.people : (i + 1) * options.people] for i in range(options.runs + 1)
        ]
        warmup = one_batch("warm-up", groups[0])
        runs, naive = [], []
        for index in range(options.runs):
            group = groups[index + 1]
            runs.append(one_batch(f"run {index + 1}", group))
            naive_people = group[: options.naive]
            session = session_with_people(
                village, naive_people, topic=f"逐一发证（run {index + 1}）", rare_names=False
            )
            broker_drain(redis_client)
            seconds = naive_run(session, naive_people, user)
            from certificates.models import Certificate

            stored = Certificate.objects.filter(session=session).exclude(pdf="").count()
            naive.append({"seconds": seconds, "count": len(naive_people), "stored": stored})
            log(
                f"naive {index + 1}: {len(naive_people)} in {seconds:.2f} s"
                f" ({seconds / len(naive_people) * 1000:.1f} ms each; {stored} stored)"
            )
            if stored != len(naive_people):
                runs[-1]["problems"].append(f"naive: {stored} of {len(naive_people)} stored")

        serial = sorted(c.serial for c in runs[-1]["session"].certificates.all())[0]
        again = rerender_times(serial, workdir)
        log(f"re-render {serial}: median {statistics.median(again) * 1000:.0f} ms")
        load_after = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        worker_log_lines = len(worker.log_path.read_bytes().splitlines())
        section, met = report(
            options,
            info,
            warmup,
            runs,
            naive,
            again,
            {
                "images": images,
                "load_before": load_before,
                "load_after": load_after,
                "worker_log_lines": worker_log_lines,
            },
        )
        print(section)
        if options.write:
            write_results(section)
            log(f"written: {RESULTS}")
    finally:
        if worker is not None:
            left = worker.stop()
            if left:
                print(f"WARNING: worker processes still alive: {left}", file=sys.stderr)
            log_text = worker.log_path.read_text(errors="replace").strip()
            if log_text:
                print("--- worker log (last 20 lines) ---", file=sys.stderr)
                print("\n".join(log_text.splitlines()[-20:]), file=sys.stderr)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

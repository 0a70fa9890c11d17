"""Drill (issue 13): a Celery worker killed in the middle of long background work. Nothing may
be lost or done twice, and the work must go on by itself. Two works:

- assign: a course assigned to a village of 30,000 party members (`courses.assign`);
- issue: a training's certificates issued in bulk to ~600 people (`certificates.issue_batch`,
  which queues one `certificates.issue_chunk` per 90 people).

    /work/main/.venv/bin/python benchmarks/drill_worker_kill.py [--work assign|issue]
        [--people N] [--visibility-timeout 60] [--kill-at 0.4] [--write]

Each work uses only its own database on 127.0.0.1:5432 as `postgres` (assign:
`shuangyu_drill_worker`, issue: `shuangyu_drill_issue`; created, and dropped at the end) and
its own Redis db on 127.0.0.1:6379 (assign: 11, issue: 12; emptied first and last), so the two
can run at the same time, with production settings (`lms.settings.production`, DEBUG off). It
starts the worker itself, the way README says to,

    celery -A lms worker -l warning --concurrency 2 -P prefork

(the `celery` next to the Python running this script) and stops only the processes it
started, by their ids. Three runs, each new work (a new course, or a new held training with
everyone present), timed from the request that commits and queues it:

- undisturbed: how long the work takes (it must stay far below the visibility timeout);
- pool process killed: once --kill-at of the people are reached (assign: counted; issue:
  certificates issued, so that a chunk is caught between issuing and rendering), SIGKILL the
  pool process running the work (as the OOM killer would). `CELERY_TASK_REJECT_ON_WORKER_LOST`
  requeues its task at once;
- whole worker killed: SIGKILL the worker and its pool processes (a machine lost), then start a
  new worker. Redis hands the task on after the visibility timeout, set for the drill to
  --visibility-timeout seconds (production: 900).

Each is checked: the work done by itself, every person served once (none missing, no person
twice), the counts equal to the people (no chunk counted twice); for certificates, also every
certificate's PDF stored (the file there, a whole PDF). Prints a markdown table; --write
appends it with the command and the machine to benchmarks/RESULTS.md.
"""

import argparse
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from workers import Worker, log  # benchmarks/workers.py: this script's folder is on sys.path

ROOT = Path(__file__).resolve().parent.parent
CELERY = str(Path(sys.executable).parent / "celery")
WORKER = [CELERY, "-A", "lms", "worker", "-l", "warning", "--concurrency", "2", "-P", "prefork"]
POLL_SECONDS = 0.02
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
KILLED = {
    "none": "undisturbed",
    "process": "pool process SIGKILLed",
    "worker": "whole worker SIGKILLed, new worker started",
}


# --- The works drilled --------------------------------------------------------------------------


class Assign:
    """A new course assigned to the whole village through `course_assign_start`."""

    db_name = "shuangyu_drill_worker"
    broker_db = 11
    people = 30004
    heading = "## A worker lost mid-assignment (issue 13), {date}"
    resumed_header = "going on after the kill"

    def setup(self, people: int) -> None:
        """Township 东沟乡, village 东沟村 of `people` party members, its organizer."""
        from lms.people.models import Person, RoleAssignment, User, Village
        from lms.people.services import role_assign, township_setup

        township_setup(name="东沟乡", village_names=["东沟村"])
        self.village = Village.objects.get(name="东沟村")
        surnames = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
        Person.objects.bulk_create(
            [
                Person(name=f"{surnames[n % 20]}{n}", village=self.village, is_party_member=True)
                for n in range(people)
            ],
            batch_size=2000,
        )
        self.organizer = User.objects.create_user(username="organizer", password="drill-only")
        role_assign(
            user=self.organizer,
            role=RoleAssignment.Role.ORGANIZER,
            township=self.village.township,
            villages=[self.village],
        )

    def request(self, title: str) -> tuple[int, list[int]]:
        from courses.assignment import assignment_people_ids, course_assign_start
        from tests.factories import courses as build

        course = build.course(title)
        ids = assignment_people_ids(by=self.organizer, village=self.village)
        return course_assign_start(course=course, people_ids=ids, by=self.organizer).pk, ids

    def progress(self, job: int) -> tuple[str, int]:
        from courses.models import CourseAssignment

        row = CourseAssignment.objects.filter(pk=job).values("status", "done").get()
        return row["status"], row["done"]

    reached = None  # the kill waits for what is counted

    def in_flight(self, job: int) -> int:
        return self.progress(job)[1]

    def caught_up(self, job: int, done_at_kill: int) -> bool:
        """The task goes on: the next chunk is counted."""
        return self.progress(job)[1] > done_at_kill

    def checked(self, job: int, ids: list[int]) -> dict:
        from django.db.models import Count

        from courses.models import CourseAssignment, Enrollment

        assignment = CourseAssignment.objects.get(pk=job)
        enrolled = Enrollment.objects.filter(course=assignment.course)
        twice = enrolled.values("person_id").annotate(n=Count("pk")).filter(n__gt=1).count()
        missing = len(set(ids) - set(enrolled.values_list("person_id", flat=True)))
        return {
            "status": assignment.status,
            "served": enrolled.count(),
            "missing": missing,
            "twice": twice,
            "counted": assignment.counts.get("assigned", 0),
        }

    def columns(self, row: dict) -> dict:
        return {
            "enrolled": f"{row['served']:,}",
            "missing": row["missing"],
            "twice": row["twice"],
            "counted assigned": f"{row['counted']:,}",
        }


class Issue:
    """A new held training with everyone present, its certificates issued through
    `training_batch_request` (the organizer's action on the session page)."""

    db_name = "shuangyu_drill_issue"
    broker_db = 12
    people = 600
    heading = "### Drill: a worker killed mid certificate bulk issue (issue 13)"
    resumed_header = "killed chunks done again after"

    def setup(self, people: int) -> None:
        """Township DG, a village of `people`, the training template in force (seal and
        background as benchmarks/certificate_issue.py makes them), an organizer."""
        from certificate_issue import setup_once  # this script's folder is on sys.path

        self.village, _template, self.user, self.people, _sizes = setup_once(people)

    def request(self, title: str) -> tuple[int, list[int]]:
        """The session and its attendance first, the ledger tasks they queue drained, then the
        batch: the worker is busy with the chunks alone."""
        import redis
        from certificate_issue import broker_drain, session_with_people
        from django.conf import settings

        from certificates.batches import training_batch_request

        self.session = session_with_people(self.village, self.people, topic=title, rare_names=False)
        broker_drain(redis.Redis.from_url(settings.CELERY_BROKER_URL))
        batch = training_batch_request(session=self.session, by=self.user)
        return batch.pk, batch.person_ids

    def progress(self, job: int) -> tuple[str, int]:
        from certificates.models import IssueBatch

        row = IssueBatch.objects.filter(pk=job).values("status", "done").get()
        return row["status"], row["done"]

    def reached(self, job: int) -> int:
        """Certificates issued so far (a chunk commits each person as it goes, then renders)."""
        from certificates.models import Certificate

        return Certificate.objects.filter(session=self.session).count()

    def _chunks(self, job: int) -> tuple[list[int], set[int], set[int]]:
        """(the batch's people, the chunks counted, the chunks with a certificate issued)."""
        from certificates.batches import CHUNK
        from certificates.models import Certificate, IssueBatch

        batch = IssueBatch.objects.get(pk=job)
        place = {pk: n for n, pk in enumerate(batch.person_ids)}
        issued = Certificate.objects.filter(session=self.session).values_list("person_id")
        started = {place[pk] // CHUNK * CHUNK for (pk,) in issued if pk in place}
        return batch.person_ids, set(batch.chunks_done), started

    def in_flight(self, job: int) -> set[int]:
        """The chunks under way when the worker died: begun (a certificate issued), not counted."""
        _ids, counted, started = self._chunks(job)
        return started - counted

    def caught_up(self, job: int, in_flight: set[int]) -> bool:
        """Every chunk caught under way is counted: run again to its end by a worker."""
        return in_flight <= self._chunks(job)[1]

    def checked(self, job: int, ids: list[int]) -> dict:
        from django.db.models import Count

        from certificates.batches import CHUNK
        from certificates.models import Certificate, IssueBatch

        batch = IssueBatch.objects.get(pk=job)
        certificates = Certificate.objects.filter(session=self.session)
        twice = certificates.values("person_id").annotate(n=Count("pk")).filter(n__gt=1).count()
        missing = len(set(ids) - set(certificates.values_list("person_id", flat=True)))
        no_pdf = sum(not _whole_pdf(certificate) for certificate in certificates)
        chunks = sorted(batch.chunks_done)
        return {
            "status": batch.status,
            "served": certificates.count(),
            "missing": missing,
            "twice": twice,
            "no_pdf": no_pdf,
            "counted": batch.done,
            "chunks_ok": chunks == list(range(0, len(ids), CHUNK)),
            "errors": len(batch.errors),
        }

    def columns(self, row: dict) -> dict:
        return {
            "certificates expected": f"{row['total']:,}",
            "issued": f"{row['served']:,}",
            "lost": row["missing"],
            "duplicate": row["twice"],
            "PDFs missing": row["no_pdf"],
            "batch counted": f"{row['counted']:,}",
            "batch": row["status"],
        }


def _whole_pdf(certificate) -> bool:
    """Its PDF stored and whole: the file there, from `%PDF` to `%%EOF`."""
    if not certificate.pdf:
        return False
    path = Path(certificate.pdf.path)
    if not path.is_file():
        return False
    data = path.read_bytes()
    return data.startswith(b"%PDF") and b"%%EOF" in data[-64:]


WORKS = {"assign": Assign, "issue": Issue}


# --- Database, broker, processes ----------------------------------------------------------------


def drill_env(work, visibility_timeout: int, workdir: Path) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{work.db_name}",
        "DJANGO_SETTINGS_MODULE": "lms.settings.production",
        "SECRET_KEY": "drill-only-" + "x" * 60,
        "SECURE_SSL_REDIRECT": "false",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CELERY_BROKER_URL": f"redis://127.0.0.1:6379/{work.broker_db}",
        "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
        "LOG_LEVEL": "WARNING",
        "MEDIA_ROOT": str(workdir / "media"),
        "PRIVATE_ROOT": str(workdir / "private"),
    }
    env.pop("CELERY_RESULT_BACKEND", None)  # the broker's Redis db, as by default
    return env


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql],
        check=True,
        capture_output=True,
    )


def database_fresh(db_name: str, env: dict) -> None:
    psql(f"DROP DATABASE IF EXISTS {db_name} WITH (FORCE)")
    psql(f"CREATE DATABASE {db_name}")
    migrate_env = {**env, "CELERY_BROKER_URL": ""}  # migrations queue nothing on the broker
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=migrate_env,
        check=True,
    )


def wait_until(condition, timeout: float) -> float | None:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if condition():
            return time.perf_counter() - start
        time.sleep(POLL_SECONDS)
    return None


def cpu_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime, stime


def pool_processes(worker) -> list[int]:
    worker.record_pids()
    return sorted(pid for pid in worker._own_alive() if pid != worker.process.pid)


# --- The runs -----------------------------------------------------------------------------------


def run(kind: str, n: int, work, options, env, workdir, app, workers) -> dict:
    """One piece of work; `kind`: none, process (a pool process killed) or worker (all of it)."""
    job, ids = work.request(f"演练 {n}（{kind}）")
    start = time.perf_counter()
    total = len(ids)
    log(f"{kind}: job {job} of {total} people queued")
    row = {"kind": kind, "total": total}
    if kind != "none":
        reached = work.reached or (lambda job: work.progress(job)[1])
        kill_at = int(total * options.kill_at)
        worker = workers[-1]
        # The pool process running the task is the one whose CPU time grows meanwhile (asking
        # the worker which one takes a second: longer than the chunks before the kill).
        if wait_until(lambda: reached(job) > 0, 120) is None:
            raise RuntimeError("the work did not get under way")
        before = {pid: cpu_ticks(pid) for pid in pool_processes(worker)}
        if wait_until(lambda: reached(job) >= kill_at, 120) is None:
            raise RuntimeError("the work stopped before the kill")
        if kind == "process":
            pid = max(before, key=lambda pid: cpu_ticks(pid) - before[pid])
            os.kill(pid, signal.SIGKILL)
            row["killed"] = f"pool process {pid}"
        else:
            worker.kill()
            row["killed"] = f"worker {sorted(worker.pids)}"
        killed_at = time.perf_counter()
        time.sleep(0.3)  # let the killed transaction roll back before reading what is counted
        row["reached_at_kill"] = reached(job)
        row["done_at_kill"] = work.progress(job)[1]
        in_flight = work.in_flight(job)
        log(
            f"{kind}: killed {row['killed']} with {row['reached_at_kill']} reached,"
            f" {row['done_at_kill']} of {total} counted; under way: {in_flight}"
        )
        if row["done_at_kill"] >= total:
            raise RuntimeError("the work finished before the kill: try a smaller --kill-at")
        if kind == "worker":
            workers.append(Worker(WORKER, env, workdir / f"worker-{len(workers)}.log"))
            log(f"new worker ready in {workers[-1].wait_ready(app):.1f} s")
        timeout = options.visibility_timeout + 180
        if wait_until(lambda: work.caught_up(job, in_flight), timeout) is None:
            raise RuntimeError(f"no progress within {timeout} s of the kill")
        row["resumed_s"] = time.perf_counter() - killed_at
        log(f"{kind}: back to work {row['resumed_s']:.1f} s after the kill")
    finished = wait_until(lambda: work.progress(job)[0] in ("done", "failed"), 600)
    if finished is None:
        raise RuntimeError(f"the work did not finish: {work.progress(job)}")
    row["finished_s"] = time.perf_counter() - start
    row.update(work.checked(job, ids))
    log(f"{kind}: {row}")
    return row


def table(rows: list[dict], work) -> str:
    def killed_at(row):
        if "done_at_kill" not in row:
            return "–"
        if work.reached is None:
            return f"{row['done_at_kill']:,}"
        return f"{row['reached_at_kill']:,} issued, {row['done_at_kill']:,} counted"

    columns = [
        {
            "what was killed": KILLED[row["kind"]],
            "people": f"{row['total']:,}",
            "killed at": killed_at(row),
            work.resumed_header: f"{row['resumed_s']:.1f} s" if "resumed_s" in row else "–",
            "whole work": f"{row['finished_s']:.1f} s",
            **work.columns(row),
        }
        for row in rows
    ]
    lines = [
        "| " + " | ".join(columns[0]) + " |",
        "|" + "---|" * len(columns[0]),
        *("| " + " | ".join(str(value) for value in row.values()) + " |" for row in columns),
    ]
    return "\n".join(lines)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    return f"{os.cpu_count()} cores ({cpu}), load before {load}, Python {platform.python_version()}"


def passed(row: dict) -> bool:
    return (
        row["status"] == "done"
        and row["missing"] == 0
        and row["twice"] == 0
        and row["counted"] == row["total"]
        and row.get("no_pdf", 0) == 0
        and row.get("chunks_ok", True)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", choices=sorted(WORKS), default="assign")
    parser.add_argument("--people", type=int, help="assign: 30004, issue: 600")
    parser.add_argument("--visibility-timeout", type=int, default=60)
    parser.add_argument("--kill-at", type=float, default=0.4, help="share done before the kill")
    parser.add_argument("--write", action="store_true")
    options = parser.parse_args()
    work = WORKS[options.work]()
    people = options.people or work.people

    workdir = Path(tempfile.mkdtemp(prefix="shuangyu-drill-"))
    env = drill_env(work, options.visibility_timeout, workdir)
    os.environ.update(env)
    os.environ.pop("CELERY_RESULT_BACKEND", None)
    sys.path.insert(0, str(ROOT))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the finally below still runs

    workers: list[Worker] = []
    redis_client = None
    try:
        log(f"database {work.db_name}: fresh, migrated")
        database_fresh(work.db_name, env)
        import django

        django.setup()
        import redis
        from django.conf import settings

        from lms.celery import app

        assert settings.DATABASES["default"]["NAME"] == work.db_name
        visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
        assert visibility == options.visibility_timeout
        redis_client = redis.Redis.from_url(env["CELERY_BROKER_URL"])
        redis_client.flushdb()
        info = machine()
        log(f"setup: {options.work}, {people} people")
        work.setup(people)

        workers.append(Worker(WORKER, env, workdir / "worker-0.log"))
        log(f"worker ready in {workers[0].wait_ready(app):.1f} s")
        rows = [
            run(kind, n, work, options, env, workdir, app, workers)
            for n, kind in enumerate(("none", "process", "worker"), start=1)
        ]
    finally:
        for worker in workers:
            worker.stop()
        if redis_client is not None:
            redis_client.flushdb()
        from django.db import connections

        connections.close_all()
        psql(f"DROP DATABASE IF EXISTS {work.db_name} WITH (FORCE)")
        log(f"database {work.db_name} dropped; logs in {workdir}")

    ok = all(passed(row) for row in rows)
    report = table(rows, work)
    print(report)
    print(
        f"\n{info}; visibility timeout {options.visibility_timeout} s; {'OK' if ok else 'FAILED'}"
    )
    if options.write:
        command = " ".join(
            ["/work/main/.venv/bin/python", "benchmarks/drill_worker_kill.py", *sys.argv[1:]]
        ).replace(" --write", "")
        with RESULTS.open("a") as results:
            results.write(
                f"\n{work.heading.format(date=time.strftime('%Y-%m-%d'))}\n\n"
                f"- **Command**: `{command}`\n- **Date**: {time.strftime('%Y-%m-%d')}\n"
                f"- **Machine**: {info}\n"
                f"- **Visibility timeout**: {options.visibility_timeout} s for the drill"
                " (production: 900 s)\n\n"
                f"{report}\n"
            )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

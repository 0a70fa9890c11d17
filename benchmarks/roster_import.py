"""The roster import (花名册) at a township's size (issue 11, item 4): 20,000 new people, then
the same file again (every row unchanged), on SQLite and on PostgreSQL.

Each engine runs in a child process of its own (Django is set up once per process), with
`lms.settings.dev` and DEBUG off, so Django keeps no query log (checked), as in production:

- SQLite: a new database file in a temporary folder, migrated, removed at the end;
- PostgreSQL: the database `shuangyu_roster_bench_<pid>` (this script's process id, so two
  runs never share one) on 127.0.0.1:5432 as `postgres` (trust auth), created for each
  child and dropped after it (`--keep` keeps the last one and prints its name).

Setup (not timed): `township_setup` makes the township 东沟乡 and its 20 villages; the roster
is generated once (fixed seed): people in households of 1 to 5 sharing a household number
(户号) and mostly a phone, realistic Chinese names (same names recur in a village, told apart
by ID number or phone), valid 18-digit ID numbers for 97 % (the rest have a phone of their
own), about 20 % party members in their village's branch (党支部). Households and branches
do not exist yet: the first import creates them too.

Each run starts from an empty roster (people, households and branches deleted, not timed):

- new: `roster_plan(file)` then `roster_import_apply(plan)`: every row creates a person;
- again: the same file planned and applied again: every row is unchanged;
- changed: the file with every row's 党员 cell turned over (是 ↔ 否): every row updates
  its person (a year's corrections arrive as a whole roster, not as the rows that changed).

It prints, per engine, the median (and every run) of plan, apply and the total wall time,
rows per second, the CPU time of the importing process (what the cores' other users cannot
stretch; PostgreSQL's own work is not in it), and the SQL statements each phase sent
(counted by a connection execute wrapper).

    .venv/bin/python benchmarks/roster_import.py [--rows 20000] [--runs 3]
    .venv/bin/python benchmarks/roster_import.py --engines sqlite    # one engine (default: both)
    .venv/bin/python benchmarks/roster_import.py --format xlsx      # an XLSX roster instead of CSV
    .venv/bin/python benchmarks/roster_import.py --code /tmp/old    # time another checkout's code

`--code DIR` imports `lms` (and the settings) from another checkout, e.g. an older commit
unpacked with `git archive COMMIT | tar -x -C DIR`, to measure the code before a change with
the same generator and the same steps. `--baseline DIR` runs that checkout and `--code`
alternately, one run each at a time, and prints both and their ratio:

    git archive dfd31ea | tar -x -C /tmp/roster-old     # the commit before issue 11's import
    .venv/bin/python benchmarks/roster_import.py --baseline /tmp/roster-old --runs 3
"""

import argparse
import datetime
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_DATABASE = f"shuangyu_roster_bench_{os.getpid()}"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_DATABASE}"

TOWNSHIP = "东沟乡"
VILLAGES = [
    "东沟", "红旗", "新民", "团结", "和平", "光明", "永丰", "丰收", "胜利", "幸福",
    "向阳", "长青", "石桥", "柳树", "杏花", "桃园", "前进", "上庄", "下庄", "河口",
]  # fmt: skip
# The commonest surnames, most frequent first (a village has a few big families).
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉红梅建国志成福贵春生海燕文"
    "晓丹辉鹏飞宇浩然欣怡佳琪子轩雨萱梓涵俊杰思远振兴德胜金花淑珍凤英秀兰桂英玉兰"
)
HEADER = ["姓名", "性别", "村", "手机号", "身份证号", "党员", "户号", "党支部"]
AREA_CODE = "140121"  # a county of Shanxi; any six digits pass the check


# --- the roster ------------------------------------------------------------------------------


def id_number(rng, born: datetime.date, male: bool, used: set[str]) -> str:
    from lms.people.identity import id_check_char

    while True:
        serial = rng.randrange(0, 1000)
        if serial % 2 != male:  # odd: male
            serial = (serial + 1) % 1000
        first17 = f"{AREA_CODE}{born:%Y%m%d}{serial:03d}"
        value = first17 + id_check_char(first17)
        if value not in used:
            used.add(value)
            return value


def phone(rng, used: set[str]) -> str:
    while True:
        value = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
        if value not in used:
            used.add(value)
            return value


def given_name(rng) -> str:
    return "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))


def roster_rows(count: int, seed: int = 11) -> list[list[str]]:
    """`count` rows of a township's roster, the header first."""
    rng = random.Random(seed)
    weights = [rng.uniform(0.6, 1.4) for _ in VILLAGES]
    used_ids: set[str] = set()
    used_phones: set[str] = set()
    rows = [HEADER]
    households = dict.fromkeys(VILLAGES, 0)
    today = datetime.date(2026, 11, 30)
    while len(rows) - 1 < count:
        village = rng.choices(VILLAGES, weights)[0]
        households[village] += 1
        number = f"{households[village]:04d}"
        surname = rng.choice(SURNAMES[: rng.choice((12, 30, len(SURNAMES)))])
        family_phone = phone(rng, used_phones)
        names = set()
        for member in range(min(rng.choice((1, 2, 3, 3, 4, 4, 5)), count - len(rows) + 1)):
            male = rng.random() < 0.5
            name = (surname if member != 1 else rng.choice(SURNAMES)) + given_name(rng)
            if name in names:
                continue
            names.add(name)
            age = rng.randint(18, 85)
            born = today - datetime.timedelta(days=365 * age + rng.randrange(365))
            if rng.random() < 0.97:
                identifier = id_number(rng, born, male, used_ids)
                # The family's phone, or one's own; every row has a phone or an ID number.
                own = family_phone if rng.random() < 0.6 else phone(rng, used_phones)
            else:
                identifier, own = "", phone(rng, used_phones)
            party = rng.random() < 0.2
            rows.append(
                [
                    name,
                    ("男" if male else "女") if rng.random() < 0.9 else "",
                    village + "村",
                    own,
                    identifier,
                    "是" if party else "否",
                    number,
                    f"{village}村党支部" if party else "",
                ]
            )
    return rows


def roster_file(rows, file_format: str) -> tuple[bytes, str]:
    if file_format == "xlsx":
        from openpyxl import Workbook

        workbook = Workbook()
        for row in rows:
            workbook.active.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue(), "roster.xlsx"
    import csv

    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode("utf-8-sig"), "roster.csv"


# --- one engine, in its own process ------------------------------------------------------------


def child(args) -> None:
    """Set Django up on this process's DATABASE_URL, run the runs, print one JSON line."""
    sys.path.insert(0, str(args.code))
    os.environ.update(
        {"DJANGO_SETTINGS_MODULE": "lms.settings.dev", "DEBUG": "false", "CELERY_BROKER_URL": ""}
    )
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction

    import lms
    from lms.people.models import Household, PartyBranch, Person
    from lms.people.roster import roster_plan
    from lms.people.services import roster_import_apply, township_setup

    assert not settings.DEBUG, "DEBUG must be off: Django would keep every query"
    assert Path(lms.__file__).resolve().is_relative_to(Path(args.code).resolve())
    call_command("migrate", verbosity=0, interactive=False)
    township, _created = township_setup(name=TOWNSHIP, village_names=VILLAGES)
    rows = roster_rows(args.rows)
    data, filename = roster_file(rows, args.format)
    turn = {"是": "否", "否": "是"}
    turned = [rows[0]] + [[*row[:5], turn[row[5]], *row[6:]] for row in rows[1:]]
    changed_data, _filename = roster_file(turned, args.format)

    statements = [0]

    def count(execute, sql, params, many, context):
        statements[0] += 1
        return execute(sql, params, many, context)

    def timed(step):
        statements[0] = 0
        with connection.execute_wrapper(count):
            started, cpu = time.perf_counter(), time.process_time()
            result = step()
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        return result, elapsed, statements[0], cpu

    def empty_roster():
        with transaction.atomic(), connection.cursor() as cursor:
            for model in (Person, Household, PartyBranch):
                cursor.execute(f"DELETE FROM {model._meta.db_table}")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE")

    runs = []
    for _run in range(args.runs):
        empty_roster()
        result = {}
        for phase, action, content in (
            ("new", "create", data),
            ("again", "unchanged", data),
            ("changed", "update", changed_data),
        ):
            plan, plan_s, plan_q, plan_cpu = timed(
                lambda content=content: roster_plan(content, filename, township=township)
            )
            assert plan.is_valid, [str(error) for error in plan.errors[:5]]
            assert plan.count(action) == args.rows, (phase, plan.count(action))
            counts, apply_s, apply_q, apply_cpu = timed(
                lambda plan=plan: roster_import_apply(plan=plan)
            )
            assert counts[action] == args.rows, counts
            result[phase] = {
                "plan": plan_s,
                "apply": apply_s,
                "plan_queries": plan_q,
                "apply_queries": apply_q,
                "cpu": plan_cpu + apply_cpu,
            }
        assert Person.objects.count() == args.rows
        runs.append(result)
    facts = {
        "vendor": connection.vendor,
        "server": connection.cursor().connection.info.server_version
        if connection.vendor == "postgresql"
        else connection.cursor().execute("select sqlite_version()").fetchone()[0],
        "households": Household.objects.count(),
        "branches": PartyBranch.objects.count(),
        "party_members": sum(row[5] == "是" for row in rows[1:]),  # in the first file
        "bytes": len(data),
    }
    print(json.dumps({"runs": runs, "facts": facts}))


# --- the parent: one child per engine, then the table ------------------------------------------


def psql(sql: str) -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1",
         "-qc", sql],
        check=True,
        capture_output=True,
    )  # fmt: skip


def run_engine(engine: str, args, *, code: Path, runs: int) -> dict:
    command = [sys.executable, __file__, "--child", "--rows", str(args.rows)]
    command += ["--runs", str(runs), "--format", args.format, "--code", str(code)]
    env = dict(os.environ)
    with tempfile.TemporaryDirectory(prefix="roster-bench-") as folder:
        if engine == "sqlite":
            env["DATABASE_URL"] = f"sqlite:///{folder}/roster.sqlite3"
        else:
            psql(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
            psql(f"CREATE DATABASE {PG_DATABASE}")
            env["DATABASE_URL"] = PG_URL
        try:
            out = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
        except subprocess.CalledProcessError as error:
            sys.stderr.write(error.stdout + error.stderr)
            raise
        finally:
            if engine == "postgres" and not args.keep:
                psql(f"DROP DATABASE IF EXISTS {PG_DATABASE}")
            elif engine == "postgres":
                print(f"kept the database {PG_DATABASE}", file=sys.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


PHASES = (
    ("new", "20,000 new rows"),
    ("again", "the same file again (unchanged)"),
    ("changed", "every row changed (党员 turned over)"),
)


def total(run: dict) -> float:
    return run["plan"] + run["apply"]


def report(engine: str, code: Path, measured: dict, rows: int) -> None:
    facts = measured["facts"]
    print(
        f"\n{engine} {facts['server']}, code {code}: {rows} rows ({facts['bytes']:,} bytes), "
        f"{facts['households']} households, {facts['branches']} branches, "
        f"{facts['party_members']} party members"
    )
    print(f"| {engine}, {len(measured['runs'])} runs | plan s | apply s | total s | rows/s "
          "| CPU s of this process | statements (plan + apply) | every run, total s |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|")
    for phase, label in PHASES:
        runs = [run[phase] for run in measured["runs"]]
        median = statistics.median(total(run) for run in runs)
        print(
            f"| {label.replace('20,000', f'{rows:,}')} "
            f"| {statistics.median(run['plan'] for run in runs):.2f} "
            f"| {statistics.median(run['apply'] for run in runs):.2f} "
            f"| **{median:.2f}** | {rows / median:,.0f} "
            f"| {statistics.median(run['cpu'] for run in runs):.2f} "
            f"| {runs[0]['plan_queries']} + {runs[0]['apply_queries']} "
            f"| {', '.join(f'{total(run):.2f}' for run in runs)} |"
        )


def compare(engine: str, before: dict, after: dict, rows: int) -> None:
    print(f"\n| {engine}: before → after, medians | total s | CPU s | ratio (total) |")
    print("|---|---|---|---|")
    for phase, label in PHASES:
        old = [run[phase] for run in before["runs"]]
        new = [run[phase] for run in after["runs"]]
        old_total = statistics.median(total(run) for run in old)
        new_total = statistics.median(total(run) for run in new)
        old_cpu = statistics.median(run["cpu"] for run in old)
        new_cpu = statistics.median(run["cpu"] for run in new)
        print(
            f"| {label.replace('20,000', f'{rows:,}')} | {old_total:.2f} → {new_total:.2f} "
            f"| {old_cpu:.2f} → {new_cpu:.2f} | {old_total / new_total:.1f}× |"
        )


def measure(engine: str, args) -> dict[Path, dict]:
    """{code: measured}: with --baseline, one run of each at a time, alternating which goes
    first, so both meet the same load on shared cores."""
    if args.baseline is None:
        return {args.code: run_engine(engine, args, code=args.code, runs=args.runs)}
    measured: dict[Path, dict] = {}
    for run in range(args.runs):
        order = (args.baseline, args.code) if run % 2 == 0 else (args.code, args.baseline)
        for code in order:
            result = run_engine(engine, args, code=code, runs=1)
            measured.setdefault(code, {"runs": [], "facts": result["facts"]})
            measured[code]["runs"] += result["runs"]
    return {code: measured[code] for code in (args.baseline, args.code)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose lms to time")
    parser.add_argument(
        "--baseline", type=Path, help="another checkout, run alternately with --code and compared"
    )
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    print(f"code: {args.code}, {args.rows} rows, {args.format}, {args.runs} runs")
    for engine in args.engines.split(","):
        load = os.getloadavg()[0]
        measured = measure(engine, args)
        for code, result in measured.items():
            report(engine, code, result, args.rows)
        if args.baseline is not None:
            compare(engine, measured[args.baseline], measured[args.code], args.rows)
        # The cores may be shared: the 1-minute load average before and after says how much.
        print(f"load average (1 min): {load:.2f} before, {os.getloadavg()[0]:.2f} after")


if __name__ == "__main__":
    main()

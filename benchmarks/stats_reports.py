"""The township's figures on a county's data against a hand-written GROUP BY (issue 9).

DESIGN.md ("Statistics"): `lms.stats` computes 期/人次/人数/户 "as queries that stay within
1.5x of a hand-written GROUP BY on a county's data". This script times, on the database
that `benchmarks/county_data.py` loads (`shuangyu_county`, 200,000 people, 1,000,000
records), for the year 2026:

- `attendance_breakdown(f, by="village")` and `by="month"` (both grouped queries and the
  query for the rows' names), for the whole county (village_ids=None, an administrator)
  and for one township's villages (a township staff's view);
- `attendance_totals(f)` for the same two scopes;
- the same figures by one hand-written SQL statement each, on the same connection;

interleaved (report and SQL alternate, and which goes first alternates too), after one
warm-up round, `--runs` rounds each; it prints medians, minimums and the ratio report/SQL as
a Markdown table, and asserts that both give identical numbers (it prints every difference
first; a row of zeros one side lists and the other does not is a note, not a difference).
Both are given the same `now` (the moment that splits held from planned). It also checks,
untimed, `study_hours(f)` against a SUM over the ledger. `--xlsx` times
`report_xlsx(attendance_report(f, by="village"))` and the whole county-year download,
`lms.stats.services.export_content(format="xlsx")`, when they exist.

    .venv/bin/python benchmarks/stats_reports.py [--runs 7] [--township 东沟乡]
    .venv/bin/python benchmarks/stats_reports.py --explain   # EXPLAIN ANALYZE of each query
    .venv/bin/python benchmarks/stats_reports.py --xlsx      # also the county-year XLSX export

Settings: `lms.settings.dev` with DEBUG off, so Django keeps no query log (checked below).
"""

import argparse
import datetime
import inspect
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DB_NAME = "shuangyu_county"
os.environ.update(
    {
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
        "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
        "DEBUG": "false",
        "CELERY_BROKER_URL": "",
    }
)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from lms.people.models import Township, Village  # noqa: E402
from lms.stats.selectors import (  # noqa: E402
    StatsFilter,
    attendance_breakdown,
    attendance_totals,
    study_hours,
)

YEAR = 2026
DEFAULT_NOW = "2026-11-27T12:00:00+08:00"  # county_data.py's default --now

# --- the hand-written SQL ---------------------------------------------------------------------
# 期: sessions held, or planned and over, in the villages asked about, starting in the range.
HELD = """
    SELECT {key} AS key, count(*) AS sessions
    FROM attendance_trainingsession s
    WHERE s.starts_at >= %(starts)s AND s.starts_at < %(ends)s
      AND (s.status = 'held' OR (s.status = 'planned' AND s.ends_at <= %(now)s))
      {session_scope}
    GROUP BY 1
"""
# 人次/人数/户: records of people from those villages who came, to sessions not cancelled.
# count(r.id), not count(*): on PostgreSQL 15 the wider row tips the month query's cost
# estimate to a parallel plan (as the ORM's COUNT("id") does), ~80 ms faster on 2 cores, so
# the baseline is the faster of the two spellings.
CAME = """
    SELECT {key} AS key, count(r.id) AS person_times, count(DISTINCT r.person_id) AS people,
           count(DISTINCT p.household_id) AS households
    FROM attendance_attendancerecord r
    JOIN attendance_trainingsession s ON s.id = r.session_id
    JOIN people_person p ON p.id = r.person_id
    WHERE s.starts_at >= %(starts)s AND s.starts_at < %(ends)s AND s.status <> 'cancelled'
      AND r.status IN ('present', 'late', 'left_early')
      {person_scope}
    GROUP BY 1
"""
SQL_BY_VILLAGE = f"""
WITH held AS ({HELD.format(key="s.village_id", session_scope="{session_scope}")}),
     came AS ({CAME.format(key="p.village_id", person_scope="{person_scope}")})
SELECT t.name, v.name, coalesce(held.sessions, 0), coalesce(came.person_times, 0),
       coalesce(came.people, 0), coalesce(came.households, 0)
FROM people_village v
JOIN people_township t ON t.id = v.township_id
LEFT JOIN held ON held.key = v.id
LEFT JOIN came ON came.key = v.id
{{village_scope}}
ORDER BY t.name, v.name
"""
MONTH = "date_trunc('month', s.starts_at AT TIME ZONE 'Asia/Shanghai')"
SQL_BY_MONTH = f"""
WITH held AS ({HELD.format(key=MONTH, session_scope="{session_scope}")}),
     came AS ({CAME.format(key=MONTH, person_scope="{person_scope}")})
SELECT to_char(key, 'YYYY-MM'), coalesce(held.sessions, 0), coalesce(came.person_times, 0),
       coalesce(came.people, 0), coalesce(came.households, 0)
FROM held FULL JOIN came USING (key)
ORDER BY key
"""
SQL_TOTALS = """
SELECT (SELECT count(*)
        FROM attendance_trainingsession s
        WHERE s.starts_at >= %(starts)s AND s.starts_at < %(ends)s
          AND (s.status = 'held' OR (s.status = 'planned' AND s.ends_at <= %(now)s))
          {session_scope}),
       count(r.id), count(DISTINCT r.person_id), count(DISTINCT p.household_id)
FROM attendance_attendancerecord r
JOIN attendance_trainingsession s ON s.id = r.session_id
JOIN people_person p ON p.id = r.person_id
WHERE s.starts_at >= %(starts)s AND s.starts_at < %(ends)s AND s.status <> 'cancelled'
  AND r.status IN ('present', 'late', 'left_early')
  {person_scope}
"""


SQL_HOURS = """
SELECT l.track, CASE WHEN l.source_kind = 'attendance' THEN 'in_person' ELSE 'online' END,
       sum(l.hours)
FROM ledger_studyhoursentry l
JOIN people_person p ON p.id = l.person_id
WHERE l.date >= %(date_from)s AND l.date <= %(date_to)s
  {person_scope}
GROUP BY 1, 2
"""


def hours_check(label: str, f: StatsFilter, scoped: bool) -> list[str]:
    """学时 (not timed): `study_hours(f)` against a SUM over the ledger."""
    params = {"date_from": f.date_from, "date_to": f.date_to}
    if scoped:
        params["villages"] = sorted(f.village_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql_for(SQL_HOURS, scoped), params)
        hand = {(track, source): hours for track, source, hours in cursor.fetchall()}
    report = study_hours(f)
    problems = []
    for (track, source), hours in sorted(hand.items()):
        if report[track][source] != hours:
            problems.append(f"{label}, hours {track}/{source}: report {report[track][source]} / "
                            f"SQL {hours}")  # fmt: skip
    total = sum(hand.values())
    if report["total"]["total"] != total:
        problems.append(f"{label}, hours total: report {report['total']['total']} / SQL {total}")
    print(f"# {label}, study hours: {total} in the ledger")
    return problems


def sql_for(template: str, scoped: bool) -> str:
    return template.format(
        session_scope="AND s.village_id = ANY(%(villages)s)" if scoped else "",
        person_scope="AND p.village_id = ANY(%(villages)s)" if scoped else "",
        village_scope="WHERE v.id = ANY(%(villages)s)" if scoped else "",
    )


def run_sql(sql: str, f: StatsFilter, now) -> list[tuple]:
    params = {"starts": f.starts, "ends": f.ends, "now": now}
    if f.village_ids is not None:
        params["villages"] = sorted(f.village_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- the cases ----------------------------------------------------------------------------------
FIGURES = ("sessions", "person_times", "people", "households")


def report_village(f, now):
    return attendance_breakdown(f, by="village", now=now)


def report_month(f, now):
    return attendance_breakdown(f, by="month", now=now)


def report_totals(f, now):
    return attendance_totals(f, now=now)


def as_figures_report(by: str, result) -> dict:
    if by == "totals":
        return {"total": tuple(getattr(result, name) for name in FIGURES)}
    if by == "village":
        return {
            (row.detail["township"], row.key): tuple(getattr(row, n) for n in FIGURES)
            for row in result
        }
    return {row.key: tuple(getattr(row, n) for n in FIGURES) for row in result}


def as_figures_sql(by: str, rows) -> dict:
    if by == "totals":
        return {"total": tuple(int(v) for v in rows[0])}
    if by == "village":
        return {(t, v): tuple(int(x) for x in rest) for t, v, *rest in rows}
    return {month: tuple(int(x) for x in rest) for month, *rest in rows}


def compare(name: str, by: str, report: dict, sql: dict) -> list[str]:
    """Every difference between the two, zeros filling rows one side does not list."""
    problems = []
    zero = (0, 0, 0, 0)
    only_report = sorted(set(report) - set(sql), key=str)
    only_sql = sorted(set(sql) - set(report), key=str)
    if only_report:
        nonzero = [k for k in only_report if report[k] != zero]
        if nonzero:
            problems.append(f"{name}: non-zero rows missing from the SQL: {nonzero[:10]}")
        else:
            problems.append(
                f"{name}: {len(only_report)} all-zero row(s) listed by the report, not by the "
                f"SQL (note, not a figure): {only_report[:5]}"
            )
    if only_sql:
        nonzero = [k for k in only_sql if sql[k] != zero]
        if nonzero:
            problems.append(f"{name}: non-zero rows missing from the report: {nonzero[:10]}")
        else:
            problems.append(
                f"{name}: {len(only_sql)} all-zero row(s) listed by SQL, not by the report "
                f"(note, not a figure): {only_sql[:5]}"
            )
    for key in sorted(set(report) | set(sql), key=str):
        a, b = report.get(key, zero), sql.get(key, zero)
        if a != b:
            diff = ", ".join(
                f"{n} report {x} / SQL {y}" for n, x, y in zip(FIGURES, a, b, strict=True) if x != y
            )
            problems.append(f"{name} [{key}]: {diff}")
    return problems


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def explain(label: str, call, f, now, sql: str) -> None:
    """EXPLAIN (ANALYZE, BUFFERS) of each query the report makes, then of the SQL."""
    with CaptureQueriesContext(connection) as captured:
        call()
    print(f"\n##### {label}: the report's {len(captured.captured_queries)} queries")
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            print("\n-- " + query["sql"])
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            print("\n".join(line for (line,) in cursor.fetchall()))
        print(f"\n##### {label}: the hand-written SQL")
        params = {"starts": f.starts, "ends": f.ends, "now": now}
        if f.village_ids is not None:
            params["villages"] = sorted(f.village_ids)
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        print("\n".join(line for (line,) in cursor.fetchall()))


def xlsx_export(f: StatsFilter, now, runs: int) -> None:
    """The county-year XLSX: `report_xlsx(attendance_report(f, by="village"))` (one sheet),
    split into building the report (queries) and writing the workbook; then the whole
    download staff get, `lms.stats.services.export_content(format="xlsx")` (a sheet per
    grouping, each with its totals), if those exist."""
    try:
        from lms.stats.exports import report_xlsx
        from lms.stats.report import attendance_report
    except ImportError as error:
        print(f"\nXLSX export: skipped, lms.stats.exports.report_xlsx does not import ({error}).")
        return
    names = list(inspect.signature(report_xlsx).parameters)
    if names[:1] != ["report"]:
        print(f"\nXLSX export: skipped, report_xlsx{inspect.signature(report_xlsx)} is not "
              "report_xlsx(report) as this script expects.")  # fmt: skip
        return
    build, write, size = [], [], 0
    for run in range(runs + 1):  # the first is a warm-up
        ms_build, report = timed(lambda: attendance_report(f, by="village", now=now))
        ms_write, data = timed(lambda report=report: report_xlsx(report))
        if run:
            build.append(ms_build)
            write.append(ms_write)
        size = len(data)
    print(f"\n| XLSX, county, {YEAR}, {runs} runs | median ms | min ms |")
    print("|---|---|---|")
    print(f"| attendance_report(f, by=\"village\") (totals + breakdown) | "
          f"{statistics.median(build):.0f} | {min(build):.0f} |")  # fmt: skip
    print(f"| report_xlsx(report), {size:,} bytes | {statistics.median(write):.0f} | "
          f"{min(write):.0f} |")  # fmt: skip
    try:
        from lms.stats.services import export_content
    except ImportError as error:
        print(f"(export_content does not import: {error})")
        return
    whole = []
    for run in range(runs + 1):
        ms, data = timed(lambda: export_content(f=f, format="xlsx"))
        if run:
            whole.append(ms)
    print(f"| export_content(f, format=\"xlsx\"): every grouping, {len(data):,} bytes "
          f"(its own now) | {statistics.median(whole):.0f} | {min(whole):.0f} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--township", default="东沟乡", help="the township staff's view")
    parser.add_argument("--now", default=DEFAULT_NOW)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE, then stop")
    parser.add_argument("--xlsx", action="store_true", help="also time the XLSX export")
    args = parser.parse_args()

    assert not settings.DEBUG, "DEBUG must be off: Django would log every query"
    connection.ensure_connection()
    assert not connection.queries_logged, "Django is logging queries"
    now = datetime.datetime.fromisoformat(args.now)
    year = {"date_from": datetime.date(YEAR, 1, 1), "date_to": datetime.date(YEAR, 12, 31)}
    township = Township.objects.get(name=args.township)
    township_villages = frozenset(
        Village.objects.filter(township=township).values_list("pk", flat=True)
    )
    scopes = [
        ("county", StatsFilter(**year, village_ids=None)),
        (f"township {township.name} ({len(township_villages)} villages)",
         StatsFilter(**year, village_ids=township_villages)),
    ]  # fmt: skip
    cases = []  # (label, by, report call, sql, filter)
    for scope, f in scopes:
        scoped = f.village_ids is not None
        for by, call, template in (
            ("village", report_village, SQL_BY_VILLAGE),
            ("month", report_month, SQL_BY_MONTH),
            ("totals", report_totals, SQL_TOTALS),
        ):
            cases.append((f"{scope}, by {by}", by, call, sql_for(template, scoped), f))

    with connection.cursor() as cursor:
        cursor.execute("SELECT version(), current_setting('work_mem'), "
                       "current_setting('shared_buffers'), "
                       "current_setting('max_parallel_workers_per_gather')")  # fmt: skip
        version, work_mem, shared_buffers, workers = cursor.fetchone()
    print(
        f"# {version.split(' on ')[0]}; work_mem {work_mem}, shared_buffers {shared_buffers}, "
        f"max_parallel_workers_per_gather {workers}; cores {os.cpu_count()}; now = {now}"
    )

    if args.explain:
        for label, _by, call, sql, f in cases:
            explain(label, lambda call=call, f=f: call(f, now), f, now, sql)
        return

    # correctness first (this is also the warm-up round)
    problems = []
    for label, by, call, sql, f in cases:
        report = as_figures_report(by, call(f, now))
        hand = as_figures_sql(by, run_sql(sql, f, now))
        problems += compare(label, by, report, hand)
        print(f"# {label}: {len(report)} report rows, {len(hand)} SQL rows", flush=True)
    for scope, f in scopes:
        problems += hours_check(scope, f, f.village_ids is not None)
    for problem in problems:
        print("DIFFERENCE " + problem)

    times = {label: ([], []) for label, *_ in cases}
    for run in range(args.runs):
        for label, _by, call, sql, f in cases:
            pair = [
                ("report", lambda call=call, f=f: call(f, now)),
                ("sql", lambda sql=sql, f=f: run_sql(sql, f, now)),
            ]
            if run % 2:
                pair.reverse()
            for which, fn in pair:
                ms, _result = timed(fn)
                times[label][0 if which == "report" else 1].append(ms)
        print(f"# run {run + 1}/{args.runs} done", flush=True)

    print(f"\n| {YEAR}, {args.runs} runs | report median ms | SQL median ms | ratio | "
          "report min ms | SQL min ms |")  # fmt: skip
    print("|---|---|---|---|---|---|")
    for label, (report_ms, sql_ms) in times.items():
        ratio = statistics.median(report_ms) / statistics.median(sql_ms)
        flag = " **(> 1.5x)**" if ratio > 1.5 else ""
        print(
            f"| {label} | {statistics.median(report_ms):.0f} | {statistics.median(sql_ms):.0f} | "
            f"{ratio:.2f}{flag} | {min(report_ms):.0f} | {min(sql_ms):.0f} |"
        )
    assert not connection.queries_logged
    if args.xlsx:
        xlsx_export(scopes[0][1], now, runs=3)
    numeric = [p for p in problems if "(note, not a figure)" not in p]
    assert not numeric, f"{len(numeric)} difference(s) between the report and the SQL (above)"


if __name__ == "__main__":
    main()

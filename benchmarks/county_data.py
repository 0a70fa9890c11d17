"""A county's worth of data for the statistics benchmark (issue 9): `shuangyu_county`.

One county of 15 townships and 300 villages; 200,000 people in households of 3–4 (about 20 %
party members, a few without a known household); 20,000 training sessions and meetings in
2025 and 2026 (every built-in session kind, both tracks, a few percent cancelled, the ones
still ahead planned); 1,000,000 attendance records (mostly present, some late, left early,
excused or absent; each person at most once per session); the study-hours ledger that goes
with them (one row per credited record: present or late, on a session that is not cancelled
and is worth hours > 0, dated on the session's local day) plus online-course rows; and the
registrations of invited sessions.

Shape of the data, on purpose:
- people mostly train in their own village, about 15 % in another village of their township,
  so 期 (by the session's village) and 人次 (by the person's home village) differ;
- some sessions start at 07:xx Beijing time, i.e. the previous day in UTC, so a month or a
  year counted in UTC instead of Asia/Shanghai comes out different;
- villages of different townships share names (红旗村 is everywhere), as in real counties;
- past sessions nobody recorded stay `planned` (they count as held once over); sessions ahead
  of "now" are planned and have no records;
- cancelled sessions carry some excused/absent records, and 20 of them carry records of people
  who came (left by an import or an admin edit: the service would refuse such a cancellation
  today), which the figures must ignore and the ledger does not credit.

Usage (PostgreSQL on 127.0.0.1:5432, user postgres, trust auth):
    .venv/bin/python benchmarks/county_data.py --reset      # drop, create, migrate, load
    .venv/bin/python benchmarks/county_data.py              # load into an empty, migrated db
    .venv/bin/python benchmarks/county_data.py --reset --scale 0.01   # a quick small one
It touches no database but `shuangyu_county`, or the one `--database` names (so that one
benchmark can load its own copy while another reads the shared one). Rows are written with
COPY (psycopg 3); then VACUUM ANALYZE, as autovacuum would have left a long-lived database.
"""

import argparse
import datetime
import os
import random
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg

ROOT = Path(__file__).resolve().parent.parent
DB_NAME = "shuangyu_county"
DSN = f"postgresql://postgres@127.0.0.1:5432/{DB_NAME}"
ENV = {
    **os.environ,
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
    "DEBUG": "false",
    "CELERY_BROKER_URL": "",
}


def use_database(name: str) -> None:
    """Point the loader (psql, migrate, COPY) at database `name`."""
    global DB_NAME, DSN
    DB_NAME, DSN = name, f"postgresql://postgres@127.0.0.1:5432/{name}"
    ENV["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{name}"


LOCAL = ZoneInfo("Asia/Shanghai")
UTC = datetime.UTC

TOWNSHIPS = [
    "东沟乡", "西河镇", "南山乡", "北岭镇", "石门乡", "柳林镇", "杏园乡", "清水镇",
    "红星乡", "太平镇", "龙泉乡", "白杨镇", "黄土坡乡", "马营镇", "双井乡",
]  # fmt: skip
VILLAGE_WORDS = [
    "红旗", "新民", "团结", "和平", "光明", "永丰", "丰收", "胜利", "幸福", "向阳",
    "长青", "建设", "石桥", "柳树", "杏花", "桃园", "前进", "东风", "新华", "解放",
    "上庄", "下庄", "李家", "王家", "张家", "赵家", "大湾", "小湾", "河口", "山根",
    "沟门", "梁头", "新庄", "老庄", "东坪", "西坪", "南坪", "北坪", "高崖", "杨树",
]  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华玉红梅建国志成福贵春生海燕文"
TOPICS = {
    "skills": [
        "日光温室蔬菜栽培", "马铃薯种薯繁育", "肉牛养殖技术", "电子商务入门", "果树修剪",
        "病虫害绿色防控", "小麦高产栽培", "中药材种植", "农机安全操作", "家政服务技能",
    ],
    "party": [
        "学习党的二十大精神", "党章学习", "廉洁自律教育", "乡村振兴政策解读", "主题党日",
        "民主评议党员", "基层组织建设", "党史学习教育", "“三会一课”", "发展党员工作",
    ],
}  # fmt: skip
# kind name → (share of sessions, track (None: either), hours choices, audience, size range)
KINDS = {
    "农民科技培训": (0.35, "skills", ["2.0", "2.5", "3.0", "4.0"], "everyone", (30, 110)),
    "集中培训": (0.15, None, ["3.0", "4.0", "6.0"], "everyone", (30, 120)),
    "党课": (0.15, "party", ["2.0"], "party_members", (20, 80)),
    "支部会议": (0.12, "party", ["1.0", "0"], "party_members", (15, 60)),
    "“两委”会议": (0.05, "party", ["0"], "invited", (5, 12)),
    "党员会议": (0.10, "party", ["1.0", "1.5"], "party_members", (20, 90)),
    "群众大会": (0.08, None, ["0", "1.0"], "everyone", (40, 150)),
}
STATUSES = (
    (["present"] * 80)
    + (["late"] * 8)
    + (["left_early"] * 4)
    + (["excused"] * 5)
    + (["absent"] * 3)
)
METHODS = (
    ["qr"] * 45
    + ["code"] * 10
    + ["roll_call"] * 20
    + ["import"] * 15
    + ["manual"] * 5
    + ["walk_in"] * 3
    + ["person_qr"] * 2
)
CAME = {"present", "late", "left_early"}
CREDITED = {"present", "late"}


def psql(sql: str, database: str = "postgres") -> None:
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-v", "ON_ERROR_STOP=1",
         "-qc", sql],
        check=True,
        capture_output=True,
    )  # fmt: skip


def database_exists() -> bool:
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-Atc",
         f"SELECT 1 FROM pg_database WHERE datname = '{DB_NAME}'"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return out.strip() == "1"


def migrate() -> None:
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=ENV,
        check=True,
    )


def tsv(value) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    return str(value)


def copy_rows(conn, table: str, columns: list[str], rows) -> int:
    """COPY rows (an iterable of tuples) into a table; check every NOT NULL column without a
    default is among the columns written. Returns the number of rows."""
    required = {
        name
        for (name,) in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND table_name = %s AND is_nullable = 'NO' AND column_default IS NULL "
            "AND is_identity = 'NO'",
            [table],
        )
    } - {"id"}
    missing = required - set(columns)
    assert not missing, f"{table}: NOT NULL columns not written: {sorted(missing)}"
    n = 0
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with conn.cursor() as cur, cur.copy(sql) as copy:
        buffer = []
        for row in rows:
            buffer.append("\t".join(tsv(v) for v in row))
            n += 1
            if len(buffer) >= 20000:
                copy.write("\n".join(buffer) + "\n")
                buffer.clear()
        if buffer:
            copy.write("\n".join(buffer) + "\n")
    return n


def reset_identity(conn, table: str) -> None:
    conn.execute(
        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
        f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"
    )


def generate(conn, *, scale: float, seed: int, now: datetime.datetime) -> dict:
    rng = random.Random(seed)
    n_people = int(200_000 * scale)
    n_sessions = int(20_000 * scale)
    n_records = int(1_000_000 * scale)
    stamp = datetime.datetime(2024, 12, 1, 9, 0, tzinfo=UTC)
    timings = {}
    t0 = time.perf_counter()

    # --- places ---------------------------------------------------------------------------
    # Township codes begin certificate serials: XA, XB, … (any 1–8 capital letters do).
    townships = [(i + 1, name, f"X{chr(65 + i)}") for i, name in enumerate(TOWNSHIPS)]
    villages = []  # (id, township_id, name)
    per_township = max(1, min(20, round(20 * scale**0.5)))  # --scale < 1: fewer villages too
    for township_id, _name, _code in townships:
        for word in rng.sample(VILLAGE_WORDS, per_township):
            villages.append((len(villages) + 1, township_id, f"{word}村"))
    branches = [(vid, tid, vid, f"{TOWNSHIPS[tid - 1]}{name}党支部") for vid, tid, name in villages]
    township_of = {vid: tid for vid, tid, _ in villages}
    copy_rows(conn, "people_township", ["id", "name", "code"], townships)
    copy_rows(conn, "people_village", ["id", "township_id", "name"], villages)
    copy_rows(conn, "people_partybranch", ["id", "township_id", "village_id", "name"], branches)

    # --- households and people --------------------------------------------------------------
    weights = [rng.uniform(0.6, 1.4) for _ in villages]
    total = sum(weights)
    targets = [int(n_people * w / total) for w in weights]
    targets[-1] += n_people - sum(targets)
    households, people = [], []
    village_people: dict[int, list[int]] = {}
    village_members: dict[int, list[int]] = {}
    person_village: dict[int, int] = {}
    for (vid, _tid, _name), target in zip(villages, targets, strict=True):
        village_people[vid], village_members[vid] = [], []
        made, number = 0, 0
        while made < target:
            if rng.random() < 0.02:  # someone whose household is not known
                hid, size = None, 1
            else:
                number += 1
                hid = len(households) + 1
                households.append((hid, vid, f"{number:04d}"))
                size = min(rng.choice((3, 4)), target - made)
            for _ in range(size):
                pid = len(people) + 1
                member = rng.random() < 0.20
                gender = rng.choice("MF")
                born = datetime.date(
                    rng.randint(1940, 2006), rng.randint(1, 12), rng.randint(1, 28)
                )
                name = rng.choice(SURNAMES) + "".join(
                    rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))
                )
                phone = f"1{rng.choice('3578')}{pid:09d}" if member or rng.random() < 0.4 else ""
                people.append(
                    (pid, name, gender, born, "汉族", phone, "", vid, hid, member,
                     vid if member else None, stamp, stamp)
                )  # fmt: skip
                village_people[vid].append(pid)
                person_village[pid] = vid
                if member:
                    village_members[vid].append(pid)
                made += 1
    copy_rows(conn, "people_household", ["id", "village_id", "number"], households)
    copy_rows(
        conn,
        "people_person",
        ["id", "name", "gender", "birth_date", "ethnicity", "phone", "id_number", "village_id",
         "household_id", "is_party_member", "branch_id", "created_at", "updated_at"],
        people,
    )  # fmt: skip
    timings["people"] = time.perf_counter() - t0

    # --- sessions --------------------------------------------------------------------------
    kinds = dict(conn.execute("SELECT name, id FROM attendance_sessionkind").fetchall())
    assert set(KINDS) <= set(kinds), f"session kinds missing: {set(KINDS) - set(kinds)}"
    kind_names = list(KINDS)
    kind_weights = [KINDS[k][0] for k in kind_names]
    first_day = datetime.date(2025, 1, 1)
    days = (datetime.date(2026, 12, 31) - first_day).days + 1
    township_villages: dict[int, list[int]] = {}
    for vid, tid, _ in villages:
        township_villages.setdefault(tid, []).append(vid)
    sessions = []  # tuples for COPY
    plan = []  # (session_id, village, kind, track, hours, status, starts, ends, size, sign_out)
    for sid in range(1, n_sessions + 1):
        kind = rng.choices(kind_names, kind_weights)[0]
        _share, track, hours_choices, audience, (lo, hi) = KINDS[kind]
        track = track or rng.choice(("party", "skills"))
        hours = Decimal(rng.choice(hours_choices))
        vid = rng.randint(1, len(villages))
        day = first_day + datetime.timedelta(days=rng.randrange(days))
        hour = rng.choice([7] * 2 + [8, 9, 9, 10, 10, 14, 14, 15, 16, 19, 20])
        starts = datetime.datetime.combine(
            day, datetime.time(hour, rng.choice((0, 15, 30, 45))), LOCAL
        ).astimezone(UTC)
        ends = starts + datetime.timedelta(minutes=rng.choice((60, 90, 120, 180, 240)))
        sign_out = kind in ("农民科技培训", "集中培训") and rng.random() < 0.3
        if ends > now:
            status = "cancelled" if rng.random() < 0.03 else "planned"
        else:
            roll = rng.random()
            status = "cancelled" if roll < 0.03 else "planned" if roll < 0.05 else "held"
        size = rng.randint(lo, hi)
        topic = rng.choice(TOPICS[track]) + ("" if kind == "农民科技培训" else f"（{kind}）")
        sessions.append(
            (sid, kinds[kind], topic, track, vid, "村委会", starts, ends, "",
             None, hours, audience, status, "", sign_out, 30, 15,
             starts - datetime.timedelta(days=7), starts - datetime.timedelta(days=7))
        )  # fmt: skip
        plan.append((sid, vid, kind, track, hours, status, starts, ends, size, audience, sign_out))
    copy_rows(
        conn,
        "attendance_trainingsession",
        ["id", "kind_id", "topic", "track", "village_id", "venue", "starts_at", "ends_at",
         "trainer_name", "capacity", "study_hours", "audience", "status", "code",
         "requires_sign_out", "sign_in_opens_before", "late_after", "created_at", "updated_at"],
        sessions,
    )  # fmt: skip
    timings["sessions"] = time.perf_counter() - t0

    # --- how many records each session gets: held ones by size, scaled to n_records ----------
    held = [p for p in plan if p[5] == "held"]
    cancelled_past = [p for p in plan if p[5] == "cancelled" and p[7] <= now]
    cancelled_records = {}
    for p in cancelled_past:
        if rng.random() < 0.3:
            cancelled_records[p[0]] = rng.randint(2, 8)
    legacy = set(rng.sample([p[0] for p in cancelled_past], min(20, len(cancelled_past))))
    for sid in legacy:
        cancelled_records[sid] = rng.randint(10, 30)
    budget = n_records - sum(cancelled_records.values())
    raw = sum(p[8] for p in held)
    sizes = {p[0]: max(1, round(p[8] * budget / raw)) for p in held}
    # exact total: nudge random held sessions by one
    diff = budget - sum(sizes.values())
    held_ids = [p[0] for p in held]
    while diff:
        sid = rng.choice(held_ids)
        step = 1 if diff > 0 else -1
        if sizes[sid] + step >= 1:
            sizes[sid] += step
            diff -= step
    sizes = {**cancelled_records, **sizes}  # held last, so they take up what others left

    # --- attendance records, ledger rows, registrations ------------------------------------
    village_party_of_township = {
        tid: [pid for v in vids for pid in village_members[v]]
        for tid, vids in township_villages.items()
    }
    village_people_of_township = {
        tid: [pid for v in vids for pid in village_people[v]]
        for tid, vids in township_villages.items()
    }
    by_id = {p[0]: p for p in plan}
    records, ledger, registrations = [], [], []
    rid = 0

    def draw(pool_home, pool_township, vid, k):
        """k distinct people: ~85 % from the village, the rest from its township's others."""
        home_k = min(len(pool_home), round(k * 0.85))
        chosen = rng.sample(pool_home, home_k)
        seen = set(chosen)
        tries = 0
        while len(chosen) < k and tries < k * 20:
            tries += 1
            pid = rng.choice(pool_township)
            if pid not in seen and person_village[pid] != vid:
                seen.add(pid)
                chosen.append(pid)
        if len(chosen) < k:  # a tiny village: top up from anyone in it
            rest = [pid for pid in pool_home if pid not in seen]
            chosen += rng.sample(rest, min(k - len(chosen), len(rest)))
        return chosen

    shortfall = 0  # what a session could not seat (too few people around) goes to the next
    for sid, k in sizes.items():
        _sid, vid, kind, track, hours, status, starts, ends, _size, audience, sign_out = by_id[sid]
        if status == "held":
            k, shortfall = k + shortfall, 0
        tid = township_of[vid]
        if audience in ("party_members", "invited"):
            chosen = draw(village_members[vid], village_party_of_township[tid], vid, k)
            if len(chosen) < k:  # more than the party members around: villagers come too
                taken = set(chosen)
                extra = [p for p in village_people[vid] if p not in taken]
                chosen += rng.sample(extra, min(k - len(chosen), len(extra)))
        else:
            chosen = draw(village_people[vid], village_people_of_township[tid], vid, k)
        shortfall += k - len(chosen)
        assert len(set(chosen)) == len(chosen)
        local_day = starts.astimezone(LOCAL).date()
        for pid in chosen:
            rid += 1
            if status == "cancelled":
                st = "present" if sid in legacy else rng.choice(("excused", "excused", "absent"))
            else:
                st = rng.choice(STATUSES)
                if sign_out and st == "present" and rng.random() < 0.1:
                    st = "left_early"
            signed_in = (
                starts + datetime.timedelta(minutes=rng.randint(-20, 40 if st == "late" else 10))
                if st in CAME
                else None
            )
            signed_out = ends if sign_out and st in CREDITED else None
            records.append(
                (rid, sid, pid, st, rng.choice(METHODS), signed_in, signed_out,
                 "村支书" if st == "excused" else "", signed_in or starts, signed_in or starts)
            )  # fmt: skip
            if st in CREDITED and status != "cancelled" and hours > 0:
                ledger.append(
                    (pid, local_day, hours, track, "attendance", rid, signed_in or starts)
                )
        if audience == "invited" or (audience == "party_members" and rng.random() < 0.5):
            invited = set(chosen)
            pool = village_members[vid] or village_people[vid]
            invited.update(rng.sample(pool, min(len(pool), max(1, len(chosen) // 10))))
            for pid in invited:
                reg = "registered" if rng.random() < 0.97 else "cancelled"
                registrations.append((sid, pid, reg, starts - datetime.timedelta(days=3)))
    # sessions ahead: some have their invitations already
    for p in plan:
        sid, vid, _kind, _track, _h, status, starts, _ends, size, audience, _so = p
        if status == "planned" and starts > now and audience != "everyone":
            pool = village_members[vid] or village_people[vid]
            for pid in rng.sample(pool, min(len(pool), size)):
                registrations.append((sid, pid, "registered", now - datetime.timedelta(days=2)))
    assert shortfall == 0, f"{shortfall} records could not be placed"
    timings["generate records"] = time.perf_counter() - t0

    copy_rows(
        conn,
        "attendance_attendancerecord",
        ["id", "session_id", "person_id", "status", "method", "signed_in_at", "signed_out_at",
         "excused_by", "created_at", "updated_at"],
        records,
    )  # fmt: skip
    timings["copy records"] = time.perf_counter() - t0
    del records

    # online courses completed: party members mostly (6 a head over two years), others a few
    source_id = 0
    for person in people:
        pid, member = person[0], person[9]
        n = rng.choice((3, 4, 5, 6, 6, 7, 8, 9)) if member else (1 if rng.random() < 0.15 else 0)
        for _ in range(n):
            source_id += 1
            day = first_day + datetime.timedelta(days=rng.randrange(days))
            if datetime.datetime.combine(day, datetime.time(12), LOCAL) > now:
                continue
            track = "party" if (member and rng.random() < 0.75) or rng.random() < 0.2 else "skills"
            hours = Decimal(rng.choice(("1.0", "1.5", "2.0", "3.0", "4.0", "8.0")))
            ledger.append((pid, day, hours, track, "course", source_id, stamp))
    copy_rows(
        conn,
        "ledger_studyhoursentry",
        ["person_id", "date", "hours", "track", "source_kind", "source_id", "updated_at"],
        ledger,
    )
    copy_rows(
        conn,
        "attendance_registration",
        ["session_id", "person_id", "status", "created_at"],
        registrations,
    )
    timings["copy ledger, registrations"] = time.perf_counter() - t0
    for table in (
        "people_township", "people_village", "people_partybranch", "people_household",
        "people_person", "attendance_trainingsession", "attendance_attendancerecord",
        "ledger_studyhoursentry", "attendance_registration",
    ):  # fmt: skip
        reset_identity(conn, table)
    return timings


COUNTS = [
    ("townships", "SELECT count(*) FROM people_township"),
    ("villages", "SELECT count(*) FROM people_village"),
    ("party branches", "SELECT count(*) FROM people_partybranch"),
    ("households", "SELECT count(*) FROM people_household"),
    ("people", "SELECT count(*) FROM people_person"),
    ("  party members", "SELECT count(*) FROM people_person WHERE is_party_member"),
    ("  without a household", "SELECT count(*) FROM people_person WHERE household_id IS NULL"),
    ("sessions", "SELECT count(*) FROM attendance_trainingsession"),
    ("  held", "SELECT count(*) FROM attendance_trainingsession WHERE status = 'held'"),
    ("  planned", "SELECT count(*) FROM attendance_trainingsession WHERE status = 'planned'"),
    ("  cancelled", "SELECT count(*) FROM attendance_trainingsession WHERE status = 'cancelled'"),
    ("  starting in 2026 (local)",
     "SELECT count(*) FROM attendance_trainingsession WHERE starts_at >= '2026-01-01 00:00+08' "
     "AND starts_at < '2027-01-01 00:00+08'"),
    ("attendance records", "SELECT count(*) FROM attendance_attendancerecord"),
    ("  came (present/late/left early)",
     "SELECT count(*) FROM attendance_attendancerecord "
     "WHERE status IN ('present', 'late', 'left_early')"),
    ("ledger rows", "SELECT count(*) FROM ledger_studyhoursentry"),
    ("  from attendance",
     "SELECT count(*) FROM ledger_studyhoursentry WHERE source_kind = 'attendance'"),
    ("  from courses", "SELECT count(*) FROM ledger_studyhoursentry WHERE source_kind = 'course'"),
    ("registrations", "SELECT count(*) FROM attendance_registration"),
]  # fmt: skip


def print_counts(conn) -> None:
    for label, sql in COUNTS:
        print(f"{label:36} {conn.execute(sql).fetchone()[0]:>10,}")
    size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()
    print(f"{'database size':36} {size[0]:>10}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database")
    parser.add_argument("--database", default=DB_NAME, help=f"its name (default {DB_NAME})")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full county")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument(
        "--now",
        default="2026-11-27T12:00:00+08:00",
        help="the moment that splits held from planned (fixed, so the data is reproducible)",
    )
    args = parser.parse_args()
    use_database(args.database)
    now = datetime.datetime.fromisoformat(args.now).astimezone(UTC)
    started = time.perf_counter()
    if args.reset:
        psql(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
    if not database_exists():
        psql(f"CREATE DATABASE {DB_NAME}")
    print(f"== migrating {DB_NAME}", flush=True)
    migrate()
    migrated = time.perf_counter() - started
    with psycopg.connect(DSN, autocommit=False) as conn:
        if conn.execute("SELECT count(*) FROM attendance_trainingsession").fetchone()[0]:
            print(f"{DB_NAME} already holds sessions; run with --reset to load it again.")
            print_counts(conn)
            return
        conn.execute("SET synchronous_commit = off")
        print(f"== loading (scale {args.scale}, seed {args.seed}, now {args.now})", flush=True)
        timings = generate(conn, scale=args.scale, seed=args.seed, now=now)
        conn.commit()
    loaded = time.perf_counter() - started
    print("== VACUUM ANALYZE", flush=True)
    with psycopg.connect(DSN, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        finished = time.perf_counter() - started
        print(f"migrate {migrated:.1f} s; load (cumulative):", end=" ")
        print(", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
        print(f"total: load done at {loaded:.1f} s, analyzed at {finished:.1f} s")
        print_counts(conn)


if __name__ == "__main__":
    main()

"""`manage.py import_sessions`: the year's training plan becomes sessions, all rows or none,
and importing it again finds the sessions it wrote."""

import datetime
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management.base import CommandError
from django.utils import translation

from attendance.models import SessionKind, TrainingSession
from attendance.plan_import import parse_track
from attendance.services import attendance_mark
from lms.imports.cells import CellError, parse_study_hours, parse_when
from lms.ledger.models import StudyHoursEntry, Track
from lms.people.models import Village
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory

from .import_files import run_command, run_refused, write_csv, write_xlsx

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
HEADER = ["编号", "培训主题", "类别", "类型", "村", "地点", "开始时间", "结束时间", "学时", "讲师"]


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in their English source form, whatever is translated."""
    with translation.override("en"):
        yield


@pytest.fixture
def villages(village_a, village_b):
    return village_a, village_b


def local(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=SHANGHAI)


def printed(stdout: str) -> list[tuple[int, str]]:
    """The (id, topic) lines the command prints, in order; nothing else is on stdout."""
    lines = stdout.splitlines()
    assert all(re.fullmatch(r"\d+\t.+", line) for line in lines), lines
    return [(int(line.split("\t")[0]), line.split("\t", 1)[1]) for line in lines]


def error_lines(stderr: str) -> dict[int, str]:
    """Row number → reason, from the lines `Row N: reason` the command writes."""
    found = {}
    for line in stderr.splitlines():
        match = re.fullmatch(r"Row (\d+): (.+)", line.strip())
        if match:
            found[int(match.group(1))] = match.group(2)
    return found


def refused(path) -> tuple[str, dict[int, str]]:
    message, _stdout, stderr = run_refused("import_sessions", path)
    return message, error_lines(stderr)


def year_plan() -> list[list]:
    """A year of sessions as a township writes its plan: dates in every spelling people use,
    Excel date cells, ends given as a time alone, 类别 and 类型 spelt loosely."""
    return [
        HEADER,
        ["2026-001", "大棚蔬菜种植技术", "技能培训", "", "东沟村", "村委会议室",
         datetime.datetime(2026, 1, 15, 9, 0), datetime.datetime(2026, 1, 15, 11, 30), 2.5,
         "县农业技术推广站"],
        ["2026-002", "学习党的二十届三中全会精神", "党性教育", "党课", "西沟村", "党员活动室",
         "2026/2/5 9:00", "11:00", 2, "乡党委书记 王建国"],
        ["2026-003", "马铃薯种薯繁育", "技能", "农民科技培训", "东沟", "田间地头",
         "2026年3月5日 9:00", "2026年3月5日 12:00", "3学时", "县农技站 李红"],
        ["", "农村电商直播带货", "skills", "集中培训", "西沟", "电商服务站",
         "2026-04-09 14:30", datetime.time(17, 0), "2", "县商务局"],
        ["", "党员冬训：党章学习", "党性", "", "东沟村", "",
         "2026.5.12 8:30", "2026.5.12 11:30", 3, ""],
        ["2026-006", "肉牛养殖与疫病防治", "技能培训", "", "西沟村", "养殖合作社",
         "2026年6月18日下午2点30分", "17:30", 2, "县畜牧站"],
        ["2026-007", "“两委”班子联席会", "party", "“两委”会议", "东沟村", "村委会议室",
         "2026-07-01T09:00", "10:30", 1.5, ""],
        ["2026-008", "群众大会：秋收安排", "技能培训", "群众大会", "西沟村", "村广场",
         "2026/8/20 19:00", "20:30", 0, ""],
        ["2026-009", "支部主题党日", "党性教育", "支部会议", "东沟村", "党员活动室",
         "2026-09-10 09:00:00", "2026-09-10 11:00:00", 2, ""],
        ["2026-010", "果树冬季修剪", "技能培训", "农民科技培训", "东沟村", "苹果园",
         "2026年10月8日 9:00", "2026年10月8日 16:00", 6, "县林业站"],
        ["2026-011", "党员大会：发展党员", "党性教育", "党员会议", "西沟村", "党员活动室",
         "2026-11-11 9:00", "11:00", 2, ""],
        ["2026-012", "年终总结与来年计划", "党性教育", "", "东沟村", "村委会议室",
         "2026/12/28 9:00", "2026/12/28 11:30", 2, ""],
    ]  # fmt: skip


# --- A year's plan ----------------------------------------------------------------------------


def test_a_year_plan_with_mixed_date_spellings_creates_every_session(villages, tmp_path):
    village_a, village_b = villages
    path = write_xlsx(tmp_path / "plan.xlsx", year_plan(), title="2026年培训计划")

    stdout, stderr = run_command("import_sessions", path)

    lines = printed(stdout)
    topics = [row[1] for row in year_plan()[1:]]
    assert [topic for _pk, topic in lines] == topics
    assert TrainingSession.objects.count() == 12
    assert sorted(pk for pk, _topic in lines) == sorted(
        TrainingSession.objects.values_list("pk", flat=True)
    )
    assert "12 new, 0 updated, 0 unchanged" in stderr

    sessions = {pk: TrainingSession.objects.get(pk=pk) for pk, _topic in lines}
    first, second, third, fourth, fifth, sixth, seventh, eighth = (
        sessions[pk] for pk, _topic in lines[:8]
    )
    assert (first.code, first.track, first.village, first.venue) == (
        "2026-001", Track.SKILLS, village_a, "村委会议室",
    )  # fmt: skip
    assert (first.starts_at, first.ends_at) == (local(2026, 1, 15, 9), local(2026, 1, 15, 11, 30))
    assert first.study_hours == Decimal("2.5")
    assert first.trainer_name == "县农业技术推广站"
    assert first.kind.name == SessionKind.DEFAULT  # 类型 left empty

    assert (second.starts_at, second.ends_at) == (local(2026, 2, 5, 9), local(2026, 2, 5, 11))
    assert (second.track, second.kind.name, second.village) == (Track.PARTY, "党课", village_b)
    assert third.starts_at == local(2026, 3, 5, 9) and third.ends_at == local(2026, 3, 5, 12)
    assert third.village == village_a  # 东沟 is 东沟村
    assert third.study_hours == Decimal("3")
    assert (fourth.code, fourth.track, fourth.kind.name) == ("", Track.SKILLS, "集中培训")
    assert (fourth.starts_at, fourth.ends_at) == (local(2026, 4, 9, 14, 30), local(2026, 4, 9, 17))
    assert (fifth.starts_at, fifth.track, fifth.venue) == (local(2026, 5, 12, 8, 30), "party", "")
    assert (sixth.starts_at, sixth.ends_at) == (
        local(2026, 6, 18, 14, 30),
        local(2026, 6, 18, 17, 30),
    )
    assert seventh.kind.name == "“两委”会议" and seventh.study_hours == Decimal("1.5")
    assert eighth.study_hours == 0 and eighth.starts_at == local(2026, 8, 20, 19)
    assert all(session.status == TrainingSession.Status.PLANNED for session in sessions.values())


def test_importing_the_same_plan_again_creates_nothing_and_prints_the_same_ids(villages, tmp_path):
    path = write_xlsx(tmp_path / "plan.xlsx", year_plan())
    first, _stderr = run_command("import_sessions", path)
    updated_at = dict(TrainingSession.objects.values_list("pk", "updated_at"))

    again, stderr = run_command("import_sessions", path)

    assert printed(again) == printed(first)
    assert TrainingSession.objects.count() == 12
    assert "0 new, 0 updated, 12 unchanged" in stderr
    assert dict(TrainingSession.objects.values_list("pk", "updated_at")) == updated_at


def test_the_same_plan_saved_as_csv_finds_the_sessions_the_xlsx_wrote(villages, tmp_path):
    plan = year_plan()
    first, _stderr = run_command("import_sessions", write_xlsx(tmp_path / "plan.xlsx", plan))
    as_text = [
        [f"{cell:%Y-%m-%d %H:%M}" if isinstance(cell, datetime.datetime) else cell for cell in row]
        for row in plan
    ]

    again, stderr = run_command("import_sessions", write_csv(tmp_path / "plan.csv", as_text))

    assert printed(again) == printed(first)
    assert "0 new" in stderr


def test_a_corrected_plan_updates_the_session_it_names_and_its_credited_hours(villages, tmp_path):
    village_a, _village_b = villages
    run_command("import_sessions", write_csv(tmp_path / "plan.csv", [
        HEADER,
        ["A-1", "大棚蔬菜种植技术", "技能培训", "", "东沟村", "村委会议室",
         "2026-03-05 09:00", "11:00", "2", "县农技站"],
        ["", "党课：红色家风", "党性教育", "党课", "东沟村", "党员活动室",
         "2026-03-06 09:00", "11:00", "2", ""],
    ]))  # fmt: skip
    session = TrainingSession.objects.get(code="A-1")
    farmer = PersonFactory(village=village_a)
    attendance_mark(session=session, person=farmer, status="present", method="manual")
    assert StudyHoursEntry.objects.get(person=farmer).hours == Decimal("2")

    stdout, stderr = run_command("import_sessions", write_csv(tmp_path / "fixed.csv", [
        HEADER,
        ["A-1", "大棚蔬菜种植新技术", "技能培训", "", "东沟村", "大棚基地",
         "2026-03-05 09:00", "12:00", "3", "县农技站"],
        ["", "党课：红色家风", "党性教育", "党课", "东沟村", "党员活动室",
         "2026-03-06 09:00", "11:30", "2", ""],
    ]))  # fmt: skip

    assert TrainingSession.objects.count() == 2
    session.refresh_from_db()
    assert (session.topic, session.venue, session.study_hours) == (
        "大棚蔬菜种植新技术", "大棚基地", Decimal("3"),
    )  # fmt: skip
    assert session.ends_at == local(2026, 3, 5, 12)
    assert printed(stdout)[0] == (session.pk, "大棚蔬菜种植新技术")
    assert TrainingSession.objects.get(topic="党课：红色家风").ends_at == local(2026, 3, 6, 11, 30)
    assert "0 new, 2 updated, 0 unchanged" in stderr
    assert StudyHoursEntry.objects.get(person=farmer).hours == Decimal("3")


def test_an_empty_optional_cell_keeps_what_is_recorded(villages, tmp_path):
    village_a, _village_b = villages
    session = TrainingSessionFactory(
        village=village_a,
        code="K-1",
        topic="果树修剪",
        track=Track.SKILLS,
        kind=SessionKind.objects.get(name="集中培训"),
        venue="苹果园",
        trainer_name="县林业站",
        starts_at=local(2026, 3, 5, 9),
        ends_at=local(2026, 3, 5, 11),
        study_hours=Decimal("2"),
    )

    stdout, stderr = run_command("import_sessions", write_csv(tmp_path / "plan.csv", [
        HEADER,
        ["K-1", "果树修剪", "技能培训", "", "东沟村", "", "2026-03-05 09:00", "11:00", "", ""],
    ]))  # fmt: skip

    assert printed(stdout) == [(session.pk, "果树修剪")]
    assert "1 unchanged" in stderr
    session.refresh_from_db()
    assert (session.kind.name, session.venue, session.trainer_name, session.study_hours) == (
        "集中培训", "苹果园", "县林业站", Decimal("2"),
    )  # fmt: skip


def test_a_plan_with_numbers_gives_them_to_sessions_imported_before_without(villages, tmp_path):
    row = ["大棚蔬菜种植技术", "技能培训", "", "东沟村", "", "2026-03-05 09:00", "11:00", "2", ""]
    first, _stderr = run_command(
        "import_sessions", write_csv(tmp_path / "plan.csv", [HEADER[1:], row])
    )

    again, _stderr = run_command(
        "import_sessions", write_csv(tmp_path / "coded.csv", [HEADER, ["B-7", *row]])
    )

    assert printed(again) == printed(first)
    assert TrainingSession.objects.get().code == "B-7"


def test_without_a_kind_column_sessions_are_farmer_trainings(villages, tmp_path):
    header = ["培训主题", "类别", "村", "地点", "开始时间", "结束时间", "学时", "讲师"]
    run_command("import_sessions", write_csv(tmp_path / "plan.csv", [
        header,
        ["测土施肥", "技能培训", "西沟村", "村委会", "2026-03-05 09:00", "11:00", "2", "站"],
    ]))  # fmt: skip

    assert TrainingSession.objects.get().kind.name == "农民科技培训"


def test_a_gbk_csv_with_a_title_row_is_read(villages, tmp_path):
    path = write_csv(
        tmp_path / "plan.csv",
        [
            ["东沟乡2026年农民培训计划"],
            HEADER,
            ["", "测土配方施肥", "技能培训", "", "西沟村", "", "2026/3/5 9:00", "11:00", "2", ""],
        ],
        encoding="gbk",
    )

    stdout, _stderr = run_command("import_sessions", path)

    assert [topic for _pk, topic in printed(stdout)] == ["测土配方施肥"]


# --- Bad rows ---------------------------------------------------------------------------------


def test_bad_rows_are_all_named_and_nothing_is_written(villages, tmp_path):
    villages_before = Village.objects.count()
    path = write_csv(tmp_path / "plan.csv", [
        HEADER,
        ["C-1", "好行", "技能培训", "", "东沟村", "", "2026-03-05 09:00", "11:00", "2", ""],
        ["C-2", "没有这个村", "技能培训", "", "北沟村", "", "2026-03-05 09:00", "11:00", "2", ""],
        ["C-3", "先结束", "技能培训", "", "东沟村", "", "2026-03-05 09:00", "08:00", "2", ""],
        ["C-4", "日期不对", "技能培训", "", "东沟村", "", "2026-13-45 09:00", "11:00", "2", ""],
        ["C-5", "负学时", "技能培训", "", "东沟村", "", "2026-03-06 09:00", "11:00", "-2", ""],
        ["C-6", "类型", "技能培训", "茶话会", "东沟村", "", "2026-03-07 09:00", "11:00", "2", ""],
        ["C-1", "重复编号", "技能培训", "", "东沟村", "", "2026-03-08 09:00", "11:00", "2", ""],
        ["", "重复行", "党性教育", "", "西沟村", "", "2026-03-09 09:00", "11:00", "2", ""],
        ["", "重复行", "党性教育", "", "西沟", "", "2026/3/9 9:00", "11:00", "2", ""],
        ["C-10", "类别不明", "文艺", "", "东沟村", "", "2026-03-10 09:00", "11:00", "2", ""],
        ["C-11", "", "技能培训", "", "东沟村", "", "", "11:00", "abc", ""],
    ])  # fmt: skip

    message, errors = refused(path)

    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 10, 11, 12]
    assert "北沟村" in errors[3]
    assert "before it starts" in errors[4]
    assert "2026-13-45" in errors[5]
    assert "negative" in errors[6]
    assert "茶话会" in errors[7]
    for known in SessionKind.BUILTIN:
        assert known in errors[7]  # the known kinds are named
    assert "row 2" in errors[8]
    assert "row 9" in errors[10]
    assert "文艺" in errors[11]
    assert "topic" in errors[12] and "start time" in errors[12] and "abc" in errors[12]
    assert "9 invalid row(s)" in message and "nothing was imported" in message
    assert TrainingSession.objects.count() == 0
    assert Village.objects.count() == villages_before


def test_an_existing_session_named_twice_is_a_duplicate(villages, tmp_path):
    village_a, _village_b = villages
    TrainingSessionFactory(
        village=village_a,
        code="D-1",
        topic="测土配方施肥",
        starts_at=local(2026, 3, 5, 9),
        ends_at=local(2026, 3, 5, 11),
    )
    _message, errors = refused(write_csv(tmp_path / "plan.csv", [
        HEADER,
        ["D-1", "测土配方施肥", "技能培训", "", "东沟村", "", "2026-03-05 09:00", "11:00", "2", ""],
        ["", "测土配方施肥", "技能培训", "", "东沟村", "", "2026-03-05 09:00", "11:00", "2", ""],
    ]))  # fmt: skip

    assert errors == {3: "the same session as row 2"}


def test_a_venue_or_trainer_booked_twice_is_imported_with_a_warning(villages, tmp_path):
    """The annual plan is the township's decision: clashes are named, not refused."""
    village_a, _village_b = villages
    TrainingSessionFactory(
        village=village_a,
        topic="已排的课",
        venue="村委会议室",
        trainer_name="张老师",
        starts_at=local(2026, 3, 5, 9),
        ends_at=local(2026, 3, 5, 11),
    )
    out, err = run_command("import_sessions", write_csv(tmp_path / "plan.csv", [
        HEADER,
        ["", "同室", "技能培训", "", "东沟村", "村委 会议室", "2026-03-05 10:00", "12:00", "2", ""],
        ["", "紧接", "技能培训", "", "东沟村", "村委会议室", "2026-03-05 11:00", "12:00", "2", ""],
        ["", "上午", "技能培训", "", "西沟村", "", "2026-04-01 09:00", "11:00", "2", "县农技站"],
        ["", "同时", "技能培训", "", "东沟村", "", "2026-04-01 10:00", "11:30", "2", "县农技站"],
    ]))  # fmt: skip

    assert TrainingSession.objects.count() == 5
    assert len(out.splitlines()) == 4
    warnings = [line for line in err.splitlines() if "Row" in line or "第" in line]
    assert len(warnings) == 3
    assert "Row 2" in warnings[0] and "已排的课" in warnings[0]  # the recorded session
    assert "Row 3" in warnings[1] and "row 2" in warnings[1]  # an earlier row of the file
    assert "Row 5" in warnings[2] and "县农技站" in warnings[2]


def test_a_corrected_plan_may_move_its_own_sessions(villages, tmp_path):
    plan = [
        HEADER,
        ["M-1", "甲", "技能培训", "", "东沟村", "会议室", "2026-03-05 09:00", "11:00", "2", ""],
        ["M-2", "乙", "技能培训", "", "东沟村", "会议室", "2026-03-05 14:00", "16:00", "2", ""],
    ]  # fmt: skip
    run_command("import_sessions", write_csv(tmp_path / "plan.csv", plan))
    plan[1][6:8] = ["2026-03-05 13:00", "14:00"]  # 甲 moves to the afternoon ...
    plan[2][6:8] = ["2026-03-05 14:00", "16:00"]  # ... right before 乙

    _stdout, stderr = run_command("import_sessions", write_csv(tmp_path / "moved.csv", plan))

    assert "1 updated, 1 unchanged" in stderr
    assert TrainingSession.objects.get(code="M-1").starts_at == local(2026, 3, 5, 13)


def test_a_missing_column_is_named(villages, tmp_path):
    path = write_csv(
        tmp_path / "plan.csv", [["培训主题", "村", "开始时间"], ["x", "东沟村", "9:00"]]
    )

    with pytest.raises(CommandError, match="结束时间"):
        run_command("import_sessions", path)


# --- Cells ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("2026-03-05 09:00", datetime.datetime(2026, 3, 5, 9, 0)),
        ("2026/3/5 9:00", datetime.datetime(2026, 3, 5, 9, 0)),
        ("2026年3月5日 9:00", datetime.datetime(2026, 3, 5, 9, 0)),
        ("2026年3月5日9:00", datetime.datetime(2026, 3, 5, 9, 0)),
        ("2026年3月5日 上午9点", datetime.datetime(2026, 3, 5, 9, 0)),
        ("2026年3月5日下午2点半", datetime.datetime(2026, 3, 5, 14, 30)),
        ("２０２６－０３－０５　０９：００", datetime.datetime(2026, 3, 5, 9, 0)),
        ("2026.3.5 9:00", datetime.datetime(2026, 3, 5, 9, 0)),
        ("2026-03-05T09:00:00", datetime.datetime(2026, 3, 5, 9, 0)),
        ("11:30", datetime.time(11, 30)),
        ("11：30", datetime.time(11, 30)),
        ("2026-03-05", datetime.date(2026, 3, 5)),
        (46086.375, datetime.datetime(2026, 3, 5, 9, 0)),
        ("46086.375", datetime.datetime(2026, 3, 5, 9, 0)),
        (0.5, datetime.time(12, 0)),
        (datetime.datetime(2026, 3, 5, 9, 0), datetime.datetime(2026, 3, 5, 9, 0)),
        (datetime.time(17, 0), datetime.time(17, 0)),
        ("", None),
        (None, None),
    ],
)
def test_date_and_time_spellings(cell, expected):
    assert parse_when(cell) == expected


@pytest.mark.parametrize("cell", ["明天上午", "2026-02-30 09:00", "25:00", "9.30", "3月5日 9:00"])
def test_what_is_not_a_date_and_time(cell):
    with pytest.raises(CellError):
        parse_when(cell)


@pytest.mark.parametrize(
    "cell, track",
    [
        ("党性教育", Track.PARTY),
        ("党性", Track.PARTY),
        (" 党性教育类 ", Track.PARTY),
        ("party", Track.PARTY),
        ("Party education", Track.PARTY),
        ("技能培训", Track.SKILLS),
        ("技能", Track.SKILLS),
        ("skills", Track.SKILLS),
        ("Skills Training", Track.SKILLS),
    ],
)
def test_track_spellings(cell, track):
    assert parse_track(cell) == track


@pytest.mark.parametrize(
    "cell, hours",
    [("2", Decimal("2")), (2.5, Decimal("2.5")), ("1.5学时", Decimal("1.5")), ("", None)],
)
def test_study_hours_spellings(cell, hours):
    assert parse_study_hours(cell) == hours


@pytest.mark.parametrize("cell", ["-1", "abc", "1.25", "1000"])
def test_what_is_not_study_hours(cell):
    with pytest.raises(CellError):
        parse_study_hours(cell)

"""The statistics' definitions pinned down on the tricky month of conftest.py: the filter a user
may ask for and its queued form, each narrowing (village, track, kind, party members), the
moment that decides which planned sessions are over, the rows of every breakdown, the rates,
and the targets."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from attendance.models import AttendanceRecord, Evaluation, Registration
from attendance.services import attendance_mark
from courses.models import LessonProgress
from lms.ledger.models import AnnualRequirement, StudyHoursEntry, Track
from lms.stats import selectors
from lms.stats.models import AnnualTarget
from lms.stats.selectors import Figures, StatsFilter, stats_filter_for, year_filter
from tests.conftest import beijing
from tests.factories import courses as build
from tests.factories.attendance import kind
from tests.factories.people import PersonFactory, TownshipFactory, VillageFactory

from .conftest import MARCH, NOW, local, session_at

pytestmark = pytest.mark.django_db
ZERO = {"sessions": 0, "person_times": 0, "people": 0, "households": 0}


def march(*villages, **filters) -> StatsFilter:
    return StatsFilter(
        date_from=MARCH[0],
        date_to=MARCH[1],
        village_ids=frozenset(v.pk for v in villages),
        **filters,
    )


def hours(online="0", in_person="0") -> dict[str, Decimal]:
    online, in_person = Decimal(online), Decimal(in_person)
    return {"online": online, "in_person": in_person, "total": online + in_person}


# --- The filter --------------------------------------------------------------------------------


def test_a_queued_export_keeps_its_filter_exactly():
    f = StatsFilter(
        date_from=datetime.date(2026, 3, 1),
        date_to=datetime.date(2026, 3, 31),
        village_ids=frozenset({12, 3}),
        track=Track.PARTY,
        kind_id=7,
        party_members_only=True,
    )

    params = f.as_params()

    assert params == {
        "date_from": "2026-03-01",
        "date_to": "2026-03-31",
        "village_ids": [3, 12],
        "track": "party",
        "kind_id": 7,
        "party_members_only": True,
    }
    assert StatsFilter.from_params(params) == f


def test_a_queued_export_for_every_village_stays_for_every_village():
    f = StatsFilter(date_from=datetime.date(2026, 1, 1), date_to=datetime.date(2026, 12, 31))

    params = f.as_params()

    assert params == {
        "date_from": "2026-01-01",
        "date_to": "2026-12-31",
        "village_ids": None,
        "track": "",
        "kind_id": None,
        "party_members_only": False,
    }
    assert StatsFilter.from_params(params) == f
    # A form left blank (no track, no kind, party members unticked) reads as no narrowing.
    assert (
        StatsFilter.from_params({"date_from": "2026-01-01", "date_to": "2026-12-31", "track": None})
        == f
    )


def test_a_range_of_one_day_is_a_range_and_an_inverted_one_is_refused(administrator):
    day = datetime.date(2026, 3, 1)

    f = stats_filter_for(administrator, date_from=day, date_to=day)

    assert (f.date_from, f.date_to) == (day, day)
    with translation.override("zh-hans"), pytest.raises(ValueError) as refused:
        stats_filter_for(administrator, date_from=day, date_to=day - datetime.timedelta(days=1))
    assert str(refused.value) == "结束日期早于开始日期。"


def test_an_administrator_asks_for_every_village_or_one_by_object_or_id(
    administrator, village_a, village_b
):
    def ids(**village):
        return stats_filter_for(administrator, date_from=MARCH[0], date_to=MARCH[1], **village)

    assert ids().village_ids is None
    assert ids(village=village_b).village_ids == frozenset({village_b.pk})
    assert ids(village=village_b.pk).village_ids == frozenset({village_b.pk})


def test_township_staff_ask_for_one_of_their_villages_by_object_or_id(
    township_staff, village_a, village_b
):
    def ids(**village):
        return stats_filter_for(township_staff, date_from=MARCH[0], date_to=MARCH[1], **village)

    assert ids().village_ids == frozenset({village_a.pk, village_b.pk})
    assert ids(village=village_a).village_ids == frozenset({village_a.pk})
    assert ids(village=village_a.pk).village_ids == frozenset({village_a.pk})


def test_track_kind_and_party_members_pass_into_the_filter(administrator):
    lessons = kind("党课")

    def asked(**filters):
        return stats_filter_for(administrator, date_from=MARCH[0], date_to=MARCH[1], **filters)

    expected = StatsFilter(
        date_from=MARCH[0],
        date_to=MARCH[1],
        track="party",
        kind_id=lessons.pk,
        party_members_only=True,
    )
    assert asked(track=Track.PARTY, kind=lessons, party_members_only=True) == expected
    assert asked(track=Track.PARTY, kind=lessons.pk, party_members_only=True) == expected
    assert asked(track=None) == StatsFilter(date_from=MARCH[0], date_to=MARCH[1])


def test_a_years_filter_runs_from_new_year_to_new_years_eve(secretary_a, village_a):
    assert year_filter(secretary_a, year=2026, track=Track.SKILLS) == StatsFilter(
        date_from=datetime.date(2026, 1, 1),
        date_to=datetime.date(2026, 12, 31),
        village_ids=frozenset({village_a.pk}),
        track="skills",
    )


# --- Attendance figures ------------------------------------------------------------------------


def test_a_track_counts_only_its_sessions_and_attendance(month, village_a, village_b):
    party = march(village_a, village_b, track=Track.PARTY)
    skills = march(village_a, village_b, track=Track.SKILLS)

    assert selectors.attendance_totals(party, now=NOW) == Figures(1, 1, 1, 1)  # s2: 张一
    # s1 and s4; 张一, 张二 (household 1) and 李四 (household 2) at s1.
    assert selectors.attendance_totals(skills, now=NOW) == Figures(2, 3, 3, 2)
    with translation.override("zh-hans"):
        rows = selectors.attendance_breakdown(party, by="track", now=NOW)
    assert [(row.key, row.label, row.as_dict()) for row in rows] == [
        ("party", "党性教育", {"sessions": 1, "person_times": 1, "people": 1, "households": 1}),
    ]


def test_both_tracks_are_named_in_the_townships_words(month, village_a, village_b):
    with translation.override("zh-hans"):
        rows = selectors.attendance_breakdown(march(village_a, village_b), by="track", now=NOW)

    assert [(row.key, row.label) for row in rows] == [("party", "党性教育"), ("skills", "技能培训")]


def test_an_unknown_grouping_is_refused_naming_the_ones_there_are(village_a):
    with pytest.raises(ValueError) as refused:
        selectors.attendance_breakdown(march(village_a), by="household", now=NOW)

    assert str(refused.value) == "by must be one of village, month, track, kind, session"


def test_every_kind_has_a_row_and_a_kind_asked_for_has_only_its_own(month, village_a, village_b):
    rows = selectors.attendance_breakdown(march(village_a, village_b), by="kind", now=NOW)
    lessons = selectors.attendance_breakdown(
        march(village_a, village_b, kind_id=kind("党课").pk), by="kind", now=NOW
    )

    by_key = {row.key: row.as_dict() for row in rows}
    assert by_key["农民科技培训"] == {
        "sessions": 2,
        "person_times": 3,
        "people": 3,
        "households": 2,
    }
    assert by_key["党课"] == {"sessions": 1, "person_times": 1, "people": 1, "households": 1}
    # A kind nobody held is a row of zeros, not of blanks.
    assert by_key["集中培训"] == ZERO
    assert by_key["群众大会"] == ZERO
    assert [(row.key, row.as_dict()) for row in lessons] == [("党课", by_key["党课"])]


def test_villages_read_by_township_then_name_and_say_their_township(month, village_a, village_b):
    west = TownshipFactory(name="西山乡")
    south = VillageFactory(township=west, name="南坡村")  # added before 北坡村
    north = VillageFactory(township=west, name="北坡村")

    rows = selectors.attendance_breakdown(
        march(village_a, village_b, south, north), by="village", now=NOW
    )

    assert [(row.key, row.label, row.detail, row.as_dict()) for row in rows] == [
        (
            "东沟村",
            "东沟乡·东沟村",
            {"township": "东沟乡"},
            {"sessions": 2, "person_times": 3, "people": 2, "households": 1},
        ),
        (
            "西沟村",
            "东沟乡·西沟村",
            {"township": "东沟乡"},
            {"sessions": 1, "person_times": 1, "people": 1, "households": 1},
        ),
        ("北坡村", "西山乡·北坡村", {"township": "西山乡"}, ZERO),
        ("南坡村", "西山乡·南坡村", {"township": "西山乡"}, ZERO),
    ]


def test_a_session_row_says_its_date_topic_village_and_kind_in_three_queries(
    month, village_a, village_b, django_assert_num_queries
):
    s = month["sessions"]

    # One grouped query for the sessions, one for the attendance, one for the rows' names.
    with django_assert_num_queries(3):
        rows = selectors.attendance_breakdown(march(village_a, village_b), by="session", now=NOW)

    assert [(row.key, row.label, row.detail) for row in rows] == [
        (
            s["s1"].pk,
            f"2026-03-01 {s['s1'].topic}",
            {
                "date": "2026-03-01",
                "topic": s["s1"].topic,
                "village": "东沟村",
                "kind": "农民科技培训",
            },
        ),
        (
            s["s4"].pk,
            f"2026-03-20 {s['s4'].topic}",
            {
                "date": "2026-03-20",
                "topic": s["s4"].topic,
                "village": "西沟村",
                "kind": "农民科技培训",
            },
        ),
        (
            s["s2"].pk,
            f"2026-03-31 {s['s2'].topic}",
            {"date": "2026-03-31", "topic": s["s2"].topic, "village": "东沟村", "kind": "党课"},
        ),
    ]
    assert rows[1].as_dict() == {**ZERO, "sessions": 1}  # s4: held, nobody came


def test_a_range_of_the_first_day_of_a_month_has_that_months_row(month, village_a, village_b):
    first = StatsFilter(
        date_from=datetime.date(2026, 3, 1),
        date_to=datetime.date(2026, 3, 1),
        village_ids=frozenset({village_a.pk, village_b.pk}),
    )

    rows = selectors.attendance_breakdown(first, by="month", now=NOW)

    assert [(row.key, row.sessions, row.person_times) for row in rows] == [("2026-03", 1, 3)]


@pytest.mark.time_machine(beijing(2026, 4, 15, 12, 0), tick=False)
def test_the_moment_asked_about_decides_whether_a_planned_session_is_over(
    month, township, township_staff, village_a, village_b
):
    """s4 was planned for 20 March 09:00: asked about as of its start it is not over yet,
    although the clock has long passed it."""
    s4 = month["sessions"]["s4"]
    Registration.objects.create(session=s4, person=month["people"]["王三"])
    Evaluation.objects.create(session=s4, person=month["people"]["王三"], satisfaction=2)
    AnnualTarget.objects.create(township=township, year=2026, sessions=10)
    f = march(village_a, village_b)
    then = s4.starts_at

    rows = selectors.attendance_breakdown(f, by="village", now=then)

    assert [(row.key, row.sessions) for row in rows] == [("东沟村", 2), ("西沟村", 0)]
    assert selectors.attendance_rate(f, now=then) == {"invited": 0, "came": 0, "rate": None}
    assert selectors.satisfaction(f, now=then) == {"average": None, "responses": 0}
    # 2026 in 东沟乡: s1, s2, and the sessions of February and April; not s4 yet.
    [progress] = selectors.targets_progress(township_staff, year=2026, now=then)
    assert progress.sessions == 4
    # As of now it is over, and counts.
    assert selectors.attendance_rate(f, now=NOW)["invited"] == 1
    assert selectors.satisfaction(f, now=NOW) == {"average": 2.0, "responses": 1}
    assert selectors.targets_progress(township_staff, year=2026, now=NOW)[0].sessions == 5


# --- Attendance rate and satisfaction ----------------------------------------------------------


@pytest.fixture
def invitations(month):
    """Who was invited where, beside who came (conftest.py):
    s1: 张一 (came), 王三 (excused), 李四 of 西沟村 (came), 张二 only waitlisted (came late);
    s2: 张一 (came); s4: 张二 (did not come, although she came to s1);
    the cancelled s3: 王三; February's session: 张一 (came)."""
    s, p = month["sessions"], month["people"]
    for session, name in [
        ("s1", "张一"),
        ("s1", "王三"),
        ("s1", "李四"),
        ("s2", "张一"),
        ("s4", "张二"),
        ("s3", "王三"),
        ("before", "张一"),
    ]:
        Registration.objects.create(session=s[session], person=p[name])
    Registration.objects.create(
        session=s["s1"], person=p["张二"], status=Registration.Status.WAITLISTED
    )
    return month


def test_attendance_rate_counts_the_invited_of_the_villages_asked_about(invitations, village_a):
    # 东沟村: 张一 at s1 and s2 came; 王三 at s1 and 张二 at s4 did not.
    assert selectors.attendance_rate(march(village_a), now=NOW) == {
        "invited": 4,
        "came": 2,
        "rate": 0.5,
    }


def test_attendance_rate_of_party_members_only(invitations, village_a):
    # 张一 at s1 and s2, 王三 at s1.
    assert selectors.attendance_rate(march(village_a, party_members_only=True), now=NOW) == {
        "invited": 3,
        "came": 2,
        "rate": pytest.approx(2 / 3),
    }


def test_attendance_rate_of_a_track_or_a_kind(invitations, village_a, village_b):
    only_s2 = {"invited": 1, "came": 1, "rate": 1.0}

    assert selectors.attendance_rate(march(village_a, track=Track.PARTY), now=NOW) == only_s2
    assert (
        selectors.attendance_rate(march(village_a, village_b, kind_id=kind("党课").pk), now=NOW)
        == only_s2
    )
    # Skills: s1's 张一, 王三, 李四 and s4's 张二, of whom 张一 and 李四 came.
    assert selectors.attendance_rate(march(village_a, village_b, track=Track.SKILLS), now=NOW) == {
        "invited": 4,
        "came": 2,
        "rate": 0.5,
    }


def test_satisfaction_is_rounded_to_two_places(month, village_a, village_b):
    s1, p = month["sessions"]["s1"], month["people"]
    for name, rating in [("张一", 5), ("张二", 4), ("李四", 4)]:
        Evaluation.objects.create(session=s1, person=p[name], satisfaction=rating)

    assert selectors.satisfaction(march(village_a, village_b), now=NOW) == {
        "average": 4.33,
        "responses": 3,
    }


# --- Study hours -------------------------------------------------------------------------------


@pytest.fixture
def online_hours(month):
    """王三 studied 1.5 party hours online on 5 March. The course's id happens to be the id of
    张一's attendance at the 党课 s2 (the ledger's sources are numbered each their own way)."""
    record = month["sessions"]["s2"].attendance.get(person=month["people"]["张一"])
    StudyHoursEntry.objects.create(
        person=month["people"]["王三"],
        date=datetime.date(2026, 3, 5),
        hours=Decimal("1.5"),
        track=Track.PARTY,
        source_kind=StudyHoursEntry.Source.COURSE,
        source_id=record.pk,
    )
    return month


def test_study_hours_add_up_both_tracks_into_the_total(online_hours, village_a, village_b):
    result = selectors.study_hours(march(village_a, village_b))

    # In person: s1 张一, 张二, 李四 (skills), s2 张一 (party), 2 hours each.
    assert result == {
        "party": hours(online="1.5", in_person="2"),
        "skills": hours(in_person="6"),
        "total": hours(online="1.5", in_person="8"),
    }


def test_study_hours_of_one_village_leave_out_people_from_elsewhere(online_hours, village_a):
    assert selectors.study_hours(march(village_a))["skills"] == hours(in_person="4")  # not 李四


def test_study_hours_of_one_track(online_hours, village_a, village_b):
    assert selectors.study_hours(march(village_a, village_b, track=Track.PARTY)) == {
        "party": hours(online="1.5", in_person="2"),
        "skills": hours(),
        "total": hours(online="1.5", in_person="2"),
    }


def test_study_hours_of_party_members_only(online_hours, village_a, village_b):
    # 张一 at s1 and s2, 王三 online.
    assert selectors.study_hours(march(village_a, village_b, party_members_only=True)) == {
        "party": hours(online="1.5", in_person="2"),
        "skills": hours(in_person="2"),
        "total": hours(online="1.5", in_person="4"),
    }


def test_study_hours_of_a_kind_are_the_in_person_hours_of_its_sessions(
    online_hours, village_a, village_b
):
    lessons = march(village_a, village_b, kind_id=kind("党课").pk)

    # 张一 at s2 only: not s1 (another kind), not 王三's online course.
    assert selectors.study_hours(lessons) == {
        "party": hours(in_person="2"),
        "skills": hours(),
        "total": hours(in_person="2"),
    }


# --- Online study: 参学率 and 达标率 ------------------------------------------------------------


def test_studied_means_a_heartbeat_or_a_completion_within_the_range(month, village_a, village_b):
    lesson = build.lesson(build.course("学习党章"), "第一课")
    p = month["people"]

    def member(name):
        return PersonFactory(name=name, village=village_a, is_party_member=True)

    def progress(person, **moments):
        LessonProgress.objects.create(person=person, lesson=lesson, **moments)

    progress(p["张一"], last_heartbeat_at=local(2026, 3, 1, 0, 5))
    progress(
        p["王三"],
        last_heartbeat_at=local(2026, 2, 28, 23, 50),
        completed_at=local(2026, 3, 31, 23, 55),
    )
    progress(member("周六"), last_heartbeat_at=local(2026, 2, 28, 23, 59))
    progress(member("吴七"), last_heartbeat_at=local(2026, 4, 1, 0, 0))
    progress(member("郑八"), completed_at=local(2026, 2, 28, 23, 59))
    progress(member("冯九"), completed_at=local(2026, 4, 1, 0, 0))
    elsewhere = PersonFactory(village=village_b, is_party_member=True)
    progress(elsewhere, last_heartbeat_at=local(2026, 3, 10, 20, 0))

    online = selectors.online_study(march(village_a))

    # 东沟村's six party members; 张一 and 王三 studied in March.
    assert (online["members"], online["studied"], online["participation_rate"]) == (
        6,
        2,
        pytest.approx(1 / 3),
    )
    assert selectors.online_study(march(village_b))["studied"] == 1


def test_without_party_members_there_is_no_rate(month, township, village_b):
    AnnualRequirement.objects.create(township=township, year=2026, total_hours=Decimal("4"))
    nobody = VillageFactory(township=township, name="南沟村")

    assert selectors.online_study(march(nobody)) == {
        "members": 0,
        "studied": 0,
        "participation_rate": None,
        "subject": 0,
        "met": 0,
        "compliance_rate": None,
    }


def test_without_a_program_nobody_is_subject_to_it(month, village_a):
    assert selectors.online_study(march(village_a)) == {
        "members": 2,
        "studied": 0,
        "participation_rate": 0.0,
        "subject": 0,
        "met": 0,
        "compliance_rate": None,
    }


def test_online_study_of_one_village_counts_only_its_members(month, township, village_a, village_b):
    AnnualRequirement.objects.create(township=township, year=2026, total_hours=Decimal("4"))
    PersonFactory(village=village_b, is_party_member=True)

    online = selectors.online_study(march(village_a))

    # 张一 (8 hours in 2026) and 王三 (none) of 东沟村; not the member of 西沟村.
    assert (online["members"], online["subject"], online["met"]) == (2, 2, 1)


# --- Targets -----------------------------------------------------------------------------------


def test_targets_read_by_township_then_kind_then_track(month, township, administrator):
    west = TownshipFactory(name="西山乡")
    VillageFactory(township=west, name="西山村")
    west_target = AnnualTarget.objects.create(township=west, year=2026, sessions=3)
    skills = AnnualTarget.objects.create(
        township=township, year=2026, track=Track.SKILLS, sessions=9
    )
    party = AnnualTarget.objects.create(township=township, year=2026, track=Track.PARTY, sessions=4)
    lessons = AnnualTarget.objects.create(
        township=township, year=2026, kind=kind("党课"), sessions=2
    )

    progress = selectors.targets_progress(administrator, year=2026, now=NOW)

    assert [(p.target.township.name, p.target.pk) for p in progress] == [
        ("东沟乡", party.pk),
        ("东沟乡", skills.pk),
        ("东沟乡", lessons.pk),
        ("西山乡", west_target.pk),
    ]
    # 2026 in 东沟乡: party s2; skills s1, s4 and the sessions of February and April.
    assert [(p.sessions, p.person_times) for p in progress] == [(1, 1), (4, 5), (1, 1), (0, 0)]


def test_targets_are_the_years_and_the_townships_own(month, township, township_staff):
    west = TownshipFactory(name="西山乡")
    AnnualTarget.objects.create(township=west, year=2026, sessions=3)
    AnnualTarget.objects.create(township=township, year=2025, sessions=8)
    this_year = AnnualTarget.objects.create(township=township, year=2026, sessions=12)
    # A session of 西山乡 and someone of 西山乡 at s1: neither is 东沟乡's.
    west_village = VillageFactory(township=west, name="西山村")
    session_at(west_village, local(2026, 3, 3, 9, 0))
    attendance_mark(
        session=month["sessions"]["s1"],
        person=PersonFactory(village=west_village),
        status=AttendanceRecord.Status.PRESENT,
        method=AttendanceRecord.Method.ROLL_CALL,
        at=month["sessions"]["s1"].starts_at,
    )

    progress = selectors.targets_progress(township_staff, year=2026, now=NOW)

    assert [(p.target.pk, p.sessions, p.person_times) for p in progress] == [(this_year.pk, 5, 6)]


def test_a_session_on_new_years_morning_counts_for_the_year(township, village_a, township_staff):
    AnnualTarget.objects.create(township=township, year=2026, sessions=12)
    session_at(village_a, local(2026, 1, 1, 0, 30))

    [progress] = selectors.targets_progress(township_staff, year=2026, now=NOW)

    assert progress.sessions == 1


def test_targets_cost_the_same_queries_however_many(
    month, township, township_staff, django_assert_num_queries
):
    for n, name in enumerate(["党课", "支部会议", "党员会议"]):
        AnnualTarget.objects.create(township=township, year=2026, kind=kind(name), sessions=n + 1)

    # The role, the villages' township, the targets with township and kind, the sessions and
    # the attendance.
    with django_assert_num_queries(5):
        progress = selectors.targets_progress(township_staff, year=2026, now=NOW)
        names = [(p.target.township.name, p.target.kind.name) for p in progress]

    assert names == [("东沟乡", "党课"), ("东沟乡", "支部会议"), ("东沟乡", "党员会议")]

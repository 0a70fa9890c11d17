"""The township's figures on the tricky month of conftest.py, each definition pinned exactly."""

import datetime
from decimal import Decimal

import pytest

from attendance.models import AttendanceRecord, Evaluation, Registration
from attendance.services import attendance_mark
from lms.ledger.models import AnnualRequirement, StudyHoursEntry, Track
from lms.ledger.selectors import sessions_by_track
from lms.people.services import person_merge
from lms.stats import selectors
from lms.stats.models import AnnualTarget
from lms.stats.report import stats_overview
from lms.stats.selectors import Figures, StatsFilter, stats_filter_for
from tests.factories.attendance import kind
from tests.factories.people import PersonFactory

from .conftest import MARCH, NOW

pytestmark = pytest.mark.django_db


def march(*villages, **filters) -> StatsFilter:
    return StatsFilter(
        date_from=MARCH[0],
        date_to=MARCH[1],
        village_ids=frozenset(v.pk for v in villages),
        **filters,
    )


def test_totals_count_each_definition_once(month, village_a, village_b):
    totals = selectors.attendance_totals(march(village_a, village_b), now=NOW)

    # 期: s1, s2 and the planned-and-over s4; not the cancelled s3, not Feb or April.
    # 人次: 张一 twice, 张二 late, 李四; not 王三 excused, not 赵五 corrected to absent.
    # 人数: 张一, 张二, 李四. 户: household 1 (张一, 张二) and 2 (李四).
    assert totals == Figures(sessions=3, person_times=4, people=3, households=2)


def test_by_village_people_count_at_home_and_sessions_where_held(month, village_a, village_b):
    rows = selectors.attendance_breakdown(march(village_a, village_b), by="village", now=NOW)

    assert [(row.key, row.as_dict()) for row in rows] == [
        ("东沟村", {"sessions": 2, "person_times": 3, "people": 2, "households": 1}),
        # 李四 trained in 东沟村 and counts at home; s4 was held here.
        ("西沟村", {"sessions": 1, "person_times": 1, "people": 1, "households": 1}),
    ]


def test_a_person_who_moved_counts_in_their_new_village(month, village_a, village_b):
    mover = month["people"]["张二"]
    mover.village = village_b
    mover.household = None
    mover.save()

    rows = selectors.attendance_breakdown(march(village_a, village_b), by="village", now=NOW)

    assert {row.key: row.person_times for row in rows} == {"东沟村": 2, "西沟村": 2}


def test_the_first_and_last_day_of_the_range_count_in_local_time(month, village_a):
    rows = selectors.attendance_breakdown(
        StatsFilter(
            date_from=datetime.date(2026, 2, 28),
            date_to=datetime.date(2026, 4, 1),
            village_ids=frozenset({village_a.pk}),
        ),
        by="month",
        now=NOW,
    )

    assert [(row.key, row.sessions, row.person_times) for row in rows] == [
        ("2026-02", 1, 1),  # 23:39 on 28 February is February in 东沟乡, not UTC's March
        ("2026-03", 2, 3),  # 23:30 on 31 March is still March
        ("2026-04", 1, 1),
    ]


def test_a_secretary_sees_only_her_village(month, village_a, secretary_a):
    f = stats_filter_for(secretary_a, date_from=MARCH[0], date_to=MARCH[1])
    other = stats_filter_for(
        secretary_a, date_from=MARCH[0], date_to=MARCH[1], village=month["sessions"]["s4"].village
    )

    assert f.village_ids == frozenset({village_a.pk})
    assert selectors.attendance_totals(f, now=NOW) == Figures(3 - 1, 3, 2, 1)
    assert selectors.attendance_totals(other, now=NOW) == Figures(0, 0, 0, 0)


def test_party_members_only_counts_their_attendance(month, village_a, village_b):
    totals = selectors.attendance_totals(
        march(village_a, village_b, party_members_only=True), now=NOW
    )

    assert (totals.person_times, totals.people) == (2, 1)  # 张一 at s1 and s2


def test_track_and_kind_narrow_sessions_and_attendance(month, village_a, village_b):
    by_track = selectors.attendance_breakdown(march(village_a, village_b), by="track", now=NOW)
    lessons = selectors.attendance_totals(
        march(village_a, village_b, kind_id=kind("党课").pk), now=NOW
    )

    assert [(row.key, row.sessions, row.person_times) for row in by_track] == [
        ("party", 1, 1),
        ("skills", 2, 3),
    ]
    assert (lessons.sessions, lessons.person_times) == (1, 1)


def test_by_kind_lists_every_kind_meetings_included(month, village_a, village_b):
    rows = selectors.attendance_breakdown(march(village_a, village_b), by="kind", now=NOW)

    assert [(row.key, row.sessions) for row in rows] == [
        ("农民科技培训", 2),
        ("集中培训", 0),
        ("党课", 1),
        ("支部会议", 0),
        ("“两委”会议", 0),
        ("党员会议", 0),
        ("群众大会", 0),
    ]


def test_by_session_lists_the_sessions_held_or_attended(month, village_a, village_b):
    rows = selectors.attendance_breakdown(march(village_a, village_b), by="session", now=NOW)
    s = month["sessions"]

    assert [(row.key, row.sessions, row.person_times) for row in rows] == [
        (s["s1"].pk, 1, 3),
        (s["s4"].pk, 1, 0),
        (s["s2"].pk, 1, 1),
    ]


def test_a_planned_session_not_yet_over_is_not_held(month, village_a, village_b):
    before_s4_ended = month["sessions"]["s4"].starts_at

    totals = selectors.attendance_totals(march(village_a, village_b), now=before_s4_ended)

    assert totals.sessions == 2


def test_attendance_rate_is_invited_who_came_over_invited(month, village_a, village_b):
    s1 = month["sessions"]["s1"]
    for name in ("张一", "王三", "赵五"):
        Registration.objects.create(session=s1, person=month["people"][name])

    rate = selectors.attendance_rate(march(village_a, village_b), now=NOW)

    assert rate == {"invited": 3, "came": 1, "rate": pytest.approx(1 / 3)}


def test_satisfaction_is_the_average_rating_of_sessions_held(month, village_a, village_b):
    s1 = month["sessions"]["s1"]
    Evaluation.objects.create(session=s1, person=month["people"]["张一"], satisfaction=5)
    Evaluation.objects.create(session=s1, person=month["people"]["李四"], satisfaction=4)

    assert selectors.satisfaction(march(village_a, village_b), now=NOW) == {
        "average": 4.5,
        "responses": 2,
    }


def test_study_hours_come_from_the_ledger_by_track_and_source(month, village_a, village_b):
    StudyHoursEntry.objects.create(
        person=month["people"]["王三"],
        date=datetime.date(2026, 3, 5),
        hours=Decimal("1.5"),
        track=Track.PARTY,
        source_kind=StudyHoursEntry.Source.COURSE,
        source_id=1,
    )

    hours = selectors.study_hours(march(village_a, village_b))

    # Present and late earn the session's 2 hours: s1 张一, 张二, 李四; s2 张一.
    assert hours["skills"] == {
        "online": Decimal("0"),
        "in_person": Decimal("6.0"),
        "total": Decimal("6.0"),
    }
    assert hours["party"] == {
        "online": Decimal("1.5"),
        "in_person": Decimal("2.0"),
        "total": Decimal("3.5"),
    }
    assert hours["total"]["total"] == Decimal("9.5")


def test_participation_and_compliance_rates_of_party_members(month, township, village_a, village_b):
    AnnualRequirement.objects.create(
        township=township,
        year=2026,
        total_hours=Decimal("4"),
        party_hours=Decimal("2"),
        skills_hours=Decimal("2"),
    )

    online = selectors.online_study(march(village_a, village_b))

    # Party members: 张一 and 王三. Nobody studied online; 张一 has 2 party + 2 skills hours
    # in 2026 (plus 2 each from February and April, same year): she meets the rule.
    assert online == {
        "members": 2,
        "studied": 0,
        "participation_rate": 0.0,
        "subject": 2,
        "met": 1,
        "compliance_rate": 0.5,
    }


def test_compliance_rate_is_unknown_without_a_requirement(month, village_a):
    assert selectors.online_study(march(village_a))["compliance_rate"] is None


def test_targets_show_done_against_set_for_township_staff(
    month, township, township_staff, secretary_a
):
    AnnualTarget.objects.create(
        township=township, year=2026, kind=kind("农民科技培训"), sessions=17, person_times=2500
    )
    AnnualTarget.objects.create(township=township, year=2026, track=Track.PARTY, sessions=12)

    progress = selectors.targets_progress(township_staff, year=2026, now=NOW)

    # Party track: s2. 农民科技培训 in 2026: s1, s4, before, after; 人次 3 (s1) + 1 + 1.
    assert [(p.target.sessions, p.sessions, p.person_times) for p in progress] == [
        (12, 1, 1),
        (17, 4, 5),
    ]
    assert progress[1].sessions_rate == pytest.approx(4 / 17)
    assert progress[1].person_times_rate == pytest.approx(5 / 2500)
    assert selectors.targets_progress(secretary_a, year=2026, now=NOW) == []


def test_across_townships_a_village_row_names_its_township(month, village_a):
    from tests.factories.people import TownshipFactory, VillageFactory

    namesake = VillageFactory(township=TownshipFactory(name="西山乡"), name="东沟村")

    rows = selectors.attendance_breakdown(march(village_a, namesake), by="village", now=NOW)

    assert [(row.key, row.label) for row in rows] == [
        ("东沟村", "东沟乡·东沟村"),
        ("东沟村", "西山乡·东沟村"),
    ]


def test_a_merged_duplicate_who_signed_in_too_earns_the_sessions_hours_once(
    month, village_a, village_b, administrator
):
    """张一 was ticked off at s1, and also signed in there as a walk-in the desk took for
    someone new: two records, two credits. Merging the duplicate keeps one record, so the
    page must show one attendance and its 2 hours, not 2 hours of a record that is gone."""
    s1, kept = month["sessions"]["s1"], month["people"]["张一"]
    walk_in = PersonFactory(name="张一", village=village_a, id_number="")
    attendance_mark(
        session=s1,
        person=walk_in,
        status=AttendanceRecord.Status.PRESENT,
        method=AttendanceRecord.Method.WALK_IN,
        at=s1.starts_at,
    )

    person_merge(keep=kept, duplicate=walk_in, by=administrator)

    overview = stats_overview(march(village_a, village_b), groupings=(), now=NOW)
    assert overview.totals == Figures(sessions=3, person_times=4, people=3, households=2)
    # s1: 张一, 张二 (late), 李四 earn 2 hours each; 张一's own record once, not twice.
    assert overview.hours["skills"]["in_person"] == Decimal("6.0")
    # The year's program counts her at s1 once (and at February's and April's sessions).
    assert sessions_by_track(person_id=kept.pk, year=2026)["skills"] == 3

"""The dual program's one rule pinned down: each threshold on its own, the township and year a
program belongs to, a track nobody requires, and who is behind the year's pace."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.utils import translation

from lms.ledger.models import AnnualRequirement, StudyHoursEntry, Track
from lms.ledger.selectors import (
    members_behind,
    pace_required,
    people_meeting_requirement,
    person_standing,
)
from lms.ledger.services import ledger_record
from lms.people.models import Person
from tests.factories.people import PersonFactory, TownshipFactory, VillageFactory

pytestmark = pytest.mark.django_db
Source = StudyHoursEntry.Source
_source_ids = itertools.count(1)


def credit(person, hours, *, track, source=Source.COURSE, on=datetime.date(2026, 3, 1)):
    """A row of the ledger: an attended session (`source=Source.ATTENDANCE`) or online study."""
    ledger_record(
        person_id=person.pk,
        on=on,
        hours=Decimal(hours),
        track=track,
        source_kind=source,
        source_id=next(_source_ids),
    )


def session(person, hours="2", *, track, on=datetime.date(2026, 5, 10)):
    credit(person, hours, track=track, source=Source.ATTENDANCE, on=on)


def program(township, year=2026, **fields) -> AnnualRequirement:
    """By default: party education 4 hours and 1 session, skills 4 hours and 2 sessions,
    10 hours in total."""
    values = {
        "total_hours": Decimal("10"),
        "party_hours": Decimal("4"),
        "skills_hours": Decimal("4"),
        "party_sessions": 1,
        "skills_sessions": 2,
        **fields,
    }
    return AnnualRequirement.objects.create(township=township, year=year, **values)


def met_ids(people=None, year=2026) -> set[int]:
    _subject, met = people_meeting_requirement(
        people=people if people is not None else Person.objects.all(), year=year
    )
    return set(met.values_list("pk", flat=True))


def subject_ids(year=2026) -> set[int]:
    subject, _met = people_meeting_requirement(people=Person.objects.all(), year=year)
    return set(subject.values_list("pk", flat=True))


def last_years_study(person):
    """Plenty of hours and sessions in 2025: none of it counts for 2026."""
    for track in (Track.PARTY, Track.SKILLS):
        credit(person, "20", track=track, on=datetime.date(2025, 12, 31))
        for _ in range(2):
            session(person, track=track, on=datetime.date(2025, 11, 1))


# Each line: what the member did in 2026, and what is still missing.
ONE_THING_SHORT = {
    "party hours": (
        # party 2 + 1.5 = 3.5 of 4; skills 4 + 2.5 = 6.5; total 10
        [("session", Track.PARTY, "2"), ("online", Track.PARTY, "1.5")]
        + [("session", Track.SKILLS, "2")] * 2
        + [("online", Track.SKILLS, "2.5")],
        ["党性教育还差 0.5 学时"],
    ),
    "skills hours": (
        # party 2 + 5 = 7; skills 1.5 × 2 = 3 of 4; total 10
        [("session", Track.PARTY, "2"), ("online", Track.PARTY, "5")]
        + [("session", Track.SKILLS, "1.5")] * 2,
        ["技能培训还差 1 学时"],
    ),
    "total hours": (
        # party 2 + 2 = 4; skills 2 × 2 = 4; total 8 of 10
        [("session", Track.PARTY, "2"), ("online", Track.PARTY, "2")]
        + [("session", Track.SKILLS, "2")] * 2,
        ["总学时还差 2 学时"],
    ),
    "a party session": (
        # party online 4, no session; skills 2 × 2 + 2 = 6; total 10
        [("online", Track.PARTY, "4")]
        + [("session", Track.SKILLS, "2")] * 2
        + [("online", Track.SKILLS, "2")],
        ["党性教育还差 1 次集中培训"],
    ),
    "a skills session": (
        # party 2 + 2 = 4; skills 2 + 4 = 6 with one session of two; total 10
        [("session", Track.PARTY, "2"), ("online", Track.PARTY, "2")]
        + [("session", Track.SKILLS, "2"), ("online", Track.SKILLS, "4")],
        ["技能培训还差 1 次集中培训"],
    ),
}


def study(person, rows):
    for how, track, hours in rows:
        if how == "session":
            session(person, hours, track=track)
        else:
            credit(person, hours, track=track)


@pytest.mark.parametrize("short_of", list(ONE_THING_SHORT))
def test_a_member_short_of_any_one_threshold_has_not_met_the_program(township, village_a, short_of):
    program(township)
    rows, missing = ONE_THING_SHORT[short_of]
    member = PersonFactory(village=village_a, is_party_member=True)
    study(member, rows)
    last_years_study(member)

    standing = person_standing(person=member, year=2026)

    with translation.override("zh-hans"):
        assert standing.missing == missing
    assert not standing.met
    assert met_ids() == set()
    assert subject_ids() == {member.pk}


def test_a_member_at_every_line_exactly_has_met_the_program(township, village_a):
    program(township)
    member = PersonFactory(village=village_a, is_party_member=True)
    # party 2 + 2 = 4 with a session; skills 2 × 2 + 2 = 6 with two sessions; total 10
    study(
        member,
        [("session", Track.PARTY, "2"), ("online", Track.PARTY, "2")]
        + [("session", Track.SKILLS, "2")] * 2
        + [("online", Track.SKILLS, "2")],
    )

    standing = person_standing(person=member, year=2026)

    assert (standing.year, standing.met, standing.missing) == (2026, True, [])
    assert met_ids() == {member.pk}


def test_a_track_the_program_asks_nothing_of_needs_no_hours(township, village_a):
    program(
        township,
        total_hours=Decimal("2"),
        party_hours=Decimal("0"),
        skills_hours=Decimal("0"),
        party_sessions=0,
        skills_sessions=0,
    )
    member = PersonFactory(village=village_a, is_party_member=True)
    credit(member, "2", track=Track.SKILLS)  # nothing at all in party education

    assert person_standing(person=member, year=2026).met
    assert met_ids() == {member.pk}


def test_each_township_is_held_to_its_own_program(township, village_a):
    strict_member = PersonFactory(village=village_a, is_party_member=True)
    lenient = TownshipFactory(name="西岭镇")
    lenient_member = PersonFactory(
        village=VillageFactory(township=lenient, name="西岭村"), is_party_member=True
    )
    program(township)
    program(
        lenient,
        total_hours=Decimal("2"),
        party_hours=Decimal("0"),
        skills_hours=Decimal("0"),
        party_sessions=0,
        skills_sessions=1,
    )
    for member in (strict_member, lenient_member):
        session(member, track=Track.SKILLS)  # enough in 西岭镇, far from enough in 东沟乡

    assert met_ids() == {lenient_member.pk}
    assert not person_standing(person=strict_member, year=2026).met

    # Once the 东沟乡 member does it all, both townships have someone who met theirs.
    study(
        strict_member,
        [("session", Track.PARTY, "2"), ("online", Track.PARTY, "2")]
        + [("session", Track.SKILLS, "2"), ("online", Track.SKILLS, "2")],
    )
    assert met_ids() == {strict_member.pk, lenient_member.pk}
    assert met_ids(Person.objects.filter(pk=strict_member.pk)) == {strict_member.pk}


def test_a_program_of_another_year_or_township_does_not_apply(township, village_a):
    program(township, year=2025)
    program(
        TownshipFactory(name="丁村乡"),
        total_hours=Decimal("1"),
        party_hours=Decimal("0"),
        skills_hours=Decimal("0"),
        party_sessions=0,
        skills_sessions=0,
    )
    member = PersonFactory(village=village_a, is_party_member=True)
    credit(member, "3", track=Track.PARTY)

    standing = person_standing(person=member, year=2026)

    # 东沟乡 has no program for 2026: nothing is required of the member, and the township's
    # 达标率 has nobody subject to it.
    assert standing.requirement is None
    assert (standing.total.required, standing.total.earned) == (0, 3)
    assert subject_ids() == set()
    assert met_ids() == set()


def test_on_the_last_day_of_a_leap_year_the_pace_is_the_whole_requirement(township, village_a):
    requirement = program(township, year=2028, total_hours=Decimal("36"))
    member = PersonFactory(village=village_a, is_party_member=True)
    credit(member, "36", track=Track.PARTY, on=datetime.date(2028, 6, 1))

    last_day = datetime.date(2028, 12, 31)

    assert pace_required(requirement=requirement, on=last_day) == Decimal("36.00")
    assert not list(members_behind(township=township, year=2028, on=last_day))


def test_members_behind_by_village_then_name_and_only_this_years_hours(
    township, village_a, village_b
):
    program(township, total_hours=Decimal("36"))
    li = PersonFactory(village=village_a, name="李四", is_party_member=True)
    ding = PersonFactory(village=village_b, name="丁一", is_party_member=True)
    zhang = PersonFactory(village=village_a, name="张三", is_party_member=True)
    credit(zhang, "30", track=Track.PARTY, on=datetime.date(2025, 12, 1))  # last year's
    credit(zhang, "1", track=Track.PARTY, on=datetime.date(2026, 2, 1))

    # The township may be given by its id too.
    behind = list(members_behind(township=township.pk, year=2026, on=datetime.date(2026, 7, 1)))

    # 东沟村 before 西沟村; in 东沟村 张三 before 李四 (by name, not by who was added first).
    assert [(p.name, p.earned, p.pace) for p in behind] == [
        ("张三", Decimal("1"), Decimal("17.95")),
        ("李四", Decimal("0"), Decimal("17.95")),
        ("丁一", Decimal("0"), Decimal("17.95")),
    ]
    assert [p.pk for p in behind] == [zhang.pk, li.pk, ding.pk]

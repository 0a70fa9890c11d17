"""A member's standing: hours earned by track against the township's annual requirement."""

import datetime
import itertools
from decimal import Decimal

import pytest

from lms.ledger.models import AnnualRequirement, StudyHoursEntry, Track
from lms.ledger.selectors import members_behind, person_standing
from lms.ledger.services import ledger_record
from tests.factories.people import PersonFactory, TownshipFactory, VillageFactory

pytestmark = pytest.mark.django_db
_source_ids = itertools.count(1)


def earn(person, hours, *, track=Track.PARTY, on=datetime.date(2026, 3, 1)):
    ledger_record(
        person_id=person.pk,
        on=on,
        hours=Decimal(hours),
        track=track,
        source_kind=StudyHoursEntry.Source.ATTENDANCE,
        source_id=next(_source_ids),
    )


@pytest.fixture
def requirement(township):
    return AnnualRequirement.objects.create(
        township=township,
        year=2026,
        total_hours=Decimal("36"),
        party_hours=Decimal("24"),
        skills_hours=Decimal("6"),
    )


@pytest.fixture
def member(village_a):
    return PersonFactory(village=village_a, is_party_member=True)


def test_standing_counts_each_track_and_the_total(member, requirement):
    earn(member, "10", track=Track.PARTY)
    earn(member, "8", track=Track.SKILLS)
    earn(member, "30", on=datetime.date(2025, 12, 31))  # last year's hours do not count

    standing = person_standing(person=member, year=2026)

    party, skills = standing.tracks[Track.PARTY], standing.tracks[Track.SKILLS]
    assert (party.required, party.earned, party.remaining) == (24, 10, 14)
    assert (skills.required, skills.earned, skills.remaining, skills.met) == (6, 8, 0, True)
    assert (standing.total.required, standing.total.earned, standing.total.remaining) == (
        36,
        18,
        18,
    )
    assert not standing.met


def test_enough_hours_in_total_but_not_in_a_track_is_not_met(member, requirement):
    earn(member, "36", track=Track.SKILLS)
    standing = person_standing(person=member, year=2026)
    assert standing.total.met
    assert not standing.tracks[Track.PARTY].met
    assert not standing.met


def test_standing_is_met_when_every_requirement_is(member, requirement):
    earn(member, "25", track=Track.PARTY)
    earn(member, "11", track=Track.SKILLS)
    assert person_standing(person=member, year=2026).met


def test_without_a_requirement_nothing_is_required(member):
    earn(member, "2")
    standing = person_standing(person=member, year=2026)
    assert standing.requirement is None
    assert standing.total.earned == 2
    assert standing.met


def test_members_behind_a_linear_pace(township, village_a, village_b, requirement):
    # 1 July 2026 is day 182: 36 × 182 / 365 = 17.95 hours due.
    on = datetime.date(2026, 7, 1)
    idle = PersonFactory(village=village_a, is_party_member=True)
    slow = PersonFactory(village=village_b, is_party_member=True)
    earn(slow, "17.5")
    on_pace = PersonFactory(village=village_a, is_party_member=True)
    earn(on_pace, "12", track=Track.PARTY)
    earn(on_pace, "6", track=Track.SKILLS)
    late_credit = PersonFactory(village=village_a, is_party_member=True)
    earn(late_credit, "30", on=datetime.date(2026, 8, 1))  # after `on`: not yet earned
    PersonFactory(village=village_a, is_party_member=False)  # not a member: no requirement
    elsewhere = VillageFactory(township=TownshipFactory(name="西岭镇"), name="西岭村")
    PersonFactory(village=elsewhere, is_party_member=True)

    behind = list(members_behind(township=township, year=2026, on=on))

    assert {person.pk for person in behind} == {idle.pk, slow.pk, late_credit.pk}
    by_pk = {person.pk: person for person in behind}
    assert by_pk[slow.pk].earned == Decimal("17.5")
    assert by_pk[idle.pk].earned == 0
    assert by_pk[idle.pk].pace == Decimal("17.95")


def test_early_in_the_year_little_is_due(township, member, requirement):
    earn(member, "0.5", on=datetime.date(2026, 1, 3))
    # 3 January: 36 × 3 / 365 = 0.30 hours due.
    assert not list(members_behind(township=township, year=2026, on=datetime.date(2026, 1, 3)))


def test_no_requirement_means_nobody_is_behind(township, member):
    assert not list(members_behind(township=township, year=2026, on=datetime.date(2026, 7, 1)))


def test_members_behind_is_one_query_however_many_members(
    township, village_a, requirement, django_assert_num_queries
):
    for _n in range(12):
        earn(PersonFactory(village=village_a, is_party_member=True), "1")

    # One query for the requirement, one aggregate for all members.
    with django_assert_num_queries(2):
        behind = list(members_behind(township=township, year=2026, on=datetime.date(2026, 7, 1)))
    assert len(behind) == 12

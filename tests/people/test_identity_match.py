import pytest

from lms.people.identity import normalize_name, phone_or_nothing
from lms.people.selectors import person_in_village
from tests.factories.people import PersonFactory

pytestmark = pytest.mark.django_db


def match_person(*, name, village, phone=""):
    """As the walk-in form asks: a typed name and phone, normalised, in a chosen village."""
    return person_in_village(
        name=normalize_name(name), village=village, phone=phone_or_nothing(phone)
    )


def test_same_name_in_one_village_is_told_apart_by_phone(village_a):
    first = PersonFactory(name="张伟", village=village_a, phone="13800000001")
    second = PersonFactory(name="张伟", village=village_a, phone="13800000002")

    assert match_person(name="张 伟", village=village_a, phone="138-0000-0002").person == second
    assert match_person(name="张伟", village=village_a, phone="+86 13800000001").person == first
    ambiguous = match_person(name="张伟", village=village_a)
    assert ambiguous.is_ambiguous and {known.person for known in ambiguous.candidates} == {
        first,
        second,
    }


def test_one_person_of_that_name_matches_without_a_phone(village_a, village_b):
    person = PersonFactory(name="李秀兰", village=village_a, phone="13800000003")
    PersonFactory(name="李秀兰", village=village_b)

    assert match_person(name="李秀兰", village=village_a).person == person


def test_a_different_phone_on_record_is_a_different_person(village_a):
    PersonFactory(name="王强", village=village_a, phone="13800000004")

    match = match_person(name="王强", village=village_a, phone="13900000000")

    assert match.is_unknown


def test_someone_with_no_phone_on_record_is_matched_by_name(village_a):
    person = PersonFactory(name="赵芳", village=village_a, phone="")

    assert match_person(name="赵芳", village=village_a, phone="13900000009").person == person


def test_nobody_of_that_name_is_unknown(village_a):
    assert match_person(name="钱多多", village=village_a, phone="13900000010").is_unknown

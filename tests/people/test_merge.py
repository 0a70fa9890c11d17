"""Merging two records of one person: only administrators, and everything attached moves."""

import pytest
from django.contrib.messages import get_messages

from attendance.models import Registration
from lms.people.merging import merge_row_dropped
from lms.people.models import Person, PersonMerge
from lms.people.services import person_merge
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import (
    HouseholdFactory,
    PartyBranchFactory,
    PersonFactory,
    UserFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(client, admin_in_english):
    return client


def choose_url(person) -> str:
    return f"/admin/people/merge/{person.pk}/"


def merge_url(keep, duplicate) -> str:
    return f"/admin/people/merge/{keep.pk}/{duplicate.pk}/"


def message_texts(response) -> list[str]:
    return [str(message).strip() for message in get_messages(response.wsgi_request)]


@pytest.fixture
def kept(village_a):
    """The record entered by the secretary: ID number, no phone, no account."""
    return PersonFactory(name="张三", village=village_a, phone="", ethnicity="")


@pytest.fixture
def duplicate(village_a):
    """The record created when 张三 signed up on his phone."""
    return PersonFactory(
        name="张三",
        village=village_a,
        phone="13800000001",
        id_number="",
        ethnicity="汉族",
        is_party_member=True,
        household=HouseholdFactory(village=village_a, number="0042"),
        branch=PartyBranchFactory(village=village_a),
        user=UserFactory(username="13800000001"),
    )


# --- Merging ------------------------------------------------------------------------------------


def test_merge_moves_everything_attached_to_the_kept_record(
    client, administrator, kept, duplicate, village_b
):
    account, household, branch = duplicate.user, duplicate.household, duplicate.branch
    # A record of another model that points at the duplicate: an earlier merge into it.
    earlier = PersonMerge.objects.create(
        kept=duplicate, merged_person_id=999, merged_name="张叁", merged_by=administrator
    )
    client.force_login(administrator)

    response = client.post(merge_url(kept, duplicate))

    assert response.status_code == 302
    assert response["Location"] == f"/admin/people/inspect/{kept.pk}/"
    assert not Person.objects.filter(pk=duplicate.pk).exists()
    kept.refresh_from_db()
    assert kept.user == account
    assert kept.household == household
    assert kept.branch == branch
    earlier.refresh_from_db()
    assert earlier.kept == kept
    merge = PersonMerge.objects.exclude(pk=earlier.pk).get()
    assert (merge.kept, merge.merged_person_id, merge.merged_name, merge.merged_by) == (
        kept,
        duplicate.pk,
        "张三",
        administrator,
    )
    assert merge.moved == {"people.PersonMerge.kept": {"moved": 1, "dropped": 0}}
    assert message_texts(response) == [f"张三 (record {duplicate.pk}) was merged into this record."]


def test_merge_fills_blank_fields_of_the_kept_record_and_keeps_the_rest(
    client, administrator, kept, duplicate
):
    id_number = kept.id_number
    kept.gender = "F"
    kept.save()
    duplicate.gender = "M"
    duplicate.save()
    client.force_login(administrator)

    client.post(merge_url(kept, duplicate))

    kept.refresh_from_db()
    assert kept.phone == "13800000001"  # blank: filled
    assert kept.ethnicity == "汉族"
    assert kept.is_party_member
    assert kept.id_number == id_number  # recorded: kept
    assert kept.gender == "F"


def test_merge_does_not_give_the_kept_record_a_household_of_another_village(
    administrator, village_a, village_b
):
    kept = PersonFactory(village=village_a)
    other_household = HouseholdFactory(village=village_b)
    duplicate = PersonFactory(village=village_b, id_number="", household=other_household, phone="")

    person_merge(keep=kept, duplicate=duplicate, by=administrator)

    kept.refresh_from_db()
    assert kept.household is None
    kept.full_clean()  # still a valid record


def test_merge_page_shows_both_records_side_by_side(client, administrator, kept, duplicate):
    client.force_login(administrator)

    response = client.get(merge_url(kept, duplicate))

    assert response.status_code == 200
    rows = {label: (left, right) for label, left, right in response.context["rows"]}
    assert rows["Phone"] == ("", "13800000001")  # an administrator sees identifiers in full
    assert rows["ID number"] == (kept.id_number, "")
    assert rows["Login account"][1] == duplicate.user
    assert 'method="POST"' in response.text
    assert merge_url(duplicate, kept) in response.text  # keep the other record instead


def test_choosing_a_duplicate_lists_likely_records_and_finds_others_by_phone(
    client, administrator, kept, duplicate, village_b
):
    namesake = PersonFactory(name="张三", village=village_b)
    stranger = PersonFactory(name="李四", village=village_b, phone="13900000009")
    client.force_login(administrator)

    response = client.get(choose_url(kept))
    listed = [candidate["person"] for candidate in response.context["candidates"]]
    assert set(listed) == {duplicate, namesake}
    assert merge_url(kept, duplicate) in response.text

    response = client.get(choose_url(kept), {"q": "139 0000 0009"})
    assert [candidate["person"] for candidate in response.context["candidates"]] == [stranger]


def test_merge_button_on_a_person_page_is_for_administrators_only(
    client, administrator, township_staff, kept
):
    client.force_login(administrator)
    for page in ["inspect", "edit"]:
        assert choose_url(kept) in client.get(f"/admin/people/{page}/{kept.pk}/").text

    client.force_login(township_staff)
    for page in ["inspect", "edit"]:
        response = client.get(f"/admin/people/{page}/{kept.pk}/")
        assert response.status_code == 200
        assert choose_url(kept) not in response.text


# --- Refusals -----------------------------------------------------------------------------------


@pytest.mark.parametrize("staff", ["secretary_a", "organizer_a", "township_staff"])
def test_non_administrators_get_403_on_every_merge_url(request, client, staff, kept, duplicate):
    client.force_login(request.getfixturevalue(staff))

    assert client.get(choose_url(kept)).status_code == 403
    assert client.get(choose_url(kept), {"q": "张"}).status_code == 403
    assert client.get(merge_url(kept, duplicate)).status_code == 403
    assert client.post(merge_url(kept, duplicate)).status_code == 403
    assert client.get("/admin/people/merge/999999/").status_code == 403  # reveals nothing

    assert Person.objects.filter(pk__in=[kept.pk, duplicate.pk]).count() == 2
    assert not PersonMerge.objects.exists()


def test_learner_cannot_reach_merge(client, kept, duplicate):
    learner = UserFactory(username="learner")
    client.force_login(learner)

    response = client.post(merge_url(kept, duplicate))

    assert response.status_code == 302  # to the login page
    assert Person.objects.filter(pk__in=[kept.pk, duplicate.pk]).count() == 2


def two_people_with_different_ids(village):
    return PersonFactory(name="王五", village=village), PersonFactory(name="王五", village=village)


def two_people_with_accounts(village):
    return (
        PersonFactory(village=village, id_number="", user=UserFactory()),
        PersonFactory(village=village, id_number="", user=UserFactory()),
    )


def one_person_twice(village):
    person = PersonFactory(village=village)
    return person, person


@pytest.mark.parametrize(
    "records, reason",
    [
        (two_people_with_different_ids, "different ID numbers"),
        (two_people_with_accounts, "Both records have a login account"),
        (one_person_twice, "cannot be merged with itself"),
    ],
)
def test_refused_merge_says_why_and_leaves_both_records(
    client, administrator, village_a, records, reason
):
    first, second = records(village_a)
    before = {person.pk: (person.name, person.phone, person.user_id) for person in (first, second)}
    client.force_login(administrator)

    response = client.post(merge_url(first, second))

    assert response.status_code == 200
    assert any(reason in text for text in message_texts(response))
    after = {
        person.pk: (person.name, person.phone, person.user_id)
        for person in Person.objects.filter(pk__in=before)
    }
    assert after == before
    assert not PersonMerge.objects.exists()


def test_merge_into_a_record_elsewhere_is_possible_for_an_administrator(
    client, administrator, kept, township
):
    """Administrators see every township: the duplicate may live in another village."""
    elsewhere = PersonFactory(
        name="张三", village=VillageFactory(township=township, name="南沟村"), id_number=""
    )
    client.force_login(administrator)

    client.post(merge_url(kept, elsewhere))

    assert not Person.objects.filter(pk=elsewhere.pk).exists()


# --- Equivalent records of both -------------------------------------------------------------


@pytest.mark.parametrize(
    "keep_registered", [True, False], ids=["registered kept", "cancelled kept"]
)
def test_merge_keeps_the_invitation_that_stands_whichever_record_is_kept(
    administrator, kept, duplicate, keep_registered
):
    """Of two equivalent records, the one its model ranks higher stays (merging.py); the
    kept person's row stays the row, and the apps are told which was dropped."""
    session = TrainingSessionFactory(village=kept.village)
    statuses = (Registration.Status.REGISTERED, Registration.Status.CANCELLED)
    kept_status, duplicate_status = statuses if keep_registered else reversed(statuses)
    kept_row = Registration.objects.create(session=session, person=kept, status=kept_status)
    Registration.objects.create(session=session, person=duplicate, status=duplicate_status)
    told = []

    def listener(sender, *, kept, kept_before, dropped, **kwargs):
        told.append((sender, kept.pk, kept_before.status, dropped.person_id))

    merge_row_dropped.connect(listener, sender=Registration)
    try:
        merge = person_merge(keep=kept, duplicate=duplicate, by=administrator)
    finally:
        merge_row_dropped.disconnect(listener, sender=Registration)

    registration = Registration.objects.get(session=session)
    assert (registration.pk, registration.person, registration.status) == (
        kept_row.pk,
        kept,
        Registration.Status.REGISTERED,
    )
    assert told == [(Registration, kept_row.pk, kept_status, duplicate.pk)]
    assert merge.moved["attendance.Registration.person"] == {"moved": 0, "dropped": 1}

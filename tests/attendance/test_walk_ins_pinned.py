"""Walk-ins, pinned (found by mutation testing): signing in and out by name, the organizer's
desk deciding who a walk-in is, and a person's own code. The clock stands still at
sign_in_support.NOW."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from attendance import sign_in
from attendance.exceptions import (
    PersonCodeInvalid,
    WalkInClosed,
)
from attendance.models import (
    AttendanceRecord,
    PendingWalkIn,
)
from attendance.services import attendance_mark
from lms.people.models import Person
from tests.attendance.sign_in_support import (
    CHOOSE_LISTED,
    END,
    ENTER_NAME,
    MINUTE,
    NO_SIGN_IN_FOUND,
    NOW,
    PERSON_CODE_INVALID,
    TOMORROW,
    TOWNSHIP_VILLAGE,
    WALK_IN_DEALT_WITH,
    Method,
    Status,
    refusal,
    sign_in_early,
)
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory, TownshipFactory, VillageFactory

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=False)]


# --- Walk-ins --------------------------------------------------------------------------------


def test_a_new_walk_in_is_created_and_signed_in_at_the_moment_given(tomorrow, village_b):
    first = sign_in.walk_in_sign_in(
        session=tomorrow, name="赵新来", village=village_b, phone="13700000009", at=TOMORROW
    )
    again = sign_in.walk_in_sign_in(
        session=tomorrow, name="赵新来", village=village_b, phone="13700000009", at=TOMORROW
    )

    assert (first.person_created, first.newly) == (True, True)
    assert (again.person_created, again.newly) == (False, False)
    assert again.person == first.person
    assert first.record.signed_in_at == TOMORROW
    assert (first.person.phone, first.person.village) == ("13700000009", village_b)


def test_a_walk_in_on_the_roster_is_not_reported_as_new(session, farmer):
    result = sign_in.walk_in_sign_in(session=session, name="王大田", village=farmer.village)

    assert (result.person, result.person_created, result.newly) == (farmer, False, True)
    assert result.pending is None


def test_a_walk_in_is_told_what_is_missing(session):
    elsewhere = VillageFactory(township=TownshipFactory(name="南山乡"), name="南山村")

    no_name = refusal(sign_in.walk_in_sign_in, session=session, name=" ", village=session.village)
    wrong_village = refusal(
        sign_in.walk_in_sign_in, session=session, name="王五", village=elsewhere
    )

    assert (no_name, wrong_village) == (ENTER_NAME, TOWNSHIP_VILLAGE)


def test_an_ambiguous_walk_in_waits_with_their_phone_and_arrival_time(tomorrow, village_a):
    PersonFactory.create_batch(2, name="张伟", village=village_a, phone="")

    result = sign_in.walk_in_sign_in(
        session=tomorrow, name="张伟", village=village_a, phone="13600000002", at=TOMORROW
    )

    pending = PendingWalkIn.objects.get()
    assert result.pending == pending
    assert (pending.phone, pending.arrived_at, pending.status) == (
        "13600000002",
        TOMORROW,
        PendingWalkIn.Status.PENDING,
    )


def test_the_same_name_walking_in_after_the_organizer_decided_is_asked_again(
    session, village_a, organizer_a
):
    first, second = PersonFactory.create_batch(2, name="张伟", village=village_a, phone="")
    earlier = sign_in.walk_in_sign_in(session=session, name="张伟", village=village_a).pending
    sign_in.walk_in_resolve(pending=earlier, person=first, by=organizer_a)

    later = sign_in.walk_in_sign_in(session=session, name="张伟", village=village_a).pending

    assert later.pk != earlier.pk
    assert later.status == PendingWalkIn.Status.PENDING
    assert PendingWalkIn.objects.filter(status=PendingWalkIn.Status.PENDING).get() == later


# --- Walk-ins signing out --------------------------------------------------------------------


def test_a_walk_in_signs_out_by_name_during_the_grace_half_hour(village_a, leaving, farmer):
    other = TrainingSessionFactory(village=village_a, starts_at=leaving.starts_at, topic="另一期")
    sign_in_early(leaving, farmer)
    sign_in_early(other, farmer)  # the same morning, another room
    sign_in_early(leaving, PersonFactory(name="邻居", village=village_a))
    at_the_door = END + 10 * MINUTE

    record, changed = sign_in.walk_in_sign_out(
        session=leaving, name="王大田", village=village_a, at=at_the_door
    )

    assert changed is True
    assert (record.session_id, record.person_id) == (leaving.pk, farmer.pk)
    assert AttendanceRecord.objects.get(session=leaving, person=farmer).signed_out_at == (
        at_the_door
    )


def test_a_shared_name_is_told_apart_by_the_phone_when_signing_out(leaving, village_a):
    first = PersonFactory(name="张伟", village=village_a, phone="13600000001")
    second = PersonFactory(name="张伟", village=village_a, phone="13600000002")
    for person in (first, second):
        sign_in_early(leaving, person)

    record, changed = sign_in.walk_in_sign_out(
        session=leaving, name="张伟", village=village_a, phone="136 0000 0002", at=END
    )

    assert changed and record.person_id == second.pk


def test_a_namesake_excused_from_the_session_does_not_confuse_signing_out(leaving, village_a):
    excused = PersonFactory(name="张伟", village=village_a, phone="")
    came = PersonFactory(name="张伟", village=village_a, phone="")
    attendance_mark(
        session=leaving,
        person=excused,
        status=Status.EXCUSED,
        method=Method.ROLL_CALL,
        excused_by="村支书王明",
    )
    sign_in_early(leaving, came)

    record, _changed = sign_in.walk_in_sign_out(
        session=leaving, name="张伟", village=village_a, at=END
    )

    assert record.person_id == came.pk


def test_a_walk_in_who_never_signed_in_is_sent_to_the_desk(leaving, village_a, farmer):
    message = refusal(
        sign_in.walk_in_sign_out, session=leaving, name="王大田", village=village_a, at=END
    )

    assert message == NO_SIGN_IN_FOUND


# --- The organizer decides who a walk-in is --------------------------------------------------


@pytest.fixture
def namesakes(village_a, village_b):
    """Two 张伟 of 东沟村 without a phone, and one of 西沟村."""
    here = PersonFactory.create_batch(2, name="张伟", village=village_a, phone="")
    return here, PersonFactory(name="张伟", village=village_b, phone="")


def test_only_people_of_the_walk_ins_village_are_offered(
    session, village_a, namesakes, organizer_a
):
    here, over_there = namesakes
    pending = sign_in.walk_in_sign_in(session=session, name="张伟", village=village_a).pending

    offered = sign_in.walk_in_candidates(pending)
    with pytest.raises(WalkInClosed) as error:
        sign_in.walk_in_resolve(pending=pending, person=over_there, by=organizer_a)

    assert offered == here
    assert str(error.value) == CHOOSE_LISTED
    assert not AttendanceRecord.objects.exists()


def test_a_walk_in_decided_later_is_signed_in_as_of_their_arrival(
    session, village_a, namesakes, organizer_a, time_machine
):
    here, _ = namesakes
    pending = sign_in.walk_in_sign_in(session=session, name="张伟", village=village_a).pending
    time_machine.shift(datetime.timedelta(minutes=25))  # the organizer gets to it

    record, person = sign_in.walk_in_resolve(pending=pending, person=here[1], by=organizer_a)

    assert (record.signed_in_at, record.status, person) == (NOW, Status.PRESENT, here[1])
    pending.refresh_from_db()
    assert (pending.status, pending.person, pending.resolved_by, pending.resolved_at) == (
        PendingWalkIn.Status.RESOLVED,
        here[1],
        organizer_a,
        NOW + datetime.timedelta(minutes=25),
    )


def test_a_walk_in_decided_to_be_new_keeps_the_phone_they_gave(session, village_a, namesakes):
    pending = sign_in.walk_in_sign_in(
        session=session, name="张伟", village=village_a, phone="13600000003"
    ).pending

    _record, person = sign_in.walk_in_resolve(pending=pending, person=None, by=None)

    assert (person.name, person.village, person.phone) == ("张伟", village_a, "13600000003")
    pending.refresh_from_db()
    assert (pending.person, pending.resolved_by) == (person, None)


def test_the_organizer_dismisses_a_walk_in_once(session, village_a, namesakes, organizer_a):
    pending = sign_in.walk_in_sign_in(session=session, name="张伟", village=village_a).pending

    dismissed = sign_in.walk_in_dismiss(pending=pending, by=organizer_a)
    with pytest.raises(WalkInClosed) as again:
        sign_in.walk_in_dismiss(pending=pending, by=organizer_a)
    with pytest.raises(WalkInClosed):
        sign_in.walk_in_resolve(pending=pending, person=None, by=organizer_a)

    stored = PendingWalkIn.objects.get()
    assert dismissed.pk == stored.pk
    assert (stored.status, stored.person, stored.resolved_by, stored.resolved_at) == (
        PendingWalkIn.Status.DISMISSED,
        None,
        organizer_a,
        NOW,
    )
    assert str(again.value) == WALK_IN_DEALT_WITH
    assert not AttendanceRecord.objects.exists()
    assert Person.objects.filter(name="张伟").count() == 3


def test_a_resolved_walk_in_cannot_be_dismissed(session, village_a, namesakes, organizer_a):
    here, _ = namesakes
    pending = sign_in.walk_in_sign_in(session=session, name="张伟", village=village_a).pending
    sign_in.walk_in_resolve(pending=pending, person=here[0], by=organizer_a)

    with pytest.raises(WalkInClosed):
        sign_in.walk_in_dismiss(pending=pending, by=organizer_a)

    assert PendingWalkIn.objects.get().status == PendingWalkIn.Status.RESOLVED


@pytest.mark.parametrize("by", [None, AnonymousUser()], ids=["nobody", "anonymous"])
def test_a_walk_in_closed_without_a_logged_in_user_names_nobody(session, village_a, namesakes, by):
    pending = sign_in.walk_in_sign_in(session=session, name="张伟", village=village_a).pending

    sign_in.walk_in_dismiss(pending=pending, by=by)

    stored = PendingWalkIn.objects.get()
    assert (stored.status, stored.resolved_by) == (PendingWalkIn.Status.DISMISSED, None)


# --- A person's own code ---------------------------------------------------------------------


def test_another_persons_id_with_my_check_digits_names_nobody(village_a):
    mine, theirs = PersonFactory.create_batch(2, village=village_a)
    check_digits = sign_in.person_code_make(mine)[-sign_in.PERSON_CHECK_DIGITS :]

    with pytest.raises(PersonCodeInvalid) as error:
        sign_in.person_code_read(f"{theirs.pk}{check_digits}")

    assert str(error.value) == PERSON_CODE_INVALID


def test_the_longest_code_a_card_carries_is_read(village_a):
    person = PersonFactory(pk=10**13 + 7, village=village_a)  # an id of 14 digits
    code = sign_in.person_code_make(person)

    assert len(code) == 18
    assert sign_in.person_code_read(code) == person


def test_a_scanned_person_code_signs_in_at_the_moment_given(tomorrow, farmer, organizer_a):
    record, changed = sign_in.person_code_sign_in(
        session=tomorrow, code=sign_in.person_code_make(farmer), by=organizer_a, at=TOMORROW
    )

    assert changed is True
    assert (record.person, record.signed_in_at, record.method) == (
        farmer,
        TOMORROW,
        Method.PERSON_QR,
    )

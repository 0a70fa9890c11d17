"""Scheduling: no venue or trainer in two places at once, weekly series in one step,
invitations with a waiting list, and hours that follow a session's changes."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from attendance.exceptions import BookingConflict, SessionCancelled, SessionHasAttendance
from attendance.models import AttendanceRecord, Registration, TrainingSession
from attendance.registrations import registration_cancel, registration_invite
from attendance.scheduling import (
    recurrence_dates,
    session_create,
    session_create_recurring,
    session_update,
)
from attendance.services import attendance_mark, session_cancel
from lms.ledger.models import StudyHoursEntry, Track
from tests.conftest import beijing
from tests.factories.attendance import TrainingSessionFactory, kind
from tests.factories.people import PartyBranchFactory, PersonFactory

pytestmark = pytest.mark.django_db
Status = Registration.Status


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, month, day, hour, minute))


def fields(village, **overrides) -> dict:
    values = {
        "kind": kind(),
        "topic": "日光温室番茄栽培",
        "track": Track.SKILLS,
        "village": village,
        "venue": "村委会会议室",
        "starts_at": at(5, 9),
        "ends_at": at(5, 11),
        "trainer_name": "",
        "study_hours": Decimal("2"),
    }
    return {**values, **overrides}


@pytest.fixture
def booked(village_a):
    """东沟村's meeting room, 5 March 9:00–11:00, trainer 县农业技术推广站."""
    return session_create(**fields(village_a, topic="马铃薯种植", trainer_name="县农业技术推广站"))


# --- Double-booking ---------------------------------------------------------------------------


def test_same_venue_at_an_overlapping_time_is_refused_naming_the_other_session(booked, village_a):
    with pytest.raises(BookingConflict) as refusal:
        session_create(**fields(village_a, starts_at=at(5, 10), ends_at=at(5, 12)))

    message = str(refusal.value)
    assert "马铃薯种植" in message
    assert "9:00–11:00" in message
    assert refusal.value.clashes[0].reason == "venue"
    assert TrainingSession.objects.count() == 1


def test_the_venue_is_the_same_however_it_is_spaced_or_cased(booked, village_a):
    with pytest.raises(BookingConflict):
        session_create(**fields(village_a, venue=" 村委会 会议室 "))


def test_a_venue_of_the_same_name_in_another_village_is_another_hall(booked, village_b):
    session_create(**fields(village_b))

    halls = TrainingSession.objects.filter(venue="村委会会议室", starts_at=at(5, 9))
    assert sorted(halls.values_list("village__name", flat=True)) == ["东沟村", "西沟村"]


def test_sessions_that_only_touch_do_not_clash(booked, village_a):
    after = session_create(
        **fields(village_a, starts_at=at(5, 11), ends_at=at(5, 12), trainer_name="县农业技术推广站")
    )
    before = session_create(
        **fields(village_a, starts_at=at(5, 8), ends_at=at(5, 9), trainer_name="县农业技术推广站")
    )

    booked_times = TrainingSession.objects.filter(trainer_name="县农业技术推广站").order_by(
        "starts_at"
    )
    assert [(s.pk, s.starts_at, s.ends_at) for s in booked_times] == [
        (before.pk, at(5, 8), at(5, 9)),
        (booked.pk, at(5, 9), at(5, 11)),
        (after.pk, at(5, 11), at(5, 12)),
    ]


def test_the_same_trainer_name_elsewhere_at_the_same_time_is_refused(booked, village_b):
    with pytest.raises(BookingConflict) as refusal:
        session_create(**fields(village_b, venue="西沟村小学", trainer_name="县农业技术推广站"))

    assert refusal.value.clashes[0].reason == "trainer"
    assert "县农业技术推广站" in str(refusal.value)


def test_the_same_trainer_person_elsewhere_at_the_same_time_is_refused(village_a, village_b):
    trainer = PersonFactory(name="张技术员", village=village_a)
    session_create(**fields(village_a, trainer_person=trainer))

    with pytest.raises(BookingConflict):
        session_create(
            **fields(village_b, venue="西沟村文化室", trainer_person=trainer, starts_at=at(5, 10))
        )


def test_a_cancelled_session_holds_neither_venue_nor_trainer(booked, village_a):
    session_cancel(session=booked)

    session = session_create(**fields(village_a, trainer_name="县农业技术推广站"))

    assert dict(TrainingSession.objects.values_list("pk", "status")) == {
        booked.pk: TrainingSession.Status.CANCELLED,
        session.pk: TrainingSession.Status.PLANNED,
    }


def test_moving_a_session_onto_another_is_refused_and_nothing_changes(booked, village_a):
    other = session_create(**fields(village_a, starts_at=at(6, 9), ends_at=at(6, 11)))

    with pytest.raises(BookingConflict):
        session_update(session=other, data={"starts_at": at(5, 10), "ends_at": at(5, 12)})

    other.refresh_from_db()
    assert other.starts_at == at(6, 9)


def test_a_session_does_not_clash_with_itself_when_edited(booked):
    session = session_update(session=booked, data={"topic": "马铃薯种植（二）"})

    assert session.topic == "马铃薯种植（二）"


# --- Weekly series ----------------------------------------------------------------------------


def test_recurrence_dates_every_tuesday_for_four_weeks():
    dates = recurrence_dates(first_date=datetime.date(2026, 3, 1), weekday=1, weeks=4)

    assert dates == [datetime.date(2026, 3, day) for day in (3, 10, 17, 24)]


def test_recurrence_dates_until_a_date_includes_that_date():
    dates = recurrence_dates(
        first_date=datetime.date(2026, 3, 3), weekday=1, until=datetime.date(2026, 3, 17)
    )

    assert dates == [datetime.date(2026, 3, day) for day in (3, 10, 17)]


def test_a_series_needs_weeks_or_an_end_but_not_both():
    with pytest.raises(ValidationError):
        recurrence_dates(first_date=datetime.date(2026, 3, 3), weekday=1)
    with pytest.raises(ValidationError):
        recurrence_dates(
            first_date=datetime.date(2026, 3, 3),
            weekday=1,
            weeks=2,
            until=datetime.date(2026, 4, 1),
        )


def series_fields(village) -> dict:
    fields_ = fields(village, topic="党员固定学习日", track=Track.PARTY, venue="党员活动室")
    del fields_["starts_at"], fields_["ends_at"]
    return fields_


def test_a_weekly_series_is_created_in_one_step_sharing_one_series_id(village_a):
    sessions = session_create_recurring(
        fields=series_fields(village_a),
        first_date=datetime.date(2026, 3, 1),
        weekday=1,
        start_time=datetime.time(9),
        end_time=datetime.time(11),
        weeks=10,
    )

    assert len(sessions) == 10
    assert len({session.series for session in sessions}) == 1
    assert sessions[0].series is not None
    first = timezone.localtime(sessions[0].starts_at)
    assert (first.date(), first.hour) == (datetime.date(2026, 3, 3), 9)
    assert all(timezone.localtime(s.starts_at).weekday() == 1 for s in sessions)
    assert TrainingSession.objects.filter(series=sessions[0].series).count() == 10


def test_a_series_with_a_clashing_date_creates_nothing_and_names_the_date(village_a):
    session_create(
        **fields(village_a, venue="党员活动室", starts_at=at(17, 10), ends_at=at(17, 12))
    )

    with pytest.raises(BookingConflict) as refusal:
        session_create_recurring(
            fields=series_fields(village_a),
            first_date=datetime.date(2026, 3, 1),
            weekday=1,
            start_time=datetime.time(9),
            end_time=datetime.time(11),
            weeks=4,
        )

    assert refusal.value.dates == [datetime.date(2026, 3, 17)]
    assert "3/17" in str(refusal.value) or "3月17日" in str(refusal.value)
    assert TrainingSession.objects.filter(topic="党员固定学习日").count() == 0


# --- Invitations and the waiting list ---------------------------------------------------------


def test_over_capacity_people_go_on_the_waiting_list_in_order(village_a):
    session = TrainingSessionFactory(village=village_a, capacity=2)
    people = [PersonFactory(name=name, village=village_a) for name in ["甲", "乙", "丙", "丁"]]

    counts = registration_invite(session=session, people=people)

    assert counts == {"registered": 2, "waitlisted": 2, "already": 0}
    statuses = {r.person.name: r.status for r in session.registrations.select_related("person")}
    assert statuses == {
        "甲": Status.REGISTERED,
        "乙": Status.REGISTERED,
        "丙": Status.WAITLISTED,
        "丁": Status.WAITLISTED,
    }


def test_cancelling_a_registration_promotes_the_first_waiting(village_a):
    session = TrainingSessionFactory(village=village_a, capacity=1)
    first, second, third = (PersonFactory(village=village_a) for _ in range(3))
    registration_invite(session=session, people=[first, second, third])
    registration = session.registrations.get(person=first)

    promoted = registration_cancel(registration=registration)

    assert promoted.person == second
    assert session.registrations.get(person=second).status == Status.REGISTERED
    assert session.registrations.get(person=third).status == Status.WAITLISTED
    assert session.registrations.get(person=first).status == Status.CANCELLED


def test_inviting_again_changes_nobody_already_invited(village_a):
    session = TrainingSessionFactory(village=village_a)
    person = PersonFactory(village=village_a)
    registration_invite(session=session, people=[person])

    counts = registration_invite(session=session, people=[person, person])

    assert counts == {"registered": 0, "waitlisted": 0, "already": 1}
    assert session.registrations.count() == 1


def test_someone_invited_again_after_cancelling_joins_the_end_of_the_queue(village_a):
    session = TrainingSessionFactory(village=village_a, capacity=1)
    first, second, third = (PersonFactory(village=village_a) for _ in range(3))
    registration_invite(session=session, people=[first, second])
    registration_cancel(registration=session.registrations.get(person=second))
    registration_invite(session=session, people=[third])

    registration_invite(session=session, people=[second])
    registration_cancel(registration=session.registrations.get(person=first))

    assert session.registrations.get(person=third).status == Status.REGISTERED
    assert session.registrations.get(person=second).status == Status.WAITLISTED


def test_inviting_a_village_can_take_party_members_only(village_a, village_b):
    session = TrainingSessionFactory(village=village_a)
    member = PersonFactory(village=village_a, is_party_member=True)
    PersonFactory(village=village_a, is_party_member=False)
    PersonFactory(village=village_b, is_party_member=True)

    registration_invite(session=session, village=village_a, party_members_only=True)

    assert list(session.registrations.values_list("person", flat=True)) == [member.pk]


def test_inviting_a_branch_invites_its_members(village_a):
    session = TrainingSessionFactory(village=village_a)
    branch = PartyBranchFactory(village=village_a)
    members = [PersonFactory(village=village_a, branch=branch) for _ in range(2)]
    PersonFactory(village=village_a)

    registration_invite(session=session, branch=branch)

    assert set(session.registrations.values_list("person", flat=True)) == {
        member.pk for member in members
    }


def test_raising_the_capacity_moves_people_up_from_the_waiting_list(village_a):
    session = TrainingSessionFactory(village=village_a, capacity=1)
    people = [PersonFactory(village=village_a) for _ in range(3)]
    registration_invite(session=session, people=people)

    session_update(session=session, data={"capacity": 2})

    assert session.registrations.filter(status=Status.REGISTERED).count() == 2


def test_nobody_can_be_invited_to_a_cancelled_session(village_a):
    session = TrainingSessionFactory(village=village_a, starts_at=at(5, 9))
    session_cancel(session=session)

    with pytest.raises(SessionCancelled):
        registration_invite(session=session, people=[PersonFactory(village=village_a)])


# --- Cancelling and the ledger ----------------------------------------------------------------


def test_a_session_people_came_to_cannot_be_cancelled(village_a):
    session = TrainingSessionFactory(village=village_a)
    attendance_mark(
        session=session,
        person=PersonFactory(village=village_a),
        status=AttendanceRecord.Status.PRESENT,
        method=AttendanceRecord.Method.ROLL_CALL,
    )

    with pytest.raises(SessionHasAttendance):
        session_cancel(session=session)


def credited(person) -> list[tuple]:
    return list(StudyHoursEntry.objects.filter(person=person).values_list("hours", "track", "date"))


def test_changing_the_study_hours_recomputes_what_attendees_were_credited(village_a):
    session = TrainingSessionFactory(village=village_a, study_hours=Decimal("2"))
    person = PersonFactory(village=village_a)
    attendance_mark(
        session=session,
        person=person,
        status=AttendanceRecord.Status.PRESENT,
        method=AttendanceRecord.Method.ROLL_CALL,
    )

    session_update(session=session, data={"study_hours": Decimal("3.5"), "track": Track.PARTY})

    [(hours, track, _date)] = credited(person)
    assert (hours, track) == (Decimal("3.5"), Track.PARTY)


def test_moving_a_session_to_another_day_moves_the_credit(village_a):
    session = TrainingSessionFactory(village=village_a, starts_at=at(5, 9))
    person = PersonFactory(village=village_a)
    attendance_mark(
        session=session,
        person=person,
        status=AttendanceRecord.Status.PRESENT,
        method=AttendanceRecord.Method.ROLL_CALL,
    )

    session_update(session=session, data={"starts_at": at(9, 9), "ends_at": at(9, 11)})

    [(_hours, _track, day)] = credited(person)
    assert day == datetime.date(2026, 3, 9)


# --- Demo data --------------------------------------------------------------------------------


@pytest.mark.time_machine(beijing(2027, 1, 15, 9, 0), tick=False)  # all of 2026 has been held
def test_demo_sessions_are_created_once(django_assert_max_num_queries):
    from attendance.demo import PLAN, seed_sessions
    from lms.people.demo import seed_people

    township = seed_people()["township"]

    first = seed_sessions(township, year=2026)
    with django_assert_max_num_queries(len(PLAN) + 5):
        again = seed_sessions(township, year=2026)

    assert first == {"created": len(PLAN), "records": 260}  # 16 sessions held, 1 cancelled
    assert again == {"created": 0, "records": 0}
    sessions = TrainingSession.objects.filter(code__startswith="DEMO-")
    assert sessions.count() == len(PLAN)
    assert sessions.filter(status=TrainingSession.Status.CANCELLED).count() == 1
    assert sessions.values("village").distinct().count() == 16

"""满意度: people who came rate a session once; the organizer sees the average and the
response rate (responses over the people who came)."""

import pytest
from django.urls import reverse

from attendance import sign_in
from attendance.exceptions import EvaluationRefused, SessionCancelled
from attendance.models import AttendanceRecord, Evaluation, TrainingSession
from attendance.selectors import session_evaluation_summary
from attendance.services import attendance_mark, attendance_sign_in
from lms.people.services import api_token_create, person_account_create
from tests.conftest import PASSWORD
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory

pytestmark = pytest.mark.django_db
Method = AttendanceRecord.Method
Status = AttendanceRecord.Status


@pytest.fixture
def session(village_a):
    return TrainingSessionFactory(village=village_a)


@pytest.fixture
def attendee(session):
    person = PersonFactory(name="来过的人", village=session.village)
    person_account_create(person=person, password=PASSWORD)
    attendance_sign_in(session=session, person=person, method=Method.QR)
    return person


def test_an_attendee_rates_the_session_from_their_phone(client, session, attendee):
    client.force_login(attendee.user)
    url = reverse("attendance:rate", args=[session.pk])

    form = client.get(url)
    client.post(url, {"satisfaction": "4", "comment": "讲得很实用"})

    assert form.status_code == 200 and 'name="satisfaction"' in form.content.decode()
    evaluation = Evaluation.objects.get()
    assert (evaluation.person, evaluation.satisfaction, evaluation.comment) == (
        attendee,
        4,
        "讲得很实用",
    )


def test_rating_twice_keeps_the_first_rating(client, session, attendee):
    client.force_login(attendee.user)
    url = reverse("attendance:rate", args=[session.pk])
    client.post(url, {"satisfaction": "5"})

    again = client.post(url, {"satisfaction": "1"})

    assert Evaluation.objects.get().satisfaction == 5
    assert "5 / 5" in again.content.decode()  # the page shows the rating already given
    with pytest.raises(EvaluationRefused):
        sign_in.evaluation_submit(session=session, person=attendee, satisfaction=2)


@pytest.mark.parametrize("status", [None, Status.EXCUSED, Status.ABSENT])
def test_only_people_who_came_may_rate(client, session, status):
    person = PersonFactory(village=session.village)
    person_account_create(person=person, password=PASSWORD)
    if status:
        attendance_mark(
            session=session,
            person=person,
            status=status,
            method=Method.ROLL_CALL,
            excused_by="王明",
        )
    client.force_login(person.user)

    response = client.post(reverse("attendance:rate", args=[session.pk]), {"satisfaction": "5"})

    assert response.status_code == 403
    assert not Evaluation.objects.exists()


def test_a_rating_outside_1_to_5_or_for_a_cancelled_session_is_refused(session, attendee):
    for wrong in (0, 6):
        with pytest.raises(EvaluationRefused):
            sign_in.evaluation_submit(session=session, person=attendee, satisfaction=wrong)
    TrainingSession.objects.filter(pk=session.pk).update(status=TrainingSession.Status.CANCELLED)
    session.refresh_from_db()
    with pytest.raises(SessionCancelled):
        sign_in.evaluation_submit(session=session, person=attendee, satisfaction=3)
    assert not Evaluation.objects.exists()


def test_a_walk_in_without_an_account_rates_from_the_phone_they_signed_in_with(client, session):
    client.get(reverse("attendance:token", args=[sign_in.sign_in_token_make(session=session)]))
    client.post(
        reverse("attendance:sign_in"),
        {"name": "新面孔", "village": session.village.pk, "phone": "13600000001"},
    )

    client.post(reverse("attendance:rate", args=[session.pk]), {"satisfaction": "3"})

    assert Evaluation.objects.get().person.name == "新面孔"
    other_phone = client.__class__()
    response = other_phone.get(reverse("attendance:rate", args=[session.pk]))
    assert reverse("accounts:login") in response.url


def test_the_organizer_sees_the_average_and_the_response_rate(
    client, session, organizer_a, attendee
):
    others = PersonFactory.create_batch(3, village=session.village)
    for person in others:
        attendance_sign_in(session=session, person=person, method=Method.CODE)
    sign_in.evaluation_submit(session=session, person=attendee, satisfaction=5)
    sign_in.evaluation_submit(session=session, person=others[0], satisfaction=4)
    absent = PersonFactory(village=session.village)
    attendance_mark(session=session, person=absent, status=Status.ABSENT, method=Method.MANUAL)

    summary = session_evaluation_summary(session)
    client.force_login(organizer_a)
    screen = client.get(f"/api/v1/attendance/sessions/{session.pk}/screen").json()
    detail = client.get(reverse("attendance:session", args=[session.pk]))

    assert summary == {"responses": 2, "came": 4, "average": 4.5, "response_rate": 0.5}
    assert screen["rating"] == summary
    assert detail.context["rating"] == summary
    assert "50%" in detail.content.decode()


def test_a_rating_stops_counting_when_the_record_is_corrected_to_absent(session, attendee):
    sign_in.evaluation_submit(session=session, person=attendee, satisfaction=2)
    attendance_mark(session=session, person=attendee, status=Status.ABSENT, method=Method.MANUAL)

    assert session_evaluation_summary(session) == {
        "responses": 0,
        "came": 0,
        "average": None,
        "response_rate": None,
    }


def test_rating_through_the_api(client, session, attendee):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=attendee.user)}"}
    url = f"/api/v1/attendance/sessions/{session.pk}/evaluation"

    first = client.post(url, {"satisfaction": 5}, content_type="application/json", **headers)
    second = client.post(url, {"satisfaction": 4}, content_type="application/json", **headers)
    out_of_range = client.post(url, {"satisfaction": 9}, content_type="application/json", **headers)

    assert first.status_code == 201
    assert second.status_code == 409
    assert out_of_range.status_code == 422

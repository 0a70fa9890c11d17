"""The sessions admin: organizers and secretaries see and change only their villages'
sessions, in every view; scheduling refuses double-booking with a form error; the session
page shows who came, how, and every change."""

from decimal import Decimal

import pytest
from django.utils import timezone

from attendance.models import (
    AttendanceRecord,
    Registration,
    SessionKind,
    SheetPhoto,
    TrainingSession,
)
from attendance.registrations import registration_invite
from attendance.services import attendance_mark
from lms.ledger.models import StudyHoursEntry, Track
from tests.attendance.admin_support import (
    CALENDAR,
    RECORDS,
    SESSIONS,
    at,
    photo_upload,
    session_form,
)
from tests.exports.support import export_rows
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


# --- Scope: a 西沟村 secretary never reaches a 东沟村 session ---------------------------------


def test_secretary_lists_only_own_village_sessions(client, secretary_a, session_a, session_b):
    client.force_login(secretary_a)

    response = client.get(SESSIONS)

    assert response.status_code == 200
    assert [s.topic for s in response.context["object_list"]] == ["东沟大棚蔬菜"]


def test_secretary_cannot_export_other_village(client, secretary_b, session_a, session_b):
    client.force_login(secretary_b)

    for export_format in ("csv", "xlsx"):
        rows = export_rows(client.get(SESSIONS, {"export": export_format}))
        topics = [row[1] for row in rows[1:]]
        assert topics == ["西沟养殖技术"]


@pytest.mark.parametrize(
    "path",
    [
        "inspect/{pk}/",
        "edit/{pk}/",
        "delete/{pk}/",
        "copy/{pk}/",
        "history/{pk}/",
        "{pk}/roster/",
        "{pk}/cancel/",
        "{pk}/photos/",
        "{pk}/sheet.pdf",
    ],
)
def test_secretary_of_another_village_gets_404_for_a_session(client, secretary_b, session_a, path):
    client.force_login(secretary_b)

    response = client.get(SESSIONS + path.format(pk=session_a.pk))

    assert response.status_code == 404


@pytest.mark.parametrize(
    "path", ["{pk}/cancel/", "{pk}/roster/", "{pk}/photos/", "edit/{pk}/", "delete/{pk}/"]
)
def test_secretary_of_another_village_cannot_post_to_a_session(
    client, secretary_b, session_a, path
):
    client.force_login(secretary_b)

    response = client.post(SESSIONS + path.format(pk=session_a.pk), {"mode": "village"})

    assert response.status_code == 404
    session_a.refresh_from_db()
    assert session_a.status == TrainingSession.Status.PLANNED


def test_secretary_of_another_village_cannot_cancel_an_invitation(
    client, secretary_b, session_a, village_a
):
    registration_invite(session=session_a, people=[PersonFactory(village=village_a)])
    registration = session_a.registrations.get()
    client.force_login(secretary_b)

    response = client.post(f"{SESSIONS}{session_a.pk}/roster/{registration.pk}/cancel/")

    assert response.status_code == 404
    registration.refresh_from_db()
    assert registration.status == Registration.Status.REGISTERED


def test_secretary_of_another_village_cannot_see_a_sheet_photo(
    client, secretary_a, secretary_b, session_a
):
    client.force_login(secretary_a)
    client.post(f"{SESSIONS}{session_a.pk}/photos/", {"photos": [photo_upload()]})
    photo = SheetPhoto.objects.get()
    client.force_login(secretary_b)

    response = client.get(f"{SESSIONS}{session_a.pk}/photos/{photo.pk}/")

    assert response.status_code == 404


def test_calendar_shows_only_sessions_in_scope(client, secretary_b, session_a, session_b):
    client.force_login(secretary_b)

    response = client.get(CALENDAR, {"month": "2026-03"})

    assert response.status_code == 200
    assert "西沟养殖技术" in response.text
    assert "东沟大棚蔬菜" not in response.text
    assert f"{SESSIONS}inspect/{session_b.pk}/" in response.text


def test_calendar_of_another_village_shows_nothing_of_it(client, secretary_b, village_a, session_a):
    client.force_login(secretary_b)

    response = client.get(CALENDAR, {"month": "2026-03", "village": village_a.pk})

    assert "东沟大棚蔬菜" not in response.text


def test_attendance_records_listing_is_scoped(client, secretary_b, session_a, session_b):
    for session in (session_a, session_b):
        attendance_mark(
            session=session,
            person=PersonFactory(village=session.village, name=f"{session.village.name}人"),
            status=AttendanceRecord.Status.PRESENT,
            method=AttendanceRecord.Method.ROLL_CALL,
        )
    client.force_login(secretary_b)

    response = client.get(RECORDS)

    assert response.status_code == 200
    assert [r.person.name for r in response.context["object_list"]] == ["西沟村人"]
    rows = export_rows(client.get(RECORDS, {"export": "csv"}))
    assert [row[3] for row in rows[1:]] == ["西沟村人"]
    assert client.get(RECORDS + "new/").status_code == 404


def test_township_staff_see_every_village_of_their_township(
    client, township_staff, session_a, session_b
):
    client.force_login(township_staff)

    response = client.get(SESSIONS)

    assert {s.topic for s in response.context["object_list"]} == {"东沟大棚蔬菜", "西沟养殖技术"}


def test_a_user_without_a_staff_role_is_refused(client, session_a):
    learner = UserFactory(username="learner")
    client.force_login(learner)

    assert client.get(CALENDAR).status_code in (302, 403)
    assert client.get(f"{SESSIONS}{session_a.pk}/sheet.pdf").status_code in (302, 403)


def test_listing_uses_a_fixed_number_of_queries(
    client, township_staff, village_a, django_assert_max_num_queries
):
    for day in range(1, 21):
        TrainingSessionFactory(village=village_a, starts_at=at(day, 9), ends_at=at(day, 10))
    client.force_login(township_staff)

    with django_assert_max_num_queries(25):
        response = client.get(SESSIONS)

    assert len(response.context["object_list"]) == 20


# --- Listing: filters, search, export ---------------------------------------------------------


def test_listing_filters_by_village_and_date(
    client, township_staff, session_a, session_b, village_b
):
    client.force_login(township_staff)

    by_village = client.get(SESSIONS, {"village": village_b.pk})
    by_date = client.get(SESSIONS, {"starts_at_from": "2026-03-05", "starts_at_to": "2026-03-05"})

    assert [s.topic for s in by_village.context["object_list"]] == ["西沟养殖技术"]
    assert [s.topic for s in by_date.context["object_list"]] == ["东沟大棚蔬菜"]


def test_listing_searches_topic_and_trainer(client, township_staff, session_a, session_b):
    client.force_login(township_staff)

    assert [s.topic for s in client.get(SESSIONS, {"q": "畜牧"}).context["object_list"]] == [
        "西沟养殖技术"
    ]
    assert [s.topic for s in client.get(SESSIONS, {"q": "大棚"}).context["object_list"]] == [
        "东沟大棚蔬菜"
    ]


def test_export_has_the_plan_import_headings_and_local_times(client, secretary_a, session_a):
    client.force_login(secretary_a)

    rows = export_rows(client.get(SESSIONS, {"export": "xlsx"}))

    header = rows[0]
    for heading in ["培训主题", "类别", "村", "地点", "开始时间", "结束时间", "学时", "讲师"]:
        assert heading in header
    row = dict(zip(header, rows[1], strict=True))
    assert row["开始时间"] == "2026-03-05 09:00"
    assert row["村"] == "东沟村"
    assert row["讲师"] == "县农业技术推广站"


# --- Scheduling in the admin ------------------------------------------------------------------


def test_organizer_schedules_a_session_in_their_village(client, organizer_a, village_a):
    client.force_login(organizer_a)

    response = client.post(SESSIONS + "new/", session_form(village_a))

    session = TrainingSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{SESSIONS}inspect/{session.pk}/"
    assert session.created_by == organizer_a
    assert timezone.localtime(session.starts_at).hour == 10


def test_organizer_is_not_offered_another_village(client, organizer_a, village_a, village_b):
    client.force_login(organizer_a)

    form = client.get(SESSIONS + "new/").context["form"]
    response = client.post(SESSIONS + "new/", session_form(village_b))

    assert list(form.fields["village"].queryset) == [village_a]
    assert response.status_code == 200
    assert "village" in response.context["form"].errors
    assert not TrainingSession.objects.exists()


def test_double_booking_the_venue_is_a_form_error_naming_the_other_session(
    client, organizer_a, village_a, session_a
):
    client.force_login(organizer_a)

    response = client.post(SESSIONS + "new/", session_form(village_a))

    assert response.status_code == 200
    errors = response.context["form"].errors["venue"]
    assert "东沟大棚蔬菜" in errors[0] and "9:00–11:00" in errors[0]
    assert TrainingSession.objects.count() == 1


def test_double_booking_the_trainer_is_a_form_error(client, township_staff, village_b, session_a):
    client.force_login(township_staff)

    response = client.post(
        SESSIONS + "new/",
        session_form(village_b, venue="西沟村小学", trainer_name="县农业技术推广站"),
    )

    assert response.status_code == 200
    assert "东沟大棚蔬菜" in response.context["form"].errors["trainer_name"][0]
    assert TrainingSession.objects.count() == 1


def test_moving_a_session_onto_another_is_a_form_error(client, organizer_a, village_a, session_a):
    other = TrainingSessionFactory(
        village=village_a, venue="村委会会议室", starts_at=at(6, 9), ends_at=at(6, 11)
    )
    client.force_login(organizer_a)

    response = client.post(
        f"{SESSIONS}edit/{other.pk}/",
        session_form(village_a, topic=other.topic, starts_at="2026-03-05 10:30"),
    )

    assert response.status_code == 200
    assert response.context["form"].errors["venue"]
    other.refresh_from_db()
    assert other.starts_at == at(6, 9)


def test_editing_the_hours_in_the_admin_recomputes_the_credit(client, organizer_a, session_a):
    person = PersonFactory(village=session_a.village)
    attendance_mark(
        session=session_a,
        person=person,
        status=AttendanceRecord.Status.PRESENT,
        method=AttendanceRecord.Method.ROLL_CALL,
    )
    client.force_login(organizer_a)

    response = client.post(
        f"{SESSIONS}edit/{session_a.pk}/",
        session_form(
            session_a.village,
            topic=session_a.topic,
            starts_at="2026-03-05 09:00",
            ends_at="2026-03-05 11:00",
            trainer_name="县农业技术推广站",
            study_hours="4",
        ),
    )

    assert response.status_code == 302
    assert StudyHoursEntry.objects.get(person=person).hours == Decimal("4")


def test_a_weekly_series_from_the_admin(client, organizer_a, village_a):
    client.force_login(organizer_a)

    response = client.post(
        SESSIONS + "series/new/",
        {
            **session_form(village_a, topic="党员固定学习日", track=Track.PARTY),
            "weekday": "1",
            "start_time": "09:00",
            "end_time": "11:00",
            "first_date": "2026-03-01",
            "weeks": "8",
            "until": "",
        },
    )

    assert response.status_code == 302
    sessions = TrainingSession.objects.filter(topic="党员固定学习日")
    assert sessions.count() == 8
    assert sessions.values("series").distinct().count() == 1


def test_a_weekly_series_that_clashes_lists_the_dates_and_creates_nothing(
    client, organizer_a, village_a, session_a
):
    client.force_login(organizer_a)

    response = client.post(
        SESSIONS + "series/new/",
        {
            **session_form(village_a, topic="党员固定学习日"),
            "weekday": "3",  # Thursdays: 5 March is one
            "start_time": "10:00",
            "end_time": "11:30",
            "first_date": "2026-03-01",
            "weeks": "4",
            "until": "",
        },
    )

    assert response.status_code == 200
    message = " ".join(response.context["form"].non_field_errors())
    assert "东沟大棚蔬菜" in message
    assert TrainingSession.objects.filter(topic="党员固定学习日").count() == 0


def test_township_staff_extend_the_session_kinds(client, township_staff):
    client.force_login(township_staff)

    response = client.post("/admin/attendance/kinds/new/", {"name": "科普讲座", "sort_order": 50})

    assert response.status_code == 302
    assert SessionKind.objects.filter(name="科普讲座").exists()

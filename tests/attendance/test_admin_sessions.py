"""The sessions admin: organizers and secretaries see and change only their villages'
sessions, in every view; scheduling refuses double-booking with a form error; the session
page shows who came, how, and every change."""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook
from PIL import Image

from attendance.models import (
    AttendanceRecord,
    Registration,
    SessionKind,
    SheetPhoto,
    TrainingSession,
)
from attendance.scheduling import registration_invite
from attendance.services import attendance_mark
from lms.ledger.models import StudyHoursEntry, Track
from lms.people.models import RoleAssignment
from lms.people.services import role_assign
from tests.factories.attendance import TrainingSessionFactory, kind
from tests.factories.people import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

SESSIONS = "/admin/attendance/sessions/"
CALENDAR = "/admin/attendance/calendar/"
RECORDS = "/admin/attendance/records/"


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, month, day, hour, minute))


@pytest.fixture
def secretary_b(township, village_b):
    """The village secretary of 西沟村 only."""
    user = UserFactory(username="secretary_b")
    role_assign(
        user=user, role=RoleAssignment.Role.SECRETARY, township=township, villages=[village_b]
    )
    return user


@pytest.fixture
def session_a(village_a):
    """东沟村, 5 March 2026 9:00–11:00 in the meeting room."""
    return TrainingSessionFactory(
        village=village_a,
        topic="东沟大棚蔬菜",
        venue="村委会会议室",
        starts_at=at(5, 9),
        ends_at=at(5, 11),
        trainer_name="县农业技术推广站",
    )


@pytest.fixture
def session_b(village_b):
    return TrainingSessionFactory(
        village=village_b,
        topic="西沟养殖技术",
        venue="西沟村文化室",
        starts_at=at(6, 9),
        ends_at=at(6, 11),
        trainer_name="县畜牧站",
    )


def session_form(village, **overrides) -> dict:
    data = {
        "topic": "马铃薯脱毒种薯",
        "kind": kind().pk,
        "track": Track.SKILLS,
        "audience": TrainingSession.Audience.EVERYONE,
        "starts_at": "2026-03-05 10:00",
        "ends_at": "2026-03-05 12:00",
        "village": village.pk,
        "venue": "村委会会议室",
        "trainer_person": "",
        "trainer_name": "",
        "study_hours": "2",
        "capacity": "",
        "code": "",
        "sign_in_opens_before": "30",
        "late_after": "15",
    }
    return {**data, **{key: str(value) for key, value in overrides.items()}}


def export_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    if response["Content-Type"].startswith("text/csv"):
        return list(csv.reader(io.StringIO(data.decode("utf-8"))))
    sheet = load_workbook(io.BytesIO(data), read_only=True).worksheets[0]
    return [
        ["" if cell is None else str(cell) for cell in row]
        for row in sheet.iter_rows(values_only=True)
    ]


def photo_upload(name="sheet.jpg", size=(40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


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


# --- Cancelling -------------------------------------------------------------------------------


def test_cancel_is_refused_with_its_message_once_people_came(client, organizer_a, session_a):
    attendance_mark(
        session=session_a,
        person=PersonFactory(village=session_a.village),
        status=AttendanceRecord.Status.PRESENT,
        method=AttendanceRecord.Method.ROLL_CALL,
    )
    client.force_login(organizer_a)

    response = client.post(f"{SESSIONS}{session_a.pk}/cancel/", follow=True)

    session_a.refresh_from_db()
    assert session_a.status == TrainingSession.Status.HELD
    assert any(
        "cannot be cancelled" in str(m) or "不能取消" in str(m)
        for m in response.context["messages"]
    )


def test_organizer_cancels_a_session_nobody_came_to(client, organizer_a, session_a):
    client.force_login(organizer_a)

    response = client.post(f"{SESSIONS}{session_a.pk}/cancel/")

    assert response.status_code == 302
    session_a.refresh_from_db()
    assert session_a.status == TrainingSession.Status.CANCELLED


def test_a_session_with_records_cannot_be_deleted(client, township_staff, session_a):
    attendance_mark(
        session=session_a,
        person=PersonFactory(village=session_a.village),
        status=AttendanceRecord.Status.ABSENT,
        method=AttendanceRecord.Method.ROLL_CALL,
    )
    client.force_login(township_staff)

    response = client.post(f"{SESSIONS}delete/{session_a.pk}/")

    assert response.status_code == 302
    assert TrainingSession.objects.filter(pk=session_a.pk).exists()


# --- Roster and invitations -------------------------------------------------------------------


def test_invite_a_village_with_a_waiting_list_and_promotion(client, organizer_a, session_a):
    session_a.capacity = 2
    session_a.save()
    people = [PersonFactory(village=session_a.village, name=n) for n in ["赵一", "钱二", "孙三"]]
    client.force_login(organizer_a)
    roster = f"{SESSIONS}{session_a.pk}/roster/"

    response = client.post(roster, {"mode": "village", "village": session_a.village.pk})

    assert response.status_code == 302
    page = client.get(roster)
    assert len(page.context["registered"]) == 2 and len(page.context["waitlisted"]) == 1
    first = session_a.registrations.get(person=people[0])
    client.post(f"{roster}{first.pk}/cancel/")
    assert session_a.registrations.get(person=people[2]).status == Registration.Status.REGISTERED


def test_the_people_search_offers_only_people_in_scope(client, organizer_a, session_a, village_b):
    PersonFactory(village=session_a.village, name="王东沟")
    outsider = PersonFactory(village=village_b, name="王西沟")
    client.force_login(organizer_a)
    roster = f"{SESSIONS}{session_a.pk}/roster/"

    page = client.get(roster, {"q": "王"})
    refused = client.post(roster + "?q=王", {"mode": "people", "people": [outsider.pk]})

    assert "王东沟" in page.text and "王西沟" not in page.text
    assert refused.status_code == 200
    assert "people" in refused.context["people_form"].errors
    assert not session_a.registrations.exists()


def test_roster_masks_phones_for_organizers(client, organizer_a, session_a):
    person = PersonFactory(village=session_a.village, phone="13812345678")
    registration_invite(session=session_a, people=[person])
    client.force_login(organizer_a)

    page = client.get(f"{SESSIONS}{session_a.pk}/roster/")

    assert "13812345678" not in page.text
    assert "138****5678" in page.text


# --- The session page, the printed sheet, photos ----------------------------------------------


def test_session_page_shows_records_history_counts_and_photos(client, organizer_a, session_a):
    came = PersonFactory(village=session_a.village, name="李来了")
    absent = PersonFactory(village=session_a.village, name="周没来")
    registration_invite(session=session_a, people=[came, absent])
    attendance_mark(
        session=session_a,
        person=came,
        status=AttendanceRecord.Status.ABSENT,
        method=AttendanceRecord.Method.ROLL_CALL,
        by=organizer_a,
    )
    attendance_mark(
        session=session_a,
        person=came,
        status=AttendanceRecord.Status.LATE,
        method=AttendanceRecord.Method.MANUAL,
        by=organizer_a,
        note="路上堵车",
    )
    client.force_login(organizer_a)
    client.post(f"{SESSIONS}{session_a.pk}/photos/", {"photos": [photo_upload(), photo_upload()]})

    response = client.get(f"{SESSIONS}inspect/{session_a.pk}/")

    assert response.status_code == 200
    assert response.context["counts"]["came"] == 1
    assert response.context["counts"]["invited"] == 2
    assert response.context["rate"] == 50
    assert "李来了" in response.text and "路上堵车" in response.text
    assert len(response.context["changes"]) == 2
    assert len(response.context["photos"]) == 2
    assert f"{SESSIONS}{session_a.pk}/sheet.pdf" in response.text
    photo_url = response.context["photos"][0]["url"]
    assert client.get(photo_url)["Content-Type"] == "image/jpeg"


def test_the_printed_sheet_is_served_from_the_session(client, secretary_a, session_a):
    client.force_login(secretary_a)

    response = client.get(f"{SESSIONS}{session_a.pk}/sheet.pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_a_file_that_is_not_a_photo_is_refused(client, organizer_a, session_a):
    client.force_login(organizer_a)
    fake = SimpleUploadedFile("sheet.jpg", b"not an image", content_type="image/jpeg")

    response = client.post(f"{SESSIONS}{session_a.pk}/photos/", {"photos": [fake]})

    assert response.status_code == 200
    assert response.context["form"].errors["photos"]
    assert not SheetPhoto.objects.exists()


def test_a_sheet_photo_is_kept_without_its_location_metadata(client, organizer_a, session_a):
    client.force_login(organizer_a)

    client.post(f"{SESSIONS}{session_a.pk}/photos/", {"photos": [photo_upload(size=(3000, 2000))]})

    photo = SheetPhoto.objects.get()
    with Image.open(photo.image.open("rb")) as image:
        assert max(image.size) == 2400
        assert not image.getexif()
    assert photo.uploaded_by == organizer_a


def test_calendar_week_list_links_each_session(client, organizer_a, session_a):
    client.force_login(organizer_a)

    response = client.get(CALENDAR, {"week": "2026-03-02"})

    week = response.context["week_days"]
    assert [day["date"] for day in week][0] == datetime.date(2026, 3, 2)
    thursday = week[3]
    assert [item["session"].pk for item in thursday["sessions"]] == [session_a.pk]
    assert re.search(rf'href="{SESSIONS}inspect/{session_a.pk}/"', response.text)


def test_organizer_keeps_a_trainer_from_another_village_when_editing(
    client, organizer_a, session_a, village_b
):
    trainer = PersonFactory(village=village_b, name="西沟技术员")
    session_a.trainer_person = trainer
    session_a.trainer_name = ""
    session_a.save()
    client.force_login(organizer_a)

    response = client.post(
        f"{SESSIONS}edit/{session_a.pk}/",
        session_form(
            session_a.village,
            topic="东沟大棚蔬菜（改）",
            starts_at="2026-03-05 09:00",
            ends_at="2026-03-05 11:00",
            trainer_person=trainer.pk,
        ),
    )

    assert response.status_code == 302
    session_a.refresh_from_db()
    assert (session_a.topic, session_a.trainer_person) == ("东沟大棚蔬菜（改）", trainer)


def test_a_session_can_point_at_an_online_course(client, township_staff, village_a):
    from tests.factories import courses as build

    course = build.course("大棚蔬菜种植")
    session = TrainingSessionFactory(village=village_a, course=course)
    client.force_login(township_staff)

    page = client.get(f"/admin/attendance/sessions/inspect/{session.pk}/")
    form = client.get(f"/admin/attendance/sessions/edit/{session.pk}/")

    assert "大棚蔬菜种植" in page.content.decode()
    assert 'name="course"' in form.content.decode()

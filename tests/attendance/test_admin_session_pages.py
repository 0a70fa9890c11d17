"""The sessions admin beyond scheduling: cancelling, the roster and invitations, the session
page with who came and every change, the printed sheet and its photos."""

import datetime
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from attendance.models import (
    AttendanceRecord,
    Registration,
    SheetPhoto,
    TrainingSession,
)
from attendance.registrations import registration_invite
from attendance.services import attendance_mark
from lms.stats.selectors import StatsFilter, attendance_rate
from tests.attendance.admin_support import (
    CALENDAR,
    SESSIONS,
    photo_upload,
    session_form,
)
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory

pytestmark = pytest.mark.django_db


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


def test_walk_ins_count_as_came_but_not_in_the_attendance_rate(client, organizer_a, session_a):
    """Invited 2, one of them came, and 3 walk-ins: 4 came, and the rate is the statistics'
    50 % (invited who came over invited), not 200 %."""
    invited = PersonFactory.create_batch(2, village=session_a.village)
    registration_invite(session=session_a, people=invited)
    for person in [invited[0], *PersonFactory.create_batch(3, village=session_a.village)]:
        attendance_mark(
            session=session_a,
            person=person,
            status=AttendanceRecord.Status.PRESENT,
            method=AttendanceRecord.Method.ROLL_CALL,
            by=organizer_a,
        )
    client.force_login(organizer_a)

    response = client.get(f"{SESSIONS}inspect/{session_a.pk}/")

    counts = response.context["counts"]
    assert (counts["came"], counts["invited"], response.context["rate"]) == (4, 2, 50)
    assert re.search(r'data-count="rate"><strong>50%</strong>', response.text)
    day = session_a.local_date
    village = StatsFilter(date_from=day, date_to=day, village_ids=[session_a.village_id])
    assert attendance_rate(village)["rate"] == 0.5


def test_session_details_say_empty_and_yes_no_in_chinese(client, organizer_a, session_a):
    """A session without a course or a sign-out: "—" and 否, never Wagtail's None or False."""
    client.force_login(organizer_a)

    response = client.get(f"{SESSIONS}inspect/{session_a.pk}/")

    details = re.sub(r"<[^>]+>", " ", response.text.split('class="sy-details"', 1)[1])
    cells = details.split()
    assert not {"None", "True", "False"} & set(cells)
    assert "—" in cells and "否" in cells


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

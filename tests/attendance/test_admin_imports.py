"""The plan and sign-in sheet imports in the Wagtail admin: a preview first, nothing written
until the user confirms, and organizers limited to their own villages."""

import datetime
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.admin.imports import plan_import_header_button, sheet_import_button
from attendance.models import AttendanceRecord, TrainingSession
from attendance.services import attendance_mark
from lms.people.models import Person
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
PLAN_URL = "/admin/attendance/sessions/import/"
PLAN_CONFIRM_URL = "/admin/attendance/sessions/import/confirm/"
PLAN_HEADER = "编号,培训主题,类别,村,地点,开始时间,结束时间,学时,讲师"
SHEET_HEADER = "姓名,村,手机号,签到状态"


def sheet_url(session) -> str:
    return f"/admin/attendance/sessions/{session.pk}/import-sheet/"


def sheet_confirm_url(session) -> str:
    return f"/admin/attendance/sessions/{session.pk}/import-sheet/confirm/"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Each test keeps its uploads to itself, so it can see what is stored."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def client(client, admin_in_english):
    return client


@pytest.fixture
def session(village_a):
    return TrainingSessionFactory(village=village_a, study_hours=Decimal("2"))


def csv_file(header: str, *lines: str, name="file.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, "\n".join([header, *lines]).encode("utf-8"), "text/csv")


def preview_actions(response) -> dict[int, str]:
    return {
        int(number): action
        for number, action in re.findall(r'data-row="(\d+)" data-action="(\w+)"', response.text)
    }


def preview_errors(response) -> dict[int, str]:
    return {error.number: "；".join(error.messages) for error in response.context["errors"]}


def token_of(response) -> str:
    return response.context["token"]


def stored_uploads() -> list[str]:
    if not default_storage.exists("imports"):
        return []
    return default_storage.listdir("imports")[1]


def message_texts(response) -> list[str]:
    return [str(message).strip() for message in get_messages(response.wsgi_request)]


# --- The training plan ------------------------------------------------------------------------


def test_plan_preview_shows_each_row_and_writes_nothing(client, township_staff, village_a):
    existing = TrainingSessionFactory(
        village=village_a,
        code="P-1",
        topic="大棚蔬菜",
        starts_at=datetime.datetime(2026, 3, 5, 9, tzinfo=SHANGHAI),
        ends_at=datetime.datetime(2026, 3, 5, 11, tzinfo=SHANGHAI),
    )
    client.force_login(township_staff)

    response = client.post(PLAN_URL, {"file": csv_file(
        PLAN_HEADER,
        "P-1,大棚蔬菜,技能培训,东沟村,村委会议室,2026-03-05 09:00,11:30,2,县农技站",
        "P-2,党课,党性教育,东沟,党员活动室,2026/4/1 9:00,11:00,2,",
    )})  # fmt: skip

    assert response.status_code == 200
    assert preview_actions(response) == {2: "update", 3: "create"}
    assert "2026-04-01 09:00" in response.text
    assert TrainingSession.objects.count() == 1
    existing.refresh_from_db()
    assert existing.ends_at.astimezone(SHANGHAI).time() == datetime.time(11)
    assert token_of(response)
    assert len(stored_uploads()) == 1


def test_confirming_the_plan_writes_it(client, township_staff, village_a):
    client.force_login(township_staff)
    preview = client.post(PLAN_URL, {"file": csv_file(
        PLAN_HEADER, "P-2,党课,党性教育,东沟村,党员活动室,2026/4/1 9:00,11:00,2,",
    )})  # fmt: skip

    response = client.post(PLAN_CONFIRM_URL, {"token": token_of(preview), "confirm": "1"})

    assert response.status_code == 302
    session = TrainingSession.objects.get()
    assert (session.code, session.topic, session.created_by) == ("P-2", "党课", township_staff)
    assert "Training plan imported: 1 new, 0 updated, 0 unchanged." in message_texts(response)
    assert stored_uploads() == []


def test_plan_preview_names_bad_rows_and_offers_no_confirmation(client, township_staff, village_a):
    client.force_login(township_staff)

    response = client.post(PLAN_URL, {"file": csv_file(
        PLAN_HEADER,
        "P-1,好的一行,技能培训,东沟村,,2026-03-05 09:00,11:00,2,",
        "P-2,没有的村,技能培训,北沟村,,2026-03-05 09:00,11:00,2,",
        "P-3,先结束,技能培训,东沟村,,2026-03-06 09:00,08:00,2,",
    )})  # fmt: skip

    errors = preview_errors(response)
    assert sorted(errors) == [3, 4]
    assert "北沟村" in errors[3]
    assert 'name="token"' not in response.text
    assert stored_uploads() == []
    assert TrainingSession.objects.count() == 0


def test_organizer_imports_sessions_of_own_villages_only(client, organizer_a, village_a, village_b):
    TrainingSessionFactory(village=village_b, code="B-1", topic="西沟的课")
    client.force_login(organizer_a)

    response = client.post(PLAN_URL, {"file": csv_file(
        PLAN_HEADER,
        "A-1,东沟的课,技能培训,东沟村,,2026-03-05 09:00,11:00,2,",
        "A-2,想办在西沟,技能培训,西沟村,,2026-03-06 09:00,11:00,2,",
        # Another village's session, by its number, moved into 东沟村:
        "B-1,西沟的课,技能培训,东沟村,,2026-03-07 09:00,11:00,2,",
    )})  # fmt: skip

    errors = preview_errors(response)
    assert sorted(errors) == [3, 4]
    assert "may not import sessions of 西沟村" in errors[3]
    assert "may not change" in errors[4]
    assert TrainingSession.objects.filter(village=village_a).count() == 0


def test_plan_confirmation_by_another_user_is_refused(
    client, township_staff, administrator, village_a
):
    client.force_login(township_staff)
    preview = client.post(PLAN_URL, {"file": csv_file(
        PLAN_HEADER, "P-2,党课,党性教育,东沟村,,2026/4/1 9:00,11:00,2,",
    )})  # fmt: skip
    client.force_login(administrator)

    response = client.post(PLAN_CONFIRM_URL, {"token": token_of(preview), "confirm": "1"})

    assert response.status_code == 302
    assert "This import is not valid; upload the file again." in message_texts(response)
    assert TrainingSession.objects.count() == 0


def test_learner_and_anonymous_visitor_cannot_import(client, village_a, session):
    learner = UserFactory(username="learner")
    PersonFactory(village=village_a, user=learner)
    client.force_login(learner)
    for url in (PLAN_URL, sheet_url(session)):
        assert client.get(url).status_code in (302, 403)
    client.logout()
    for url in (PLAN_URL, sheet_url(session)):
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_plan_import_button_is_offered_to_organizers(organizer_a):
    button = plan_import_header_button(organizer_a)
    assert button is not None and button.url == PLAN_URL


# --- A sign-in sheet --------------------------------------------------------------------------


def test_sheet_preview_shows_matches_and_new_people_and_writes_nothing(
    client, organizer_a, session, village_a
):
    PersonFactory(name="张伟", village=village_a, phone="13900000001")
    PersonFactory(name="张伟", village=village_a, phone="13900000002")
    client.force_login(organizer_a)

    response = client.get(sheet_url(session))
    assert response.status_code == 200
    response = client.post(sheet_url(session), {"file": csv_file(
        SHEET_HEADER,
        "张伟,东沟村,+86 139 0000 0002,出席",
        "孙八,东沟,13700000009,迟到",
    )})  # fmt: skip

    assert preview_actions(response) == {2: "create", 3: "create"}
    assert "data-new-person" in response.text and "added to the roster" in response.text
    assert "137****0009" in response.text  # masked for anyone but administrators
    assert "13700000009" not in response.text
    assert AttendanceRecord.objects.count() == 0
    assert not Person.objects.filter(name="孙八").exists()


def test_confirming_a_sheet_writes_the_records_as_its_importer(
    client, organizer_a, session, village_a
):
    farmer = PersonFactory(name="李四", village=village_a, phone="")
    client.force_login(organizer_a)
    preview = client.post(sheet_url(session), {"file": csv_file(
        SHEET_HEADER, "李四,东沟村,,出席", "孙八,东沟村,13700000009,请假",
    )})  # fmt: skip

    response = client.post(sheet_confirm_url(session), {"token": token_of(preview)})

    assert response.status_code == 302
    assert response["Location"].endswith(f"/{session.pk}/")
    record = session.attendance.get(person=farmer)
    assert (record.status, record.method, record.recorded_by) == ("present", "import", organizer_a)
    assert session.attendance.get(person__name="孙八").status == "excused"
    assert (
        "Sign-in sheet imported: 2 new, 0 updated, 0 unchanged; 1 people added to the roster."
        in message_texts(response)
    )


def test_sheet_of_another_village_session_is_not_found(client, organizer_a, village_b):
    other = TrainingSessionFactory(village=village_b)
    client.force_login(organizer_a)

    assert client.get(sheet_url(other)).status_code == 404
    response = client.post(sheet_url(other), {"file": csv_file(SHEET_HEADER, "李四,西沟村,,出席")})
    assert response.status_code == 404
    assert AttendanceRecord.objects.count() == 0


def test_a_sheet_token_cannot_be_confirmed_for_another_session(
    client, organizer_a, session, village_a
):
    PersonFactory(name="李四", village=village_a, phone="")
    second = TrainingSessionFactory(village=village_a, venue="另一个会议室", trainer_name="")
    client.force_login(organizer_a)
    preview = client.post(sheet_url(session), {"file": csv_file(SHEET_HEADER, "李四,东沟村,,出席")})

    response = client.post(sheet_confirm_url(second), {"token": token_of(preview)})

    assert "This import is not valid; upload the file again." in message_texts(response)
    assert AttendanceRecord.objects.count() == 0


def test_a_sheet_changed_since_the_preview_is_shown_again_not_written(
    client, organizer_a, session, village_a
):
    farmer = PersonFactory(name="李四", village=village_a, phone="")
    client.force_login(organizer_a)
    preview = client.post(sheet_url(session), {"file": csv_file(SHEET_HEADER, "李四,东沟村,,出席")})
    # Meanwhile the organizer ticks 李四 off at roll-call.
    attendance_mark(session=session, person=farmer, status="late", method="roll_call")

    response = client.post(sheet_confirm_url(session), {"token": token_of(preview)})

    assert response.status_code == 200
    assert response.context["changed"] is True
    assert preview_actions(response) == {2: "update"}
    assert session.attendance.get().status == "late"


def test_a_sheet_with_a_bad_row_offers_no_confirmation(client, organizer_a, session, village_a):
    PersonFactory(name="张伟", village=village_a, phone="13900000001")
    PersonFactory(name="张伟", village=village_a, phone="13900000002")
    client.force_login(organizer_a)

    response = client.post(sheet_url(session), {"file": csv_file(
        SHEET_HEADER, "张伟,东沟村,,出席", "王五,南沟村,,出席",
    )})  # fmt: skip

    errors = preview_errors(response)
    assert sorted(errors) == [2, 3]
    assert "2 people named 张伟" in errors[2]
    assert 'name="token"' not in response.text
    assert stored_uploads() == []


def test_sheet_import_button_is_offered_for_sessions_the_user_may_change(
    organizer_a, secretary_a, session, village_b
):
    assert sheet_import_button(organizer_a, session).url == sheet_url(session)
    assert sheet_import_button(secretary_a, session) is not None
    assert sheet_import_button(organizer_a, TrainingSessionFactory(village=village_b)) is None


def test_sheet_preview_takes_as_many_queries_for_a_long_sheet_as_for_a_short_one(
    client, organizer_a, session, village_a, django_assert_max_num_queries
):
    names = [f"村民{chr(0x4E00 + index)}" for index in range(60)]
    for name in names:
        PersonFactory(name=name, village=village_a)
    client.force_login(organizer_a)
    client.get(sheet_url(session))  # warm the caches of the user's role and scope

    def preview(count: int):
        lines = [f"{name},东沟村,,出席" for name in names[:count]]
        return client.post(sheet_url(session), {"file": csv_file(SHEET_HEADER, *lines)})

    with CaptureQueriesContext(connection) as short:
        assert len(preview_actions(preview(5))) == 5
    with django_assert_max_num_queries(len(short.captured_queries)):
        assert len(preview_actions(preview(60))) == 60

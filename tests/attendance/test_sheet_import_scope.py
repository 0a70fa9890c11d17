"""A paper sheet imported by a secretary reaches only her villages (issue 13): a row from
another village is refused, with its row number, unless that person is already on the
session's roster; nobody is added to another village's roster. The command (the operator)
imports every village."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from attendance.models import AttendanceRecord, Registration
from attendance.sheet_import import sheet_import_plan
from lms.people.models import Person
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory, VillageFactory

pytestmark = pytest.mark.django_db
HEADER = "姓名,村,手机号,签到状态"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def session(village_a):
    return TrainingSessionFactory(village=village_a, study_hours=Decimal("2"))


@pytest.fixture
def nangou(township):
    return VillageFactory(township=township, name="南沟村")


def sheet(*lines: str) -> bytes:
    return "\n".join([HEADER, *lines]).encode("utf-8")


def test_a_secretarys_sheet_refuses_rows_from_other_villages(session, secretary_a, nangou):
    PersonFactory(name="南沟人", village=nangou, phone="13700000001")

    plan = sheet_import_plan(
        sheet(
            "东沟人,东沟村,13700000002,出席",
            "南沟人,南沟村,13700000001,出席",
            "新南沟人,南沟村,13700000003,出席",
        ),
        "sheet.csv",
        session=session,
        user=secretary_a,
    )

    assert [row.name for row in plan.rows] == ["东沟人"]
    assert sorted(error.number for error in plan.errors) == [3, 4]
    assert "南沟村不是您负责的村" in plan.errors[0].messages[0]
    assert not plan.is_valid  # all or nothing: the secretary sees why and nothing is written


def test_someone_from_elsewhere_on_the_sessions_roster_may_be_recorded(
    session, secretary_a, nangou
):
    guest = PersonFactory(name="南沟人", village=nangou, phone="13700000001")
    Registration.objects.create(session=session, person=guest)

    plan = sheet_import_plan(
        sheet("南沟人,南沟村,13700000001,出席"), "sheet.csv", session=session, user=secretary_a
    )

    assert plan.is_valid and [row.person for row in plan.rows] == [guest]


def test_the_admin_preview_names_the_refused_row_and_offers_no_confirmation(
    client, session, secretary_a, nangou
):
    client.force_login(secretary_a)
    upload = SimpleUploadedFile("sheet.csv", sheet("新南沟人,南沟村,13700000003,出席"), "text/csv")

    response = client.post(
        f"/admin/attendance/sessions/{session.pk}/import-sheet/", {"file": upload}
    )

    assert response.status_code == 200
    assert [error.number for error in response.context["errors"]] == [2]
    assert "南沟村不是您负责的村" in response.content.decode()
    assert not response.context.get("token")  # nothing to confirm
    assert not Person.objects.filter(name="新南沟人").exists()
    assert not AttendanceRecord.objects.exists()


def test_the_operators_command_imports_any_village(session, nangou, tmp_path):
    path = tmp_path / "sheet.csv"
    path.write_bytes(sheet("新南沟人,南沟村,13700000003,出席"))

    call_command(
        "import_attendance", str(session.pk), str(path), stdout=io.StringIO(), stderr=io.StringIO()
    )

    assert AttendanceRecord.objects.get(session=session).person.village == nangou

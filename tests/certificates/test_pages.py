"""Verification by anyone, 我的证书, downloads by who may, and the organizer's pages."""

import io
import shutil
import subprocess
import zipfile

import pytest
from django.urls import reverse

from certificates import content, services
from certificates.models import Certificate, IssueBatch
from lms.people.services import person_account_create
from tests.conftest import PASSWORD, beijing

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(training, training_template):
    session, people = training
    certificate, _new = services.training_certificate_issue(
        session=session, person=people["张秀英"]
    )
    return certificate


def _text(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils is not installed (make test installs it)")
    path = tmp_path / "c.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


# --- Verification -------------------------------------------------------------------------------


def test_anyone_verifies_a_certificate_and_sees_a_masked_name(client, issued):
    response = client.get(reverse("certificates:verify", args=[issued.serial]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "此证书有效" in page and "张*英" in page and "张秀英" not in page
    assert "农民科技培训“马铃薯脱毒种薯繁育”" in page
    assert "中共东沟乡委员会" in page


def test_a_revoked_certificate_says_so_with_the_reason(client, issued, superuser):
    services.certificate_revoke(certificate=issued, by=superuser, reason="签到记录有误")

    page = client.get(reverse("certificates:verify", args=[issued.serial])).content.decode()

    assert "此证书已被撤销" in page and "签到记录有误" in page


def test_an_unknown_serial_reveals_nothing(client, issued):
    response = client.get(reverse("certificates:verify", args=["DG-2026-999999"]))

    assert response.status_code == 404
    assert "没有这个编号的证书" in response.content.decode()


def test_the_serial_is_read_as_printed(client, issued):
    typed = issued.serial.lower().replace("-", "-")
    response = client.get(reverse("certificates:verify", args=[typed]))

    assert response.status_code == 200


# --- 我的证书 and downloads ---------------------------------------------------------------------


def test_a_learner_finds_and_downloads_their_certificate(client, issued, tmp_path):
    person = issued.person
    person_account_create(person=person, password=PASSWORD)
    client.force_login(person.user)

    study = client.get(reverse("home:my_study")).content.decode()
    download = client.get(reverse("certificates:pdf", args=[issued.serial]))

    assert issued.serial in study and "我的证书" in study
    assert download["Content-Type"] == "application/pdf"
    text = _text(download.content, tmp_path)
    assert "张秀英" in text and issued.serial in text


def test_nobody_else_downloads_a_certificate(client, issued, training):
    _session, people = training
    other = people["李四"]
    person_account_create(person=other, password=PASSWORD)
    client.force_login(other.user)

    assert client.get(reverse("certificates:pdf", args=[issued.serial])).status_code == 404


def test_staff_download_within_their_villages_only(client, issued, secretary_a, village_b):
    from lms.people.models import RoleAssignment
    from tests.conftest import _staff

    other_secretary = _staff(
        "secretary_b", RoleAssignment.Role.SECRETARY, village_b.township, [village_b]
    )
    client.force_login(secretary_a)
    mine = client.get(reverse("certificates:pdf", args=[issued.serial]))
    client.force_login(other_secretary)
    theirs = client.get(reverse("certificates:pdf", args=[issued.serial]))
    client.logout()
    anonymous = client.get(reverse("certificates:pdf", args=[issued.serial]))

    assert mine.status_code == 200
    assert theirs.status_code == 404
    assert anonymous.status_code == 302


# --- The organizer's pages ----------------------------------------------------------------------


def test_an_organizer_issues_a_trainings_certificates_in_one_action(
    client, training, training_template, organizer_a, tasks_run_here, tmp_path
):
    session, _people = training
    client.force_login(organizer_a)
    page = client.get(reverse("training_sessions:inspect", args=[session.pk])).content.decode()
    assert reverse("certificates_admin:session", args=[session.pk]) in page

    with tasks_run_here():
        response = client.post(reverse("certificates_admin:session", args=[session.pk]))

    batch = IssueBatch.objects.get()
    assert response.url == reverse("certificates_admin:batch", args=[batch.pk])
    assert (batch.status, batch.done, batch.total, batch.errors) == ("done", 2, 2, [])
    assert Certificate.objects.filter(session=session).exclude(pdf="").count() == 2
    archive = client.get(reverse("certificates_admin:session_zip", args=[session.pk]))
    names = zipfile.ZipFile(io.BytesIO(archive.content)).namelist()
    assert sorted(name.split("-", 3)[-1] for name in names) == sorted(["李四.pdf", "张秀英.pdf"])
    booklet = client.get(reverse("certificates_admin:session_booklet", args=[session.pk]))
    text = _text(booklet.content, tmp_path)
    assert "李四" in text and "张秀英" in text


def test_another_villages_secretary_cannot_reach_a_sessions_certificates(
    client, training, training_template, village_b
):
    from lms.people.models import RoleAssignment
    from tests.conftest import _staff

    session, _people = training
    client.force_login(
        _staff("secretary_b", RoleAssignment.Role.SECRETARY, village_b.township, [village_b])
    )

    assert client.get(reverse("certificates_admin:session", args=[session.pk])).status_code == 404
    assert client.post(reverse("certificates_admin:session", args=[session.pk])).status_code == 404
    assert not IssueBatch.objects.exists()


def test_staff_revoke_in_the_admin_with_a_reason(client, issued, township_staff):
    client.force_login(township_staff)

    empty = client.post(reverse("certificates_admin:revoke", args=[issued.pk]), {"reason": ""})
    done = client.post(
        reverse("certificates_admin:revoke", args=[issued.pk]), {"reason": "重复发放"}
    )

    assert empty.status_code == 200
    assert done.status_code == 302
    issued.refresh_from_db()
    assert (issued.status, issued.revoked_reason, issued.revoked_by) == (
        "revoked",
        "重复发放",
        township_staff,
    )


def test_the_certificate_list_shows_my_villages_only(
    client, issued, training_template, organizer_a, village_b
):
    from attendance.services import attendance_mark
    from tests.factories.attendance import TrainingSessionFactory
    from tests.factories.people import PersonFactory

    elsewhere = TrainingSessionFactory(village=village_b)
    neighbour = PersonFactory(name="西沟人", village=village_b)
    attendance_mark(session=elsewhere, person=neighbour, status="present", method="roll_call")
    theirs, _ = services.training_certificate_issue(session=elsewhere, person=neighbour)
    client.force_login(organizer_a)

    listing = client.get(reverse("certificates_list:index")).content.decode()
    inspect = client.get(reverse("certificates_list:inspect", args=[theirs.pk]))

    assert issued.serial in listing and theirs.serial not in listing
    assert inspect.status_code == 404


def test_a_template_preview_is_a_sample_pdf(training_template, tmp_path):
    pdf = content.sample_pdf(training_template)

    text = _text(pdf, tmp_path)
    assert "张秀英" in text and "DG-2026-000000" in text and "培训证书" in text.replace(" ", "")


# --- Whose certificates staff see ---------------------------------------------------------------


@pytest.fixture
def visitor_certificate(training, training_template, village_b):
    """A 西沟村 farmer who came to 东沟村's training, and her training certificate."""
    from attendance.services import attendance_mark
    from tests.factories.people import PersonFactory

    session, _people = training
    visitor = PersonFactory(name="西沟人", village=village_b)
    attendance_mark(session=session, person=visitor, status="present", method="roll_call")
    certificate, _new = services.training_certificate_issue(session=session, person=visitor)
    return certificate


def test_the_organizer_sees_every_certificate_of_their_sessions_wherever_attendees_live(
    client, visitor_certificate, organizer_a
):
    """The organizer of 东沟村 downloaded 西沟人's certificate in the session's ZIP: the
    certificate list, its page, its PDF and its revoking answer them as well."""
    serial = visitor_certificate.serial
    client.force_login(organizer_a)

    listing = client.get(reverse("certificates_list:index")).content.decode()
    inspect = client.get(reverse("certificates_list:inspect", args=[visitor_certificate.pk]))
    pdf = client.get(reverse("certificates:pdf", args=[serial]))
    revoke = client.get(reverse("certificates_admin:revoke", args=[visitor_certificate.pk]))
    archive = client.get(
        reverse("certificates_admin:session_zip", args=[visitor_certificate.session_id])
    )

    assert serial in listing and "西沟人" in listing
    assert inspect.status_code == 200 and serial in inspect.content.decode()
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert revoke.status_code == 200
    assert any(serial in name for name in zipfile.ZipFile(io.BytesIO(archive.content)).namelist())


def test_the_attendees_own_village_secretary_and_the_attendee_still_see_it(
    client, visitor_certificate, secretary_b
):
    from tests.certificates.test_api import _bearer

    serial = visitor_certificate.serial
    client.force_login(secretary_b)
    listing = client.get(reverse("certificates_list:index")).content.decode()
    pdf = client.get(reverse("certificates:pdf", args=[serial]))
    person_account_create(person=visitor_certificate.person, password=PASSWORD)
    mine = client.get("/api/v1/certificates/", **_bearer(visitor_certificate.person.user)).json()

    assert serial in listing and pdf.status_code == 200
    assert [c["serial"] for c in mine] == [serial]


def test_a_secretary_of_an_unrelated_village_cannot_see_it(
    client, visitor_certificate, township, issued
):
    """Neither where the attendee lives nor where the training was held: not hers to see."""
    from lms.people.models import RoleAssignment
    from tests.conftest import _staff
    from tests.factories.people import VillageFactory

    elsewhere = VillageFactory(township=township, name="南沟村")
    client.force_login(_staff("secretary_c", RoleAssignment.Role.SECRETARY, township, [elsewhere]))
    serial = visitor_certificate.serial

    listing = client.get(reverse("certificates_list:index")).content.decode()
    inspect = client.get(reverse("certificates_list:inspect", args=[visitor_certificate.pk]))
    pdf = client.get(reverse("certificates:pdf", args=[serial]))
    revoke = client.post(
        reverse("certificates_admin:revoke", args=[visitor_certificate.pk]), {"reason": "x"}
    )

    assert serial not in listing and issued.serial not in listing
    assert (inspect.status_code, pdf.status_code, revoke.status_code) == (404, 404, 404)
    visitor_certificate.refresh_from_db()
    assert visitor_certificate.is_valid


def test_the_certificate_page_shows_when_it_was_issued_on_the_townships_clock(
    client, training, training_template, administrator, time_machine
):
    """Issued at 01:30 in Beijing (17:30 the day before in UTC): the page says 3月5日 01:30."""
    time_machine.move_to(beijing(2026, 3, 5, 1, 30), tick=False)
    session, people = training
    certificate, _ = services.training_certificate_issue(session=session, person=people["李四"])
    client.force_login(administrator)

    page = client.get(reverse("certificates_list:inspect", args=[certificate.pk])).content.decode()

    assert "2026年3月5日 01:30" in page and "17:30" not in page

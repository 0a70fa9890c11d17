"""一人一档: a village's records printed in one go, each verifiable; a learner's own."""

import re
import shutil
import subprocess

import pytest
from django.urls import reverse

from certificates import records
from certificates.models import Certificate, Kind
from lms.people.services import person_account_create
from tests.conftest import PASSWORD
from tests.factories.people import PersonFactory

pytestmark = pytest.mark.django_db


def _text(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils is not installed (make test installs it)")
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_a_secretary_prints_her_villages_records_in_one_go(
    client, training, training_template, secretary_a, village_a, tmp_path
):
    session, people = training
    for person in people.values():
        person.is_party_member = True
        person.save()
    year = session.local_date.year
    client.force_login(secretary_a)

    response = client.post(
        reverse("certificates_admin:records"),
        {"village": village_a.pk, "year": year, "party_members_only": "on"},
    )

    assert response["Content-Type"] == "application/pdf"
    text = _text(response.content, tmp_path)
    records = Certificate.objects.filter(kind=Kind.RECORD)
    assert records.count() == 4
    for person in people.values():
        assert person.name in text
    for record in records:
        assert record.serial in text
    assert "马铃薯脱毒种薯繁育" in text  # the session attended, in the record


def test_a_record_verifies_with_a_masked_name(
    client, training, training_template, secretary_a, village_a
):
    session, people = training
    client.force_login(secretary_a)
    client.post(
        reverse("certificates_admin:records"),
        {"village": village_a.pk, "year": session.local_date.year},
    )
    client.logout()
    record = Certificate.objects.filter(kind=Kind.RECORD, person=people["张秀英"]).get()

    page = client.get(reverse("certificates:verify", args=[record.serial])).content.decode()

    assert "此证书有效" in page and "张*英" in page and "张秀英" not in page


def test_a_secretary_cannot_print_another_villages_records(client, secretary_a, village_b):
    PersonFactory(village=village_b, is_party_member=True)
    client.force_login(secretary_a)

    response = client.post(
        reverse("certificates_admin:records"), {"village": village_b.pk, "year": 2026}
    )

    assert response.status_code == 200
    assert "village" in response.context["form"].errors
    assert not Certificate.objects.exists()


def test_a_learner_downloads_their_own_record(client, training, training_template, tmp_path):
    session, people = training
    person = people["李四"]
    person_account_create(person=person, password=PASSWORD)
    client.force_login(person.user)

    response = client.get(reverse("certificates:my_record", args=[session.local_date.year]))

    assert "李四" in _text(response.content, tmp_path)
    assert Certificate.objects.filter(kind=Kind.RECORD, person=person).count() == 1


def test_my_record_is_kept_as_printed_and_downloads_from_my_certificates(
    client, training, training_template, tmp_path
):
    session, people = training
    person = people["李四"]
    person_account_create(person=person, password=PASSWORD)
    client.force_login(person.user)
    printed = client.get(reverse("certificates:my_record", args=[session.local_date.year]))
    record = Certificate.objects.get(kind=Kind.RECORD, person=person)

    mine = client.get(reverse("certificates:mine")).content.decode()
    download = reverse("certificates:pdf", args=[record.serial])
    assert download in mine  # 我的证书 offers it
    response = client.get(download)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content == printed.content  # the record as printed that day, not a new one
    assert Certificate.objects.filter(kind=Kind.RECORD).count() == 1


def test_each_record_of_a_villages_print_is_kept_on_its_own(
    client, training, training_template, secretary_a, village_a, tmp_path
):
    session, people = training
    client.force_login(secretary_a)
    client.post(
        reverse("certificates_admin:records"),
        {"village": village_a.pk, "year": session.local_date.year},
    )

    for person in people.values():
        record = Certificate.objects.get(kind=Kind.RECORD, person=person)
        response = client.get(reverse("certificates:pdf", args=[record.serial]))
        assert response.status_code == 200
        text = _text(response.content, tmp_path)
        assert person.name in text and record.serial in text
        assert not any(other.name in text for other in people.values() if other != person)
        # numbered as a record of its own, not as page 3 of 4 of the village's print
        assert re.search(r"\b1\s*/\s*1\b", text)


def test_a_record_printed_before_records_were_kept_is_not_offered(client, training, tmp_path):
    session, people = training
    person = people["李四"]
    person_account_create(person=person, password=PASSWORD)
    record = records.record_issue(person=person, year=session.local_date.year)  # never stored
    client.force_login(person.user)

    mine = client.get(reverse("certificates:mine")).content.decode()
    response = client.get(reverse("certificates:pdf", args=[record.serial]))

    assert record.serial in mine  # listed, and verifiable
    assert reverse("certificates:pdf", args=[record.serial]) not in mine
    assert response.status_code == 404  # it cannot be made again as it was: not a new one
    assert Certificate.objects.filter(kind=Kind.RECORD).count() == 1

"""一人一档: a village's records printed in one go, each verifiable; a learner's own."""

import shutil
import subprocess

import pytest
from django.urls import reverse

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

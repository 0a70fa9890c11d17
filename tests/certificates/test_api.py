"""The certificates API: mine, public verification, issuing a training's in one call."""

import pytest
from django.urls import reverse

from certificates import services
from certificates.models import Certificate
from lms.people.services import api_token_create, person_account_create
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _bearer(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=user)}"}


def test_a_learner_lists_their_certificates(client, training, training_template):
    session, people = training
    certificate, _ = services.training_certificate_issue(session=session, person=people["李四"])
    person_account_create(person=people["李四"], password=PASSWORD)
    other = people["张秀英"]
    person_account_create(person=other, password=PASSWORD)

    mine = client.get("/api/v1/certificates/", **_bearer(people["李四"].user)).json()
    theirs = client.get("/api/v1/certificates/", **_bearer(other.user)).json()

    assert [(c["serial"], c["status"]) for c in mine] == [(certificate.serial, "valid")]
    assert mine[0]["pdf_url"] == f"/certificates/{certificate.serial}.pdf"
    assert theirs == []


def test_anyone_verifies_through_the_api_without_a_login(client, training, training_template):
    session, people = training
    certificate, _ = services.training_certificate_issue(session=session, person=people["张秀英"])

    found = client.get(f"/api/v1/certificates/verify/{certificate.serial}")
    unknown = client.get("/api/v1/certificates/verify/DG-2026-999999")

    assert found.status_code == 200
    assert (found.json()["name"], found.json()["status"]) == ("张*英", "valid")
    assert unknown.status_code == 404


def test_staff_issue_a_trainings_certificates_in_one_call(
    client,
    training,
    training_template,
    organizer_a,
    secretary_a,
    village_b,
    tasks_run_here,
):
    from lms.people.models import RoleAssignment
    from tests.conftest import _staff

    session, _people = training
    outsider = _staff("secretary_b", RoleAssignment.Role.SECRETARY, village_b.township, [village_b])

    refused = client.post(f"/api/v1/certificates/sessions/{session.pk}/issue", **_bearer(outsider))
    with tasks_run_here():
        started = client.post(
            f"/api/v1/certificates/sessions/{session.pk}/issue", **_bearer(organizer_a)
        )
    progress = client.get(
        f"/api/v1/certificates/batches/{started.json()['id']}", **_bearer(organizer_a)
    )

    assert refused.status_code == 404
    assert started.status_code == 202 and started.json()["total"] == 2
    assert (progress.json()["status"], progress.json()["done"]) == ("done", 2)
    assert Certificate.objects.filter(session=session).count() == 2


def test_a_record_that_cannot_be_served_has_no_pdf_url(client, training, training_template):
    """A study record printed before records were kept is listed and verifiable, but its PDF
    address would answer 404: the API gives none, and says so in its schema."""
    from certificates import records

    session, people = training
    person = people["李四"]
    person_account_create(person=person, password=PASSWORD)
    old = records.record_issue(person=person, year=session.local_date.year)  # never stored
    client.force_login(person.user)
    client.get(reverse("certificates:my_record", args=[session.local_date.year]))
    new = Certificate.objects.filter(kind="record").exclude(pk=old.pk).get()

    listed = {
        c["serial"]: c["pdf_url"]
        for c in client.get("/api/v1/certificates/", **_bearer(person.user)).json()
    }
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["CertificateOut"]

    assert listed == {old.serial: None, new.serial: f"/certificates/{new.serial}.pdf"}
    assert client.get(listed[new.serial]).status_code == 200
    assert client.get(f"/certificates/{old.serial}.pdf").status_code == 404
    assert {"type": "null"} in schema["properties"]["pdf_url"]["anyOf"]

"""Two records of one person merged: an issued certificate is never deleted. Where both
records held the certificate for the same thing, one stands on the kept person and the
other is revoked as replaced by it, and its serial still verifies."""

import datetime

import pytest

from certificates.models import Certificate, Kind
from certificates.services import course_certificate_issue, training_certificate_issue
from courses.models import Enrollment
from lms.people.services import person_merge
from tests.conftest import beijing
from tests.courses.study_support import T0, course_of, enrol, finish_every_lesson
from tests.factories.certificates import published_template
from tests.factories.people import PersonFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(beijing(2026, 4, 1, 9, 0), tick=False),
]


def _verification(client, certificate) -> str:
    return client.get(f"/verify/{certificate.serial}/").content.decode()


@pytest.mark.parametrize("keep_first", [True, False], ids=["first kept", "second kept"])
def test_both_records_certified_for_one_training_keep_both_serials(
    keep_first, client, training, training_template, administrator
):
    session, people = training
    first, second = people["张秀英"], people["李四"]
    second.id_number = ""  # the walk-in record a clerk made for the same woman
    second.save()
    certificates = {
        person.pk: training_certificate_issue(session=session, person=person)[0]
        for person in (first, second)
    }
    keep, duplicate = (first, second) if keep_first else (second, first)

    person_merge(keep=keep, duplicate=duplicate, by=administrator)

    standing = Certificate.objects.get(pk=certificates[keep.pk].pk)
    replaced = Certificate.objects.get(pk=certificates[duplicate.pk].pk)
    assert (standing.person_id, replaced.person_id) == (keep.pk, keep.pk)
    assert standing.is_valid and not replaced.is_valid
    assert replaced.superseded_by_id == standing.pk
    page = _verification(client, replaced)
    assert "已被撤销" in page and standing.serial in page
    assert "有效" in _verification(client, standing)
    again, issued_now = training_certificate_issue(session=session, person=keep)
    assert (again.pk, issued_now) == (standing.pk, False)


def test_the_valid_certificate_stands_when_the_kept_records_was_revoked(
    training, training_template, administrator
):
    from certificates.services import certificate_revoke

    session, people = training
    keep, duplicate = people["张秀英"], people["李四"]
    duplicate.id_number = ""
    duplicate.save()
    kept_certificate, _ = training_certificate_issue(session=session, person=keep)
    certificate_revoke(certificate=kept_certificate, by=administrator, reason="姓名有误")
    duplicate_certificate, _ = training_certificate_issue(session=session, person=duplicate)

    person_merge(keep=keep, duplicate=duplicate, by=administrator)

    duplicate_certificate.refresh_from_db()
    kept_certificate.refresh_from_db()
    assert duplicate_certificate.is_valid and duplicate_certificate.person_id == keep.pk
    assert kept_certificate.superseded_by_id == duplicate_certificate.pk
    assert kept_certificate.revoked_reason == "姓名有误"  # its own reason stays


@pytest.mark.parametrize("keep_first", [True, False], ids=["certified kept", "studying kept"])
def test_a_course_certificate_follows_the_enrolment_that_survives(
    keep_first, village_a, administrator
):
    published_template(Kind.COURSE)
    course = course_of(600)
    certified = PersonFactory(village=village_a, is_party_member=True)
    studying = PersonFactory(village=village_a, is_party_member=True, id_number="", phone="")
    enrol(certified, course)
    finish_every_lesson(certified, course, at=T0)
    certificate, _ = course_certificate_issue(
        enrollment=Enrollment.objects.get(person=certified, course=course)
    )
    enrol(studying, course)
    keep, duplicate = (certified, studying) if keep_first else (studying, certified)

    person_merge(keep=keep, duplicate=duplicate, by=administrator)

    certificate.refresh_from_db()
    enrollment = Enrollment.objects.get(person=keep, course=course)
    assert (certificate.person_id, certificate.enrollment_id) == (keep.pk, enrollment.pk)
    assert certificate.is_valid and enrollment.status == Enrollment.Status.COMPLETED


def test_both_records_certified_for_one_course_keep_both_serials(village_a, administrator):
    published_template(Kind.COURSE)
    course = course_of(600)
    keep = PersonFactory(village=village_a, is_party_member=True)
    duplicate = PersonFactory(village=village_a, is_party_member=True, id_number="", phone="")
    serials = []
    for person, at in ((keep, T0), (duplicate, T0 + datetime.timedelta(days=3))):
        enrol(person, course)
        finish_every_lesson(person, course, at=at)
        enrollment = Enrollment.objects.get(person=person, course=course)
        serials.append(course_certificate_issue(enrollment=enrollment)[0].serial)

    person_merge(keep=keep, duplicate=duplicate, by=administrator)

    on_file = {c.serial: c for c in Certificate.objects.filter(person=keep, kind=Kind.COURSE)}
    assert sorted(on_file) == sorted(serials)
    assert [c.is_valid for c in (on_file[serials[0]], on_file[serials[1]])] == [True, False]
    assert on_file[serials[1]].superseded_by == on_file[serials[0]]

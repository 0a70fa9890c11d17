"""Fifty phones signing the same person in at the same instant leave exactly one record.

Only PostgreSQL runs requests truly in parallel (SQLite serialises writers), so the test
needs it: skipped locally on SQLite, and a failure in CI (CI=true), which sets DATABASE_URL.
"""

import os
import threading

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from attendance import sign_in
from attendance.models import AttendanceChange, AttendanceRecord
from lms.ledger.models import StudyHoursEntry
from lms.people.services import person_account_create
from tests.conftest import PASSWORD
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory

PHONES = 50
ON_POSTGRESQL = connection.vendor == "postgresql"
IN_CI = os.environ.get("CI") == "true"

pytestmark = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # Skipped before any fixture runs, so a skipped test does not empty the database.
    pytest.mark.skipif(
        not ON_POSTGRESQL and not IN_CI, reason="needs PostgreSQL (DATABASE_URL=postgres://…)"
    ),
]


@pytest.fixture(autouse=True)
def _fail_in_ci_without_postgresql():
    if not ON_POSTGRESQL:
        pytest.fail("CI must run the concurrency tests on PostgreSQL: set DATABASE_URL")


@pytest.fixture(scope="module", autouse=True)
def _restore_migrated_data(django_db_setup, django_db_blocker):
    """A transactional test ends by emptying every table, taking away what migrations put
    there (Wagtail's root page, the built-in session kinds) from the tests that run after
    this module. Put it back from the copy that serialized_rollback keeps."""
    yield
    contents = getattr(connection, "_test_serialized_contents", None)
    if ON_POSTGRESQL and contents:
        with django_db_blocker.unblock():
            connection.creation.deserialize_db_from_string(contents)


def _in_parallel(work, count: int) -> list:
    """Run work(i) in `count` threads released at once; each thread's outcome or error."""
    start = threading.Barrier(count)
    outcomes: list = [None] * count

    def run(i):
        try:
            start.wait()
            outcomes[i] = work(i)
        except Exception as error:  # noqa: BLE001 — reported by the test, not swallowed
            outcomes[i] = error
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_fifty_simultaneous_scans_of_one_person_leave_one_record(village_a):
    session = TrainingSessionFactory(village=village_a)
    person = PersonFactory(village=village_a)
    person_account_create(person=person, password=PASSWORD)
    logged_in = Client()
    logged_in.force_login(person.user)
    cookies = logged_in.cookies
    url = reverse("attendance:token", args=[sign_in.sign_in_token_make(session=session)])

    def scan(_i):
        phone = Client()
        phone.cookies = cookies
        return phone.get(url).status_code

    outcomes = _in_parallel(scan, PHONES)

    assert outcomes == [302] * PHONES
    record = AttendanceRecord.objects.get(session=session, person=person)
    assert AttendanceChange.objects.filter(record=record).count() == 1
    assert StudyHoursEntry.objects.filter(person=person).count() == 1


def test_fifty_simultaneous_walk_ins_of_a_new_face_create_one_person(village_a):
    session = TrainingSessionFactory(village=village_a)

    def walk_in(_i):
        return sign_in.walk_in_sign_in(
            session=session, name="冯新人", village=village_a, phone="13500000001"
        ).record.pk

    outcomes = _in_parallel(walk_in, PHONES)

    assert all(isinstance(outcome, int) for outcome in outcomes), outcomes
    assert len(set(outcomes)) == 1
    assert village_a.people.filter(name="冯新人").count() == 1
    assert AttendanceRecord.objects.filter(session=session).count() == 1

"""A task round-trips through the real broker and a real worker (CI: Redis + PostgreSQL)."""

import os

import pytest
from django.conf import settings

from lms.home.tasks import service_health_task
from tests.factories.people import TownshipFactory

pytestmark = pytest.mark.services


@pytest.fixture(scope="module")
def celery_worker_on_broker(django_db_blocker):
    if not settings.CELERY_BROKER_URL:
        pytest.fail("CELERY_BROKER_URL must be set for the worker test (CI sets it).")
    if settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        pytest.skip("a worker thread cannot share SQLite's in-memory test database")
    from celery.contrib.testing.worker import start_worker

    from lms.celery import app

    with django_db_blocker.unblock(), start_worker(app, pool="solo", perform_ping_check=False):
        yield


@pytest.mark.django_db(transaction=True)
def test_task_runs_on_a_real_worker_and_reads_the_database(celery_worker_on_broker):
    TownshipFactory(name="东沟乡")
    TownshipFactory(name="西沟镇")

    result = service_health_task.delay()

    answer = result.get(timeout=30)
    assert answer["townships"] == 2
    assert answer["worker"]


def test_ci_runs_with_real_services():
    """In CI the suite must run on PostgreSQL with a Redis broker, never silently on SQLite."""
    if os.environ.get("CI") != "true":
        pytest.skip("only meaningful in CI")
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
    assert settings.CELERY_BROKER_URL.startswith("redis://")


@pytest.mark.django_db(transaction=True)
def test_a_year_of_statistics_is_exported_by_the_worker(celery_worker_on_broker, monkeypatch):
    import datetime

    from lms.stats.models import StatsExport
    from lms.stats.selectors import StatsFilter
    from lms.stats.services import stats_export_request
    from lms.stats.tasks import stats_export_task
    from tests.conftest import beijing
    from tests.factories.attendance import TrainingSessionFactory
    from tests.factories.people import UserFactory, VillageFactory

    queued = []  # the task as sent to the broker, to wait on its result rather than poll
    send = stats_export_task.delay
    monkeypatch.setattr(stats_export_task, "delay", lambda *args: queued.append(send(*args)))
    TrainingSessionFactory(
        village=VillageFactory(name="东沟村"), starts_at=beijing(2026, 3, 5, 9, 0)
    )
    export = stats_export_request(
        user=UserFactory(),
        f=StatsFilter(date_from=datetime.date(2026, 1, 1), date_to=datetime.date(2026, 12, 31)),
        format="xlsx",
    )

    assert [result.get(timeout=60) for result in queued] == [StatsExport.Status.READY]
    export.refresh_from_db()
    assert (export.status, export.progress) == (StatsExport.Status.READY, 100)
    assert export.file.size > 0


@pytest.mark.django_db(transaction=True)
def test_a_long_listing_is_exported_by_the_worker(
    celery_worker_on_broker, client, monkeypatch, settings
):
    from lms.exports.models import ListingExport
    from lms.exports.tasks import listing_export_task
    from lms.people.models import RoleAssignment
    from lms.people.services import role_assign
    from tests.exports.support import complete_rows, export_file_rows
    from tests.exports.test_listing_exports import make_records
    from tests.factories.people import UserFactory, VillageFactory

    queued = []
    send = listing_export_task.delay
    monkeypatch.setattr(listing_export_task, "delay", lambda *args: queued.append(send(*args)))
    settings.EXPORT_DIRECT_MAX_ROWS = 2
    village = VillageFactory(name="东沟村")
    make_records(village, 6)
    organizer = UserFactory(username="organizer")
    role_assign(
        user=organizer,
        role=RoleAssignment.Role.ORGANIZER,
        township=village.township,
        villages=[village],
    )
    client.force_login(organizer)

    response = client.get("/admin/attendance/records/", {"export": "csv"})

    assert response.status_code == 302
    assert [result.get(timeout=60) for result in queued] == [ListingExport.Status.READY]
    export = ListingExport.objects.get()
    with export.file.open("rb") as file:
        assert len(complete_rows(export_file_rows("text/csv", file.read()))) == 1 + 6

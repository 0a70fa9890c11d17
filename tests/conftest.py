import datetime
import os
import zoneinfo

import pytest

from lms.people.models import RoleAssignment
from lms.people.services import role_assign
from tests.factories.people import TownshipFactory, UserFactory, VillageFactory

Role = RoleAssignment.Role
PASSWORD = "secret-pass-123"
BEIJING = zoneinfo.ZoneInfo("Asia/Shanghai")  # the township's clock (settings.TIME_ZONE)


def beijing(*args: int) -> datetime.datetime:
    """A moment on the township's clock: `beijing(2026, 3, 5, 9, 0)` is 5 March, 09:00 local.

    Tests that depend on the time stop the clock there with time-machine, never the real clock:
    `pytest.mark.time_machine(beijing(...), tick=False)`, or the `time_machine` fixture's
    `move_to(..., tick=False)` and `shift(seconds)` to let exact seconds pass.
    """
    return datetime.datetime(*args, tzinfo=BEIJING)


_CLOCK = os.environ.get("SHUANGYU_TEST_CLOCK")

if _CLOCK:

    @pytest.fixture(scope="session", autouse=True)
    def clock_started_at(django_db_setup):
        """`SHUANGYU_TEST_CLOCK=2026-12-31T23:59:30+08:00 make test` runs the suite with the
        clock started there and ticking, to find a test that only passes by daylight: a
        session "in two hours" that lands tomorrow, a week or a year that ends mid-test.
        Tests that stop the clock themselves still do."""
        import time_machine

        with time_machine.travel(datetime.datetime.fromisoformat(_CLOCK), tick=True):
            yield


def pytest_collection_modifyitems(config, items):
    """In CI a missing service is a failure, not a skip."""
    if os.environ.get("CI") == "true":
        return
    needs_broker = not os.environ.get("CELERY_BROKER_URL")
    for item in items:
        if "services" in item.keywords and needs_broker:
            item.add_marker(pytest.mark.skip(reason="CELERY_BROKER_URL is not set"))


_MIGRATED_TEMPLATE = os.environ.get("SHUANGYU_TEST_DB_TEMPLATE")

if _MIGRATED_TEMPLATE:

    @pytest.fixture(scope="session")
    def django_db_setup(django_db_blocker):
        """`make mutation` starts a short test session for every mutant: each works on its
        own copy of a SQLite database migrated once, instead of migrating for seven seconds."""
        import shutil
        import tempfile

        from django.db import connections

        handle, path = tempfile.mkstemp(prefix="shuangyu-mutant-", suffix=".sqlite3")
        os.close(handle)
        shutil.copyfile(_MIGRATED_TEMPLATE, path)
        with django_db_blocker.unblock():
            connections["default"].close()
            connections["default"].settings_dict["NAME"] = path
        yield
        with django_db_blocker.unblock():
            connections["default"].close()
        os.remove(path)


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language, Simplified Chinese, whatever language a
    request in an earlier test left active in this thread."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture
def admin_in_english(settings):
    """The admin speaks the server's language whatever the browser asks for
    (lms.home.middleware): tests that read its messages by their English msgids serve it in
    English."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (login throttles, cached lesson facts): ids are
    reused between tests on SQLite, so a fact cached by one test must not reach the next."""
    from django.core.cache import cache

    from lms.memo import process_memos_forget

    def forget():
        cache.clear()
        process_memos_forget()

    forget()
    yield
    forget()


@pytest.fixture
def township(db):
    return TownshipFactory(name="东沟乡")


@pytest.fixture
def village_a(township):
    return VillageFactory(township=township, name="东沟村")


@pytest.fixture
def village_b(township):
    return VillageFactory(township=township, name="西沟村")


def _staff(username, role, township=None, villages=()):
    user = UserFactory(username=username)
    role_assign(user=user, role=role, township=township, villages=villages)
    return user


@pytest.fixture
def secretary_a(township, village_a):
    """The village secretary of 东沟村 only."""
    return _staff("secretary_a", Role.SECRETARY, township, [village_a])


@pytest.fixture
def secretary_b(township, village_b):
    """The village secretary of 西沟村 only."""
    return _staff("secretary_b", Role.SECRETARY, township, [village_b])


@pytest.fixture
def organizer_a(township, village_a):
    return _staff("organizer_a", Role.ORGANIZER, township, [village_a])


@pytest.fixture
def township_staff(township):
    return _staff("staff", Role.TOWNSHIP_STAFF, township)


@pytest.fixture
def administrator(db):
    return _staff("administrator", Role.ADMINISTRATOR)


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def tasks_run_here(monkeypatch, django_capture_on_commit_callbacks):
    """Tasks queued on commit run in this process, through Celery's own `Task.apply`,
    whatever broker is configured (CI has Redis but no worker in these tests); the wiring
    (signal → task → arguments) is exercised, the broker is not. The real worker has its
    own tests (tests/test_celery_worker.py)."""
    from celery.app.task import Task

    monkeypatch.setattr(
        Task, "delay", lambda task, *args, **kwargs: task.apply(args=args, kwargs=kwargs)
    )
    return lambda: django_capture_on_commit_callbacks(execute=True)

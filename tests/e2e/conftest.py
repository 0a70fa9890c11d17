import datetime
import os
import shutil
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connection

from tests.conftest import BEIJING

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module")
def browser():
    """Chromium for one test module. Playwright's sync API keeps an event loop running in
    this thread, which Django's async-safety guard mistakes for async code; the guard is
    lifted only while the browser is open and the test database calls are plainly sync."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium not found at {CHROMIUM}; `make test` installs it")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                args=["--no-sandbox", "--disable-background-networking", "--disable-gpu"],
            )
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def township_morning(time_machine):
    """Browser tests run at 10:00 on the township's clock, on today's date, with the clock
    ticking: a session "in 20 minutes" or "in two hours" is still today whenever CI runs.
    The date stays today's so the cookies the server sets (sessions, CSRF, 长辈版) are not
    already expired for the browser, which keeps the real clock."""
    today = datetime.datetime.now(BEIJING).date()
    morning = datetime.datetime.combine(today, datetime.time(10), tzinfo=BEIJING)
    time_machine.move_to(morning, tick=True)


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport=PHONE, locale="zh-CN", device_scale_factor=1)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(phone_page):
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(name):
        phone_page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

    return take


@pytest.fixture(scope="module", autouse=True)
def migrated_data_restored(django_db_setup, django_db_blocker):
    """Leave the database as migrations made it (root and home page, site, session kinds)
    for the test modules after each browser module. serialized_rollback does not do it
    here: inside a test the Playwright event loop gives Django another `connection` object,
    one without the serialized copy, so the teardown flush empties the tables and nothing
    refills them. Module fixtures run outside that loop and still see the copy."""
    contents = getattr(connection, "_test_serialized_contents", None)
    yield
    if contents:
        with django_db_blocker.unblock():
            call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
            connection.creation.deserialize_db_from_string(contents)
            # flush restarted the id sequences; move them past the rows just put back
            with connection.cursor() as cursor:
                for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
                    cursor.execute(sql)

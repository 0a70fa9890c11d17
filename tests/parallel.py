"""Running work truly in parallel against PostgreSQL, for the tests of row locks.

Only PostgreSQL runs requests in parallel (SQLite serialises writers), so such a test module
sets `pytestmark = postgresql_only` and imports `restore_migrated_data`: skipped locally on
SQLite, a failure in CI (CI=true), which sets DATABASE_URL.
"""

import os
import threading

import pytest
from django.db import connection

ON_POSTGRESQL = connection.vendor == "postgresql"
IN_CI = os.environ.get("CI") == "true"

postgresql_only = [
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # Skipped before any fixture runs, so a skipped test does not empty the database.
    pytest.mark.skipif(
        not ON_POSTGRESQL and not IN_CI, reason="needs PostgreSQL (DATABASE_URL=postgres://…)"
    ),
]


@pytest.fixture(autouse=True)
def fail_in_ci_without_postgresql():
    if not ON_POSTGRESQL:
        pytest.fail("CI must run the concurrency tests on PostgreSQL: set DATABASE_URL")


@pytest.fixture(scope="module", autouse=True)
def restore_migrated_data(django_db_setup, django_db_blocker):
    """A transactional test ends by emptying every table, taking away what migrations put
    there (Wagtail's root page, the built-in session kinds) from the tests that run after
    this module. Put it back from the copy that serialized_rollback keeps."""
    yield
    contents = getattr(connection, "_test_serialized_contents", None)
    if ON_POSTGRESQL and contents:
        with django_db_blocker.unblock():
            connection.creation.deserialize_db_from_string(contents)


def in_parallel(work, count: int) -> list:
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

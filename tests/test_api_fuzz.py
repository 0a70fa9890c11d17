"""The API fuzzed from its own schema (schemathesis): whatever a client sends, no operation
answers 500, and every answer has the content type and shape the schema gives it.

Requests go in-process to Django's WSGI handler as the learner of 东沟村 and as township
staff, each with a bearer token (the mobile client's way in), on the objects of
tests/test_url_rules.py's world. A few examples per operation keep it quick;
SHUANGYU_FUZZ_EXAMPLES=200 looks harder.
"""

import os
import re

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from lms.api import api
from lms.api_input import DATABASE_INT_MAX, PAGE_MAX
from lms.people.services import api_token_create
from tests.test_url_rules import world  # noqa: F401  (the module's objects of 东沟村)

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = WSGIHandler()

EXAMPLES = int(os.environ.get("SHUANGYU_FUZZ_EXAMPLES", "5"))


@pytest.fixture(autouse=True)
def _connection_kept():
    """Schemathesis calls Django's WSGI handler itself, not the test client: like the client,
    keep each request from closing the database connection, which holds the test's
    transaction (on PostgreSQL; SQLite's in-memory one is never closed)."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    yield
    for signal in signals:
        signal.connect(close_old_connections)


@pytest.fixture(params=["learner", "township_staff"])
def token(request, world):  # noqa: F811
    """A bearer token of the learner (the study operations) or of township staff (the rest)."""
    return api_token_create(user=getattr(world, request.param))


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,  # the same examples every run: no .hypothesis folder to replay from
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_request_breaks_the_api_or_its_schema(case, token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {token}"},
        # Undocumented statuses (404, 409, 422 …) are not failures here: the routes' rules
        # are tests/test_url_rules.py's; this is about crashes and answers' shapes.
        checks=[not_a_server_error, content_type_conformance, response_schema_conformance],
    )


@pytest.mark.django_db
def test_an_id_beyond_the_database_is_invalid_input_not_a_crash(world):  # noqa: F811
    """Ids beyond a 64-bit integer overflowed the database's integer (a 500, found by the
    fuzzing above); every id the API takes now refuses them as invalid input, as the schema
    says (lms.api_input.RecordId)."""
    too_large = 2**63
    # One body every operation's schema accepts (each reads its own fields), so that only the
    # id can make the request invalid.
    body = {
        "satisfaction": 5,
        "code": "123456",
        "person_id": 1,
        "status": "present",
        "dismiss": True,
    }
    for user in (world.learner, world.township_staff):  # the study operations, the staff's
        client = Client()
        client.force_login(user)
        for path, operations in api.get_openapi_schema()["paths"].items():
            url = re.sub(r"\{\w+_id\}", str(too_large), path)
            for method in operations if url != path else ():
                response = getattr(client, method)(url, content_type="application/json", data=body)
                assert response.status_code == 422, f"{user}: {method.upper()} {path}"
    # Ids, years and paging in queries, as township staff (learners are refused before them).
    for url in (
        f"/api/v1/people/?village_id={too_large}",
        f"/api/v1/people/?offset={too_large}",
        f"/api/v1/people/?limit={PAGE_MAX + 1}",  # a page, not the roster in one answer
        f"/api/v1/stats/report?from=2026-01-01&to=2026-12-31&village={too_large}",
        f"/api/v1/stats/overview?from=2026-01-01&to=2026-12-31&kind={too_large}",
        f"/api/v1/stats/targets?year={too_large}",
    ):
        assert client.get(url).status_code == 422, url
    last = client.get(f"/api/v1/people/?offset={DATABASE_INT_MAX}")
    assert (last.status_code, last.json()["items"]) == (200, [])

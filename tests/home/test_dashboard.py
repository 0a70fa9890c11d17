"""The admin opens on work and figures, by role, within the user's villages."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.models import AttendanceRecord
from attendance.services import attendance_mark
from lms.stats.models import AnnualTarget
from tests.conftest import beijing
from tests.factories.attendance import TrainingSessionFactory, kind
from tests.factories.people import PersonFactory

# The clock stands still on Thursday 5 March 2026 at 09:00: a session "soon" is today's, and
# the factory's session in progress (since 08:55) is this year's, whatever the real time.
NOW = beijing(2026, 3, 5, 9, 0)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=False)]
Status = AttendanceRecord.Status


@pytest.fixture
def today_in_both_villages(village_a, village_b):
    soon = NOW + datetime.timedelta(minutes=30)
    mine = TrainingSessionFactory(village=village_a, topic="马铃薯种薯", starts_at=soon)
    theirs = TrainingSessionFactory(village=village_b, topic="西沟电商培训", starts_at=soon)
    return mine, theirs


def test_an_organizer_opens_on_todays_sessions_with_screen_and_roll_call(
    client, organizer_a, today_in_both_villages
):
    mine, _theirs = today_in_both_villages
    client.force_login(organizer_a)

    page = client.get("/admin/").content.decode()

    assert "马铃薯种薯" in page and "西沟电商培训" not in page
    assert f"/training/sessions/{mine.pk}/screen/" in page
    assert f"/training/sessions/{mine.pk}/roll-call/" in page


def test_a_secretary_sees_her_villages_year_and_who_is_behind(
    client, secretary_a, village_a, village_b, township
):
    from decimal import Decimal

    from lms.ledger.models import AnnualRequirement

    AnnualRequirement.objects.create(township=township, year=2026, total_hours=Decimal("365"))
    PersonFactory(name="落后党员", village=village_a, is_party_member=True)
    PersonFactory(name="别村党员", village=village_b, is_party_member=True)
    session = TrainingSessionFactory(village=village_a)
    attendance_mark(
        session=session,
        person=PersonFactory(village=village_a),
        status=Status.PRESENT,
        method=AttendanceRecord.Method.ROLL_CALL,
    )
    client.force_login(secretary_a)

    response = client.get("/admin/")
    page = response.content.decode()

    assert "落后党员" in page and "别村党员" not in page
    panel = next(p for p in response.context["panels"] if p.name == "sy_village_figures")
    totals = panel.get_context_data()["totals"]
    assert (totals.sessions, totals.person_times, totals.people) == (1, 1, 1)


def test_township_staff_see_the_year_against_targets_and_both_tracks(
    client, township_staff, township, village_a
):
    AnnualTarget.objects.create(
        township=township, year=2026, kind=kind("农民科技培训"), sessions=17, person_times=2500
    )
    session = TrainingSessionFactory(village=village_a)
    attendance_mark(
        session=session,
        person=PersonFactory(village=village_a),
        status=Status.PRESENT,
        method=AttendanceRecord.Method.IMPORT,
    )
    client.force_login(township_staff)

    page = client.get("/admin/").content.decode()

    assert "1 / 17" in page and "1 / 2500" in page
    assert 'aria-label="党性教育与技能培训（本年）"' in page
    assert session.topic in page  # the latest import


def test_the_dashboards_queries_do_not_grow_with_sessions(client, township_staff, village_a):
    client.force_login(township_staff)
    client.get("/admin/")
    with CaptureQueriesContext(connection) as few:
        client.get("/admin/")
    for _ in range(5):
        session = TrainingSessionFactory(village=village_a)
        attendance_mark(
            session=session,
            person=PersonFactory(village=village_a),
            status=Status.PRESENT,
            method=AttendanceRecord.Method.IMPORT,
        )

    with CaptureQueriesContext(connection) as many:
        client.get("/admin/")

    assert len(many.captured_queries) == len(few.captured_queries)

"""工作台: an organizer or secretary on a phone sees today's sessions with their actions, the
walk-ins waiting, the week ahead, and their villages' figures with who is behind, and lands
there when logging in on a phone; members and other villages see none of it."""

import datetime

import pytest

from attendance.models import PendingWalkIn, SessionKind, TrainingSession
from lms.people.services import person_account_create
from tests.conftest import PASSWORD, beijing
from tests.factories.people import PersonFactory

NOW = beijing(2026, 3, 5, 9, 30)  # a Thursday
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=False)]
PHONE = "Mozilla/5.0 (Linux; Android 12; Redmi) AppleWebKit/537.36 Mobile Safari/537.36"


def _session(topic, village, starts):
    kind, _ = SessionKind.objects.get_or_create(name=SessionKind.DEFAULT)
    return TrainingSession.objects.create(
        kind=kind,
        topic=topic,
        track="skills",
        village=village,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )


@pytest.fixture
def week(village_a, village_b):
    today = _session("马铃薯种植", village_a, NOW)
    PendingWalkIn.objects.create(session=today, name="陈桂英", village=village_a)
    _session("果树修剪", village_a, NOW + datetime.timedelta(days=1))
    _session("南沟的课", village_b, NOW)
    return today


def test_the_desk_shows_todays_sessions_with_their_actions_and_who_waits(client, organizer_a, week):
    client.force_login(organizer_a)

    page = client.get("/desk/").content.decode()

    assert "马铃薯种植" in page and "果树修剪" in page and "南沟的课" not in page
    for action in (
        f"/training/sessions/{week.pk}/screen/",
        f"/training/sessions/{week.pk}/roll-call/",
        f"/training/sessions/{week.pk}/scan/",
    ):
        assert action in page
    assert "1 人待确认" in page


def test_the_desk_shows_the_villages_figures_and_who_is_behind(client, secretary_a, week):
    client.force_login(secretary_a)

    response = client.get("/desk/")

    assert response.status_code == 200
    assert response.context["totals"].sessions == 0  # nothing held yet this year
    assert "behind" in response.context


def test_staff_logging_in_on_a_phone_land_on_the_desk(client, organizer_a):
    organizer_a.set_password(PASSWORD)
    organizer_a.save()

    response = client.post(
        "/accounts/login/",
        {"username": organizer_a.username, "password": PASSWORD},
        headers={"user-agent": PHONE},
    )

    assert response.status_code == 302 and response["Location"] == "/desk/"


def test_a_member_is_sent_to_my_study(client, village_a):
    member = PersonFactory(village=village_a)
    person_account_create(person=member, password=PASSWORD)
    client.force_login(member.user)

    assert client.get("/desk/")["Location"] == "/study/"


def test_the_desk_costs_the_same_queries_however_many_sessions(
    client, organizer_a, village_a, django_assert_max_num_queries
):
    for hour in range(6):
        _session(f"培训{hour}", village_a, NOW + datetime.timedelta(hours=hour))
    client.force_login(organizer_a)
    client.get("/desk/")

    with django_assert_max_num_queries(13):
        assert client.get("/desk/").status_code == 200

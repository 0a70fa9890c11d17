"""The logged-in account is read from the cache, yet every change to it counts at once."""

import pytest

from lms.people.services import person_account_create
from tests.conftest import PASSWORD
from tests.factories.people import PersonFactory, VillageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(village_a):
    person = PersonFactory(name="王秀兰", village=village_a, phone="13800005555")
    person_account_create(person=person, password=PASSWORD)
    return person


def _study_page(client):
    return client.get("/study/", HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_a_second_request_reads_the_account_without_the_database(
    client, member, django_assert_max_num_queries
):
    client.force_login(member.user)
    _study_page(client)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert _study_page(client).status_code == 200
    assert not any('FROM "people_user"' in q["sql"] for q in captured.captured_queries)


def test_a_password_change_logs_out_the_other_phone(client, member):
    client.force_login(member.user)
    assert _study_page(client).status_code == 200
    user = member.user
    user.set_password("another-pass-456")
    user.save()

    response = _study_page(client)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_deactivated_account_is_logged_out(client, member):
    client.force_login(member.user)
    _study_page(client)
    member.user.is_active = False
    member.user.save()

    assert _study_page(client).status_code == 302


def test_moving_the_person_to_another_village_shows_at_once(client, member, township):
    from courses.models import CoursePage
    from tests.factories import courses as build

    south = VillageFactory(township=township, name="南沟村")
    build.course(
        "南沟村花椒种植",
        is_required=True,
        audience=CoursePage.Audience.VILLAGE,
        audience_village=south,
    )
    client.force_login(member.user)
    assert "南沟村花椒种植" not in _study_page(client).content.decode()

    member.village = south
    member.save()

    assert "南沟村花椒种植" in _study_page(client).content.decode()


def test_unlinking_the_account_from_the_person_shows_at_once(client, member):
    client.force_login(member.user)
    assert "未关联" not in _study_page(client).content.decode()
    member.user = None
    member.save()

    assert "未关联" in _study_page(client).content.decode()

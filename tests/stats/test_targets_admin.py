"""Yearly targets are set in the admin by township staff (their township) and administrators."""

import pytest
from django.urls import reverse

from lms.stats.models import AnnualTarget
from tests.factories.attendance import kind
from tests.factories.people import TownshipFactory

pytestmark = pytest.mark.django_db


def _form(township, **overrides):
    return {
        "township": township.pk,
        "year": 2026,
        "kind": kind("农民科技培训").pk,
        "track": "",
        "sessions": 17,
        "person_times": 2500,
        **overrides,
    }


def test_township_staff_set_their_townships_target(client, township, township_staff):
    client.force_login(township_staff)

    response = client.post(reverse("annual_targets:add"), _form(township))

    assert response.status_code == 302
    target = AnnualTarget.objects.get()
    assert (target.township, target.sessions, target.person_times) == (township, 17, 2500)


def test_township_staff_cannot_set_another_townships_target(client, township, township_staff):
    other = TownshipFactory(name="西山乡")
    client.force_login(township_staff)

    response = client.post(reverse("annual_targets:add"), _form(other))

    assert response.status_code == 200
    assert "township" in response.context["form"].errors
    assert not AnnualTarget.objects.exists()


def test_a_second_target_for_the_same_kind_is_refused_in_chinese(client, township, township_staff):
    AnnualTarget.objects.create(
        township=township, year=2026, kind=kind("农民科技培训"), sessions=1, person_times=1
    )
    client.force_login(township_staff)

    response = client.post(reverse("annual_targets:add"), _form(township))

    assert "该乡镇这一年度、类型和类别的目标已经设置过了。" in response.content.decode()
    assert AnnualTarget.objects.count() == 1


def test_secretaries_do_not_reach_the_targets(client, township, secretary_a):
    AnnualTarget.objects.create(township=township, year=2026, sessions=5)
    client.force_login(secretary_a)

    assert client.get(reverse("annual_targets:index")).status_code in (302, 403)
    assert client.post(reverse("annual_targets:add"), _form(township)).status_code in (302, 403)
    assert AnnualTarget.objects.count() == 1

"""Staff set the year's program in the admin: township staff their own township's."""

import pytest
from django.urls import reverse

from lms.ledger.models import AnnualRequirement
from tests.factories.people import TownshipFactory

pytestmark = pytest.mark.django_db


def _form(township, **overrides):
    return {
        "township": township.pk,
        "year": 2026,
        "total_hours": "32",
        "party_hours": "16",
        "party_sessions": 4,
        "skills_hours": "8",
        "skills_sessions": 2,
        **overrides,
    }


def test_township_staff_set_their_townships_program(client, township, township_staff):
    client.force_login(township_staff)

    response = client.post(reverse("programs:add"), _form(township))

    assert response.status_code == 302
    program = AnnualRequirement.objects.get()
    assert (program.party_sessions, program.skills_sessions) == (4, 2)


def test_nobody_sets_another_townships_program(client, township_staff, secretary_a, township):
    other = TownshipFactory(name="西山乡")
    client.force_login(township_staff)
    refused = client.post(reverse("programs:add"), _form(other))
    client.force_login(secretary_a)
    secretary = client.post(reverse("programs:add"), _form(township))

    assert "township" in refused.context["form"].errors
    assert secretary.status_code in (302, 403)
    assert not AnnualRequirement.objects.exists()

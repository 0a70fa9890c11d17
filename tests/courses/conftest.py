"""Fixtures of the courses tests."""

import pytest

from tests.factories.people import PersonFactory, UserFactory


@pytest.fixture
def member(village_a):
    return PersonFactory(
        village=village_a, is_party_member=True, user=UserFactory(username="learner")
    )

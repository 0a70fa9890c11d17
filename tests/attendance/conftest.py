"""Fixtures of the attendance tests: sessions at the pinned moment of
tests/attendance/sign_in_support.py, and the people who come to them."""

import pytest

from lms.people.models import RoleAssignment
from lms.people.services import person_account_create, role_assign
from tests.attendance.admin_support import at
from tests.conftest import PASSWORD, beijing
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory, UserFactory


@pytest.fixture
def session(village_a):
    """Running now: started 5 minutes ago, ends in 1 h 55 min."""
    return TrainingSessionFactory(village=village_a, topic="马铃薯种薯繁育")


@pytest.fixture
def tomorrow(village_a):
    """09:00–11:00 tomorrow: open at TOMORROW, not now."""
    return TrainingSessionFactory(village=village_a, starts_at=beijing(2026, 3, 6, 9, 0))


@pytest.fixture
def leaving(village_a):
    return TrainingSessionFactory(
        village=village_a, requires_sign_out=True, starts_at=beijing(2026, 3, 5, 8, 0)
    )


@pytest.fixture
def farmer(village_a):
    return PersonFactory(name="王大田", village=village_a, phone="13900000011")


@pytest.fixture
def learner(village_a):
    person = PersonFactory(name="张秀英", village=village_a, phone="13800138000")
    person_account_create(person=person, password=PASSWORD)
    return person


@pytest.fixture
def secretary_b(township, village_b):
    """The village secretary of 西沟村 only."""
    user = UserFactory(username="secretary_b")
    role_assign(
        user=user, role=RoleAssignment.Role.SECRETARY, township=township, villages=[village_b]
    )
    return user


@pytest.fixture
def session_a(village_a):
    """东沟村, 5 March 2026 9:00–11:00 in the meeting room."""
    return TrainingSessionFactory(
        village=village_a,
        topic="东沟大棚蔬菜",
        venue="村委会会议室",
        starts_at=at(5, 9),
        ends_at=at(5, 11),
        trainer_name="县农业技术推广站",
    )


@pytest.fixture
def session_b(village_b):
    return TrainingSessionFactory(
        village=village_b,
        topic="西沟养殖技术",
        venue="西沟村文化室",
        starts_at=at(6, 9),
        ends_at=at(6, 11),
        trainer_name="县畜牧站",
    )

"""Counts a guessing limit relies on, kept in the database while the cache is away."""

import pytest

from lms.outages.counters import failure_count_add, failure_counts, failure_counts_clear
from lms.outages.models import FailureCount
from tests.conftest import beijing

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("cache_down")]
NOW = beijing(2026, 3, 5, 9, 0)


def test_a_count_kept_in_the_database_lapses_a_window_after_its_first_failure(time_machine):
    time_machine.move_to(NOW, tick=False)
    counts = [failure_count_add("typist", seconds=600) for _ in range(3)]
    time_machine.shift(599)
    before = failure_counts(["typist", "nobody"])
    time_machine.shift(1)
    after = failure_counts(["typist"])
    again = failure_count_add("typist", seconds=600)

    assert counts == [1, 2, 3]
    assert (before, after, again) == ({"typist": 3}, {}, 1)
    assert FailureCount.objects.get().count == 1


def test_clearing_counts_forgets_them_in_the_database():
    failure_count_add("typist", seconds=600)
    failure_count_add("neighbour", seconds=600)

    failure_counts_clear(["typist"])

    assert failure_counts(["typist", "neighbour"]) == {"neighbour": 1}

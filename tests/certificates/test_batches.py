"""Bulk issuing: one failing person is reported and the rest issued; a chunk run twice
counts once and issues nothing twice."""

import pytest

from certificates import batches
from certificates.models import Certificate, IssueBatch, Kind

pytestmark = pytest.mark.django_db


def test_one_person_who_fails_is_reported_and_the_others_are_issued(
    training, training_template, organizer_a, tasks_run_here
):
    session, people = training
    with tasks_run_here():
        batch = batches.issue_batch_request(
            kind=Kind.TRAINING,
            session=session,
            people=[people["张秀英"], people["赵六"], people["李四"]],  # 赵六 was absent
            by=organizer_a,
        )

    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.total) == (IssueBatch.Status.DONE, 3, 3)
    assert [(error["name"], error["error"]) for error in batch.errors] == [
        ("赵六", "赵六 没有参加本期培训（出席或迟到）。")
    ]
    issued = Certificate.objects.filter(session=session)
    assert sorted(c.person.name for c in issued) == sorted(["张秀英", "李四"])
    assert all(c.pdf for c in issued)


def test_a_chunk_run_twice_counts_once(training, training_template, organizer_a):
    session, people = training
    batch = IssueBatch.objects.create(
        kind=Kind.TRAINING,
        session=session,
        person_ids=[people["张秀英"].pk, people["李四"].pk],
        total=2,
        status=IssueBatch.Status.RUNNING,
        requested_by=organizer_a,
    )

    batches.issue_batch_chunk(batch_id=batch.pk, start=0)
    batches.issue_batch_chunk(batch_id=batch.pk, start=0)  # redelivered after a lost worker

    batch.refresh_from_db()
    assert (batch.status, batch.done, batch.chunks_done) == (IssueBatch.Status.DONE, 2, [0])
    assert Certificate.objects.filter(session=session).count() == 2


def test_a_started_batch_is_not_started_twice(
    training, training_template, organizer_a, django_capture_on_commit_callbacks
):
    session, people = training
    with django_capture_on_commit_callbacks(execute=False):
        batch = batches.issue_batch_request(
            kind=Kind.TRAINING, session=session, people=[people["李四"]], by=organizer_a
        )
    with django_capture_on_commit_callbacks(execute=False) as first:
        batches.issue_batch_run(batch_id=batch.pk)
    with django_capture_on_commit_callbacks(execute=False) as second:
        batches.issue_batch_run(batch_id=batch.pk)

    assert (len(first), len(second)) == (1, 0)

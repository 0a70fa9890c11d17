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


def test_a_batch_delivered_again_sends_only_the_chunks_not_yet_counted(
    training,
    training_template,
    organizer_a,
    django_capture_on_commit_callbacks,
    monkeypatch,
    tasks_run_here,
):
    """A worker lost between starting a batch and sending its chunks must not leave it
    "running" for ever: delivered again, the batch sends the chunks not yet counted."""
    monkeypatch.setattr(batches, "CHUNK", 1)
    session, people = training
    with django_capture_on_commit_callbacks(execute=False):
        batch = batches.issue_batch_request(
            kind=Kind.TRAINING,
            session=session,
            people=[people["张秀英"], people["李四"]],
            by=organizer_a,
        )
    with django_capture_on_commit_callbacks(execute=False) as first:
        batches.issue_batch_run(batch_id=batch.pk)
    batches.issue_batch_chunk(batch_id=batch.pk, start=0)  # the first chunk ran, then: lost
    with tasks_run_here() as again:  # the chunk sent again runs here
        batches.issue_batch_run(batch_id=batch.pk)

    batch.refresh_from_db()
    assert (len(first), len(again)) == (2, 1)
    assert (batch.status, batch.done, sorted(batch.chunks_done)) == (
        IssueBatch.Status.DONE,
        2,
        [0, 1],
    )
    issued = Certificate.objects.filter(session=session)
    assert sorted(c.person.name for c in issued) == ["张秀英", "李四"]

    with django_capture_on_commit_callbacks(execute=False) as after_done:
        batches.issue_batch_run(batch_id=batch.pk)
    assert after_done == []

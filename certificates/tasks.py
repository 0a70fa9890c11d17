"""Background work for certificates (Celery). Thin: ids in, services do the work; every
task is safe to run twice (issuing finds what was issued)."""

from celery import shared_task

from . import batches, services


@shared_task(name="certificates.on_ledger_change", acks_late=True)
def certificates_on_ledger_change_task(person_id: int, year: int, source_kind: str, source_id: int):
    """A person's hours changed: a completed course earns its certificate, a met program its
    结业证书."""
    return services.certificates_after_ledger_change(
        person_id=person_id, year=year, source_kind=source_kind, source_id=source_id
    )


@shared_task(name="certificates.issue_batch", acks_late=True)
def certificates_issue_batch_task(batch_id: int) -> str:
    """Start a batch: one chunk task per 90 people."""
    return batches.issue_batch_run(batch_id=batch_id).status


@shared_task(name="certificates.issue_chunk", acks_late=True)
def certificates_issue_chunk_task(batch_id: int, start: int) -> str:
    """Issue and render one chunk; one failing person is reported, the rest go on."""
    return batches.issue_batch_chunk(batch_id=batch_id, start=start).status

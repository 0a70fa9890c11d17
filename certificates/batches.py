"""Issuing many certificates in the background: a training's, a course's, a year's program.

A batch is worked in chunks, each a task of its own (so several worker processes render at
once) and each person in a transaction of their own: a certificate that fails is reported
with the person and the reason, and the others are issued and rendered. Running a chunk
again (a retried task, a worker that died) issues nothing twice: issuing finds what exists.
"""

import logging

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.models import TrainingSession
from courses.models import Enrollment
from lms.people.models import Person

from . import services
from .exceptions import CertificateError
from .models import Certificate, IssueBatch, Kind

logger = logging.getLogger(__name__)
# 90: a training of 180 is two chunks, one for each of two worker processes.
CHUNK = 90


@transaction.atomic
def issue_batch_request(
    *, kind: str, people: list[Person], by, session: TrainingSession | None = None, year=None
) -> IssueBatch:
    """Queue the certificates of `people` (the task starts once this commits)."""
    from .tasks import certificates_issue_batch_task

    batch = IssueBatch.objects.create(
        kind=kind,
        session=session,
        year=year,
        person_ids=[person.pk for person in people],
        total=len(people),
        requested_by=by if by is not None and by.is_authenticated else None,
    )
    certificates_issue_batch_task.delay_on_commit(batch.pk)
    return batch


def training_batch_request(*, session: TrainingSession, by) -> IssueBatch:
    """The organizer's one action on the session page: everyone who earned its hours."""
    return issue_batch_request(
        kind=Kind.TRAINING,
        people=services.training_certificate_people(session),
        session=session,
        by=by,
    )


def _issue_one(batch: IssueBatch, person: Person, by, template=None) -> Certificate:
    if batch.kind == Kind.TRAINING:
        return services.training_certificate_issue(
            session=batch.session, person=person, by=by, template=template
        )[0]
    if batch.kind == Kind.PROGRAM:
        return services.program_certificate_issue(person=person, year=batch.year, by=by)[0]
    raise CertificateError(_("This kind of certificate is not issued in batches."))


def _run_chunk(batch: IssueBatch, people: list[Person]) -> tuple[list[Certificate], list[dict]]:
    issued, errors = [], []
    # The template in force for each township when the chunk starts, looked up once (not once
    # per person): a training's attendees may come from several townships of the county, and
    # each certificate carries its holder's township's issuing body.
    templates: dict[int, object] = {}

    def template_for(person: Person):
        township = person.village.township
        if batch.kind != Kind.TRAINING:
            return None
        if township.pk not in templates:
            try:
                templates[township.pk] = services.template_in_force(
                    kind=batch.kind, township=township
                )
            except CertificateError:
                templates[township.pk] = None  # each person is told so below
        return templates[township.pk]

    for person in people:
        try:
            with transaction.atomic():
                issued.append(_issue_one(batch, person, batch.requested_by, template_for(person)))
        except CertificateError as error:
            errors.append({"person": person.pk, "name": person.name, "error": str(error)})
    try:
        services.certificates_render(certificates=issued)
    except Exception:  # noqa: BLE001  one bad certificate must not lose its chunk
        logger.exception("batch %s: rendering a chunk failed; rendering one by one", batch.pk)
        for certificate in issued:
            try:
                services.certificate_render(certificate=certificate)
            except Exception as error:  # noqa: BLE001  reported to the organizer below
                errors.append(
                    {
                        "person": certificate.person_id,
                        "name": certificate.person.name,
                        "error": _("The PDF could not be made: %(error)s")
                        % {"error": str(error)[:200]},
                    }
                )
    return issued, errors


def issue_batch_run(*, batch_id: int) -> IssueBatch:
    """Start a batch: its people are cut into chunks, each a task of its own, so two worker
    processes render two chunks at once (WeasyPrint is single-threaded)."""
    from .tasks import certificates_issue_chunk_task

    with transaction.atomic():
        batch = IssueBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status == IssueBatch.Status.DONE:
            return batch
        # Delivered again while running: the worker that started it may have died between the
        # commit and sending the chunks, so every chunk not yet counted is sent again. A chunk
        # run twice, even at once, issues nothing twice and counts once (issue_batch_chunk).
        batch.status = IssueBatch.Status.RUNNING
        batch.save(update_fields=["status"])
        if not batch.person_ids:
            return _finish(batch)
        for start in range(0, len(batch.person_ids), CHUNK):
            if start not in batch.chunks_done:
                certificates_issue_chunk_task.delay_on_commit(batch.pk, start)
    return batch


def issue_batch_chunk(*, batch_id: int, start: int) -> IssueBatch:
    """Issue and render one chunk; a chunk run twice (a worker lost after the work) counts
    once and issues nothing twice."""
    batch = IssueBatch.objects.select_related("session__kind", "requested_by").get(pk=batch_id)
    if start in batch.chunks_done:
        return batch
    ids = batch.person_ids[start : start + CHUNK]
    by_id = Person.objects.select_related("village__township").in_bulk(ids)
    _issued, errors = _run_chunk(batch, [by_id[pk] for pk in ids if pk in by_id])
    with transaction.atomic():
        batch = IssueBatch.objects.select_for_update().get(pk=batch_id)
        if start in batch.chunks_done:
            return batch
        batch.chunks_done = [*batch.chunks_done, start]
        batch.done = min(batch.done + len(ids), batch.total)
        batch.errors = [*batch.errors, *errors]
        batch.save(update_fields=["chunks_done", "done", "errors"])
        if len(batch.chunks_done) * CHUNK >= len(batch.person_ids):
            return _finish(batch)
    return batch


def _finish(batch: IssueBatch) -> IssueBatch:
    batch.status, batch.done, batch.finished_at = (
        IssueBatch.Status.DONE,
        batch.total,
        timezone.now(),
    )
    batch.save(update_fields=["status", "done", "finished_at"])
    return batch


def course_certificates_issue(*, course, by=None) -> list[tuple[Certificate, bool]]:
    """Every completed enrolment of a course (the command's --course)."""
    enrollments = (
        Enrollment.objects.filter(course=course, completed_at__isnull=False)
        .select_related("course", "person__village__township")
        .order_by("person__name", "pk")
    )
    results = [services.course_certificate_issue(enrollment=e, by=by) for e in enrollments]
    services.certificates_render(certificates=[c for c, _new in results])
    return results

"""Assigning a course to many people at once: a branch, a village or a list of names.

`course_assign` does the work in chunks, each its own transaction, so one bad chunk does not
lose the others; it is idempotent (a second run creates nothing and counts everyone as
already enrolled). Only people in the organizer's villages are assigned: the others are
counted, never enrolled. `course_assign_start` decides whether the work runs now or, for a
large group, as a `CourseAssignment` run by a Celery task (after the request's transaction
commits); `course_assignment_run` records each chunk's progress with the chunk, so a task
started again after a lost worker goes on where the last commit left it.
"""

import logging
from collections.abc import Iterable

from celery.exceptions import SoftTimeLimitExceeded
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.people.models import Person
from lms.people.selectors import (
    people_visible_to,
    user_is_administrator,
    user_role,
    visible_village_ids,
)

from .models import CourseAssignment, CoursePage, Enrollment, assignment_counts_zero

logger = logging.getLogger(__name__)

CHUNK_SIZE = 500
# Larger groups go to a Celery worker; the organizer follows its progress on a status page.
QUEUE_THRESHOLD = 200
# Ids per query when finding the villages of a queued group: under SQLite's 32,766 variables.
_VILLAGE_QUERY_IDS = 10_000


def _chunks(ids: list[int], size: int):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def assignment_people_ids(*, by, village=None, branch=None, people=(), party_members_only=True):
    """The ids of the people an organizer means: a village, a branch or a list, in scope."""
    candidates = people_visible_to(by)
    condition = Q(pk__in=[person.pk for person in people]) if people else Q()
    if village is not None:
        condition &= Q(village=village)
    if branch is not None:
        condition &= Q(branch=branch)
    if party_members_only and (village is not None or branch is not None):
        condition &= Q(is_party_member=True)
    if not people and village is None and branch is None:
        return []
    return list(candidates.filter(condition).order_by("pk").values_list("pk", flat=True))


def _assign_chunk(*, course: CoursePage, chunk: list[int], visible, assigned_by) -> dict[str, int]:
    """Enrol one chunk; the caller holds the transaction."""
    in_scope = set(visible.filter(pk__in=chunk).values_list("pk", flat=True))
    existing = dict(
        Enrollment.objects.filter(course=course, person_id__in=in_scope).values_list(
            "person_id", "status"
        )
    )
    withdrawn = [pk for pk, status in existing.items() if status == Enrollment.Status.WITHDRAWN]
    if withdrawn:
        Enrollment.objects.filter(course=course, person_id__in=withdrawn).update(
            status=Enrollment.Status.ENROLLED
        )
    new = [pk for pk in sorted(in_scope) if pk not in existing]
    # ignore_conflicts: a learner enrolling themselves at the same moment wins, and
    # the unique constraint keeps them to one enrollment.
    Enrollment.objects.bulk_create(
        [
            Enrollment(
                person_id=pk,
                course=course,
                source=Enrollment.Source.ASSIGNED,
                assigned_by=assigned_by,
            )
            for pk in new
        ],
        ignore_conflicts=True,
    )
    return {
        "assigned": len(new),
        "reenrolled": len(withdrawn),
        "already": len(existing) - len(withdrawn),
        "out_of_scope": len(chunk) - len(in_scope),
    }


def _added(counts: dict[str, int], more: dict[str, int]) -> dict[str, int]:
    return {key: counts.get(key, 0) + more[key] for key in more}


def course_assign(
    *, course: CoursePage, people_ids: Iterable[int], by, chunk_size: int = CHUNK_SIZE
) -> dict[str, int]:
    """Enrol people in a course as assigned by `by`; safe to repeat.

    Returns {"assigned": newly enrolled, "reenrolled": withdrawn and back, "already": already
    enrolled, "out_of_scope": ids outside the organizer's villages (or unknown)}.
    """
    wanted = sorted({int(pk) for pk in people_ids})
    visible = people_visible_to(by)
    assigned_by = by if by is not None and by.is_authenticated else None
    counts = assignment_counts_zero()
    for chunk in _chunks(wanted, chunk_size):
        with transaction.atomic():
            counts = _added(
                counts,
                _assign_chunk(course=course, chunk=chunk, visible=visible, assigned_by=assigned_by),
            )
    return counts


def _villages_of(ids: list[int]) -> list[int]:
    villages: set[int] = set()
    for chunk in _chunks(ids, _VILLAGE_QUERY_IDS):
        villages.update(
            Person.objects.filter(pk__in=chunk).values_list("village_id", flat=True).distinct()
        )
    return sorted(villages)


@transaction.atomic
def course_assignment_request(
    *, course: CoursePage, people_ids: Iterable[int], by
) -> CourseAssignment:
    """Record a large group's assignment and queue its task for when this commits."""
    from .tasks import course_assign_task

    wanted = sorted({int(pk) for pk in people_ids})
    assignment = CourseAssignment.objects.create(
        course=course,
        requested_by=by,
        person_ids=wanted,
        village_ids=_villages_of(wanted),
        total=len(wanted),
        counts=assignment_counts_zero(),
    )
    course_assign_task.delay_on_commit(assignment.pk)
    return assignment


def course_assign_start(
    *, course: CoursePage, people_ids: list[int], by
) -> dict[str, int] | CourseAssignment:
    """Assign a small group now (its counts), or record a large one and queue its task once
    the transaction commits (the `CourseAssignment`, whose page shows the progress)."""
    if len(people_ids) > QUEUE_THRESHOLD:
        return course_assignment_request(course=course, people_ids=people_ids, by=by)
    return course_assign(course=course, people_ids=people_ids, by=by)


def _assignment_chunk_run(*, assignment_id: int, chunk_size: int) -> CourseAssignment:
    """Enrol the next chunk and count it done, in one transaction: the row lock makes two
    tasks of one assignment (a message delivered twice) take turns, never the same chunk."""
    with transaction.atomic():
        # of=self: lock the assignment only, not the course's page rows editors publish.
        assignment = (
            CourseAssignment.objects.select_for_update(of=("self",))
            .select_related("course", "requested_by")
            .get(pk=assignment_id)
        )
        if assignment.status != CourseAssignment.Status.RUNNING:
            return assignment  # failed meanwhile (or done by the other task)
        chunk = assignment.person_ids[assignment.done : assignment.done + chunk_size]
        if chunk:
            by = assignment.requested_by
            chunk_counts = _assign_chunk(
                course=assignment.course,
                chunk=chunk,
                visible=people_visible_to(by),
                assigned_by=by,
            )
            assignment.counts = _added(assignment.counts, chunk_counts)
            assignment.done += len(chunk)
        assignment.progressed_at = timezone.now()
        if assignment.done >= assignment.total:
            assignment.status, assignment.finished_at = CourseAssignment.Status.DONE, timezone.now()
        assignment.save(update_fields=["counts", "done", "status", "progressed_at", "finished_at"])
        return assignment


def course_assignment_run(*, assignment_id: int) -> CourseAssignment:
    """Work a queued assignment to the end, a chunk per transaction. Safe to run again: a done
    assignment is left alone, a running one (its worker lost) goes on from `done`, and a
    failed one waits for `course_assignment_retry`. An error is recorded on the assignment
    for the organizer to see and retry, never lost in a log; the chunks before it stay."""
    with transaction.atomic():
        assignment = CourseAssignment.objects.select_for_update().get(pk=assignment_id)
        if assignment.status in (CourseAssignment.Status.DONE, CourseAssignment.Status.FAILED):
            return assignment
        assignment.status = CourseAssignment.Status.RUNNING
        assignment.progressed_at = timezone.now()
        assignment.save(update_fields=["status", "progressed_at"])
    try:
        while assignment.status == CourseAssignment.Status.RUNNING:
            assignment = _assignment_chunk_run(assignment_id=assignment_id, chunk_size=CHUNK_SIZE)
    except Exception as error:  # noqa: BLE001  recorded for the organizer, who retries
        logger.exception("course assignment %s failed", assignment_id)
        if isinstance(error, SoftTimeLimitExceeded):
            reason = _("it ran out of time")
        else:
            reason = str(error)[:200]
        CourseAssignment.objects.filter(pk=assignment_id).update(
            status=CourseAssignment.Status.FAILED,
            error=_("The assignment stopped: %(error)s") % {"error": reason},
            finished_at=timezone.now(),
        )
        assignment.refresh_from_db()
    return assignment


def course_assignment_retry(*, assignment: CourseAssignment) -> CourseAssignment:
    """Queue a failed or stalled assignment again; it goes on from the people already done.
    Anything else is left as it is (a second click, an assignment under way)."""
    from .tasks import course_assign_task

    with transaction.atomic():
        assignment = CourseAssignment.objects.select_for_update().get(pk=assignment.pk)
        if assignment.status == CourseAssignment.Status.FAILED or assignment.is_stalled:
            assignment.status, assignment.error, assignment.finished_at = (
                CourseAssignment.Status.QUEUED,
                "",
                None,
            )
            assignment.progressed_at = timezone.now()
            assignment.save(update_fields=["status", "error", "finished_at", "progressed_at"])
            course_assign_task.delay_on_commit(assignment.pk)
    return assignment


def course_assignment_visible_to(user, assignment: CourseAssignment) -> bool:
    """The organizer who asked, and staff who see every village of the people assigned."""
    if user is None or not user.is_authenticated:
        return False
    if assignment.requested_by_id == user.pk or user_is_administrator(user):
        return True
    if user_role(user) is None or not assignment.village_ids:
        return False
    return set(assignment.village_ids) <= visible_village_ids(user)

"""Assigning a course to many people at once: a branch, a village or a list of names.

`course_assign` does the work in chunks, each its own transaction, so one bad chunk does not
lose the others; it is idempotent (a second run creates nothing and counts everyone as
already enrolled). Only people in the organizer's villages are assigned: the others are
counted, never enrolled. `course_assign_start` decides whether the work runs now or on
Celery (after the request's transaction commits).
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from lms.people.selectors import people_visible_to

from .models import CoursePage, Enrollment

CHUNK_SIZE = 500
# Larger groups go to a Celery worker; the organizer sees the result in the listing later.
QUEUE_THRESHOLD = 200


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
    counts = {"assigned": 0, "reenrolled": 0, "already": 0, "out_of_scope": 0}
    for chunk in _chunks(wanted, chunk_size):
        with transaction.atomic():
            in_scope = set(visible.filter(pk__in=chunk).values_list("pk", flat=True))
            counts["out_of_scope"] += len(chunk) - len(in_scope)
            existing = dict(
                Enrollment.objects.filter(course=course, person_id__in=in_scope).values_list(
                    "person_id", "status"
                )
            )
            withdrawn = [
                pk for pk, status in existing.items() if status == Enrollment.Status.WITHDRAWN
            ]
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
            counts["assigned"] += len(new)
            counts["reenrolled"] += len(withdrawn)
            counts["already"] += len(existing) - len(withdrawn)
    return counts


def course_assign_start(*, course: CoursePage, people_ids: list[int], by) -> dict[str, int] | None:
    """Assign now, or for a large group queue the task once the transaction commits.

    Returns the counts when done now, None when queued.
    """
    from .tasks import course_assign_task

    if len(people_ids) > QUEUE_THRESHOLD:
        course_assign_task.delay_on_commit(course.pk, list(people_ids), by.pk)
        return None
    return course_assign(course=course, people_ids=people_ids, by=by)

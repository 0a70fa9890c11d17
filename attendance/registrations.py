"""Inviting people to a session: invitations fill the capacity in the order given, the rest
go on the waiting list, and a cancelled registration hands its place to the first person
waiting."""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from lms.people.models import PartyBranch, Person, Village

from .exceptions import SessionCancelled
from .models import Registration, TrainingSession


def people_of_village(village: Village, *, party_members_only: bool = False) -> QuerySet[Person]:
    people = Person.objects.filter(village=village)
    if party_members_only:
        people = people.filter(is_party_member=True)
    return people.order_by("name", "pk")


def people_of_branch(branch: PartyBranch) -> QuerySet[Person]:
    return Person.objects.filter(branch=branch).order_by("village__name", "name", "pk")


def _lock_session(session: TrainingSession) -> TrainingSession:
    return TrainingSession.objects.select_for_update().get(pk=session.pk)


def _registered_count(session: TrainingSession) -> int:
    return session.registrations.filter(status=Registration.Status.REGISTERED).count()


@transaction.atomic
def registration_invite(
    *,
    session: TrainingSession,
    people: Iterable[Person] = (),
    village: Village | None = None,
    branch: PartyBranch | None = None,
    party_members_only: bool = False,
    by=None,
) -> dict[str, int]:
    """Invite a list of people, a whole village or a party branch to a session.

    Places are filled in the order given; beyond the capacity people go on the waiting
    list in that order. Someone already registered or waiting is left as they are; a
    cancelled registration is renewed at the end of the queue.
    Returns counts: registered, waitlisted, already.
    """
    session = _lock_session(session)
    if session.status == TrainingSession.Status.CANCELLED:
        raise SessionCancelled()
    invitees: list[Person] = list(people)
    if village is not None:
        invitees += list(people_of_village(village, party_members_only=party_members_only))
    if branch is not None:
        branch_people = people_of_branch(branch)
        if party_members_only:
            branch_people = branch_people.filter(is_party_member=True)
        invitees += list(branch_people)

    existing = {r.person_id: r for r in session.registrations.all()}
    taken = _registered_count(session)
    counts = {"registered": 0, "waitlisted": 0, "already": 0}
    seen: set[int] = set()
    new_rows, now = [], timezone.now()
    invited_by = by if by is not None and by.is_authenticated else None
    for person in invitees:
        if person.pk in seen:
            continue
        seen.add(person.pk)
        registration = existing.get(person.pk)
        if registration is not None and registration.status != Registration.Status.CANCELLED:
            counts["already"] += 1
            continue
        if session.capacity is None or taken < session.capacity:
            status = Registration.Status.REGISTERED
            taken += 1
        else:
            status = Registration.Status.WAITLISTED
        counts[status] += 1
        if registration is None:
            new_rows.append(
                Registration(session=session, person=person, status=status, invited_by=invited_by)
            )
        else:
            # Back in the queue behind everyone already waiting.
            registration.status = status
            registration.invited_by = invited_by
            registration.created_at = now
            registration.save(update_fields=["status", "invited_by", "created_at"])
    Registration.objects.bulk_create(new_rows)
    return counts


def waitlist_promote(session: TrainingSession) -> list[Registration]:
    """Fill free places from the waiting list, first come first served."""
    waiting = session.registrations.filter(status=Registration.Status.WAITLISTED).order_by(
        "created_at", "pk"
    )
    if session.capacity is not None:
        free = session.capacity - _registered_count(session)
        if free <= 0:
            return []
        waiting = waiting[:free]
    promoted = list(waiting)
    for registration in promoted:
        registration.status = Registration.Status.REGISTERED
        registration.save(update_fields=["status"])
    return promoted


@transaction.atomic
def registration_cancel(*, registration: Registration, by=None) -> Registration | None:
    """Cancel a registration; its place goes to the first person waiting, who is returned."""
    session = _lock_session(registration.session)
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == Registration.Status.CANCELLED:
        return None
    registration.status = Registration.Status.CANCELLED
    registration.save(update_fields=["status"])
    if session.status == TrainingSession.Status.CANCELLED:
        return None
    promoted = waitlist_promote(session)
    return promoted[0] if promoted else None

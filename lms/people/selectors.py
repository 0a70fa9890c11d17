"""Reads about people, always through the scope of the user who asks."""

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from .identity import (
    IdentityMatch,
    PeopleIndex,
    normalize_id_number,
    normalize_phone,
)
from .models import PartyBranch, Person, RoleAssignment, Township, User, Village

Role = RoleAssignment.Role


def user_role(user) -> str | None:
    """The staff role of a user, or None for learners and anonymous visitors."""
    if not user or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMINISTRATOR
    cached = getattr(user, "_shuangyu_role", Ellipsis)
    if cached is not Ellipsis:
        return cached
    assignment = RoleAssignment.objects.filter(user=user).only("role").first()
    user._shuangyu_role = assignment.role if assignment else None
    return user._shuangyu_role


def user_is_administrator(user) -> bool:
    return user_role(user) == Role.ADMINISTRATOR


def user_sees_identifiers(user) -> bool:
    """Only administrators see ID numbers and phones in full."""
    return user_is_administrator(user)


def villages_visible_to(user) -> QuerySet[Village]:
    """The villages whose people and records a user may see and change."""
    role = user_role(user)
    if role is None:
        return Village.objects.none()
    if role == Role.ADMINISTRATOR:
        return Village.objects.all()
    assignment = RoleAssignment.objects.filter(user=user).select_related("township").first()
    if role == Role.TOWNSHIP_STAFF:
        if assignment.township_id is None:
            return Village.objects.none()  # a role left half-filled grants nothing
        return Village.objects.filter(township_id=assignment.township_id)
    villages = Village.objects.filter(role_assignments=assignment)
    if role == Role.ORGANIZER and assignment.township_id and not villages.exists():
        # An organizer for the whole township (e.g. the agricultural technician).
        return Village.objects.filter(township_id=assignment.township_id)
    return villages


def visible_village_ids(user) -> set[int]:
    cached = getattr(user, "_shuangyu_village_ids", None)
    if cached is None:
        cached = set(villages_visible_to(user).values_list("pk", flat=True))
        if user is not None:
            user._shuangyu_village_ids = cached
    return cached


def village_names() -> dict[int, str]:
    """Every village's name by id, in one query: an export names the villages of its rows from
    this rather than joining or loading a village per row."""
    return dict(Village.objects.values_list("pk", "name"))


def townships_managed_by(user) -> QuerySet[Township]:
    """Townships whose own settings (the year's program, targets) a user may set:
    all for administrators, their own for township staff, none for anyone else."""
    role = user_role(user)
    if role == Role.ADMINISTRATOR:
        return Township.objects.all()
    if role != Role.TOWNSHIP_STAFF:
        return Township.objects.none()
    return Township.objects.filter(
        pk__in=RoleAssignment.objects.filter(user=user).values("township_id")
    )


def branches_visible_to(user) -> QuerySet[PartyBranch]:
    """Party branches of the townships whose villages the user sees."""
    if user_role(user) == Role.ADMINISTRATOR:
        return PartyBranch.objects.all()
    townships = villages_visible_to(user).values("township_id")
    return PartyBranch.objects.filter(township_id__in=townships)


def people_visible_to(user) -> QuerySet[Person]:
    """People a staff user may see: those whose home village is in their scope."""
    if user_role(user) == Role.ADMINISTRATOR:
        return Person.objects.all()
    return Person.objects.filter(village__in=villages_visible_to(user))


def people_matching(people: QuerySet[Person], *, query: str, user) -> QuerySet[Person]:
    """People whose name contains the query, or whose phone or ID number it is.

    Only administrators match on part of a phone or ID number: for anyone else a partial
    match would uncover the masked digits one search at a time. A whole number matches in
    any spelling (+86, spaces, lower-case x).
    """
    query = query.strip()
    if not query:
        return people
    condition = Q(name__icontains=query)
    if user_sees_identifiers(user):
        condition |= Q(phone__icontains=query) | Q(id_number__icontains=query)
    for field, normalize in (("phone", normalize_phone), ("id_number", normalize_id_number)):
        try:
            value = normalize(query)
        except ValidationError:
            continue
        if value:
            condition |= Q(**{field: value})
    return people.filter(condition)


def person_for_user(user) -> Person | None:
    """The roster record behind an account, or None. Free for a session's user, whom the
    login backend reads together with the person; one query otherwise (API tokens)."""
    if not user or not user.is_authenticated:
        return None
    if User.person.is_cached(user):
        return getattr(user, "person", None)
    return Person.objects.filter(user=user).select_related("village", "branch").first()


def person_in_village(*, name: str, village: Village, phone: str = "") -> IdentityMatch:
    """Who someone giving a (normalised) name, a village and maybe a phone is, among the
    village's people (the walk-in form): PeopleIndex's rule."""
    people = Person.objects.filter(name=name, village=village).order_by("pk")
    return PeopleIndex(people).match(name=name, village_id=village.pk, phone=phone)

"""Writes about people and places. Views, commands, tasks and the API call these."""

from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .auth import user_cache_forget
from .exceptions import AccountRefused, InvalidCredentials, LoginLocked, MergeRefused
from .identity import normalize_name
from .merging import person_merged, row_move
from .models import (
    Household,
    PartyBranch,
    Person,
    PersonMerge,
    RoleAssignment,
    Township,
    Village,
)
from .throttle import login_failure_record, login_failures_clear, login_is_locked

Role = RoleAssignment.Role

# The Django group behind each staff role.
ROLE_GROUP_NAMES = {
    Role.ORGANIZER: "组织者",
    Role.SECRETARY: "村支书",
    Role.TOWNSHIP_STAFF: "乡镇工作人员",
    Role.ADMINISTRATOR: "管理员",
}


def role_permissions(role: str) -> list[str]:
    """The model permissions a staff role's group carries ("app_label.codename").

    Each app says what its models grant to each role, in its AppConfig's `role_permissions`
    ({role value: [codename, …]}), so that people need not know the apps built on it. Scope
    (which villages) is enforced by selectors; these only say what kind of thing a role may do.
    """
    return [
        codename
        for config in django_apps.get_app_configs()
        for codename in getattr(config, "role_permissions", {}).get(role, ())
    ]


def role_groups_ensure(*, using: str = "default") -> None:
    """Create the role groups and give them their permissions (idempotent)."""
    for role, name in ROLE_GROUP_NAMES.items():
        group, _created = Group.objects.using(using).get_or_create(name=name)
        wanted = []
        for codename in role_permissions(role):
            app_label, perm = codename.split(".")
            wanted += list(
                Permission.objects.using(using).filter(
                    content_type__app_label=app_label, codename=perm
                )
            )
        group.permissions.add(*wanted)
        if role in EDITOR_ROLES:
            _editor_permissions_ensure(group, using=using)


# Township staff (乡党委) and administrators write the courses: they add, edit and publish
# pages and upload the lesson media and images, without a developer.
EDITOR_ROLES = (RoleAssignment.Role.TOWNSHIP_STAFF, RoleAssignment.Role.ADMINISTRATOR)


def _editor_permissions_ensure(group, *, using: str) -> None:
    from wagtail.models import Collection, GroupCollectionPermission, GroupPagePermission, Page

    root_page = Page.objects.using(using).filter(depth=1).first()
    root_collection = Collection.objects.using(using).filter(depth=1).first()
    if root_page is not None:
        for codename in ("add_page", "change_page", "publish_page"):
            GroupPagePermission.objects.using(using).get_or_create(
                group=group,
                page=root_page,
                permission=Permission.objects.using(using).get(
                    content_type__app_label="wagtailcore", codename=codename
                ),
            )
    if root_collection is not None:
        for app_label, codenames in (
            ("wagtaildocs", ("add_document", "change_document", "choose_document")),
            ("wagtailimages", ("add_image", "change_image", "choose_image")),
        ):
            for codename in codenames:
                GroupCollectionPermission.objects.using(using).get_or_create(
                    group=group,
                    collection=root_collection,
                    permission=Permission.objects.using(using).get(
                        content_type__app_label=app_label, codename=codename
                    ),
                )


@transaction.atomic
def role_assign(
    *, user, role: str, township: Township | None = None, villages=()
) -> RoleAssignment:
    """Give a user a staff role over a township or some villages; one role per user."""
    assignment, _created = RoleAssignment.objects.update_or_create(
        user=user, defaults={"role": role, "township": township}
    )
    assignment.villages.set(villages)
    role_groups_ensure()
    user.groups.remove(*Group.objects.filter(name__in=ROLE_GROUP_NAMES.values()))
    user.groups.add(Group.objects.get(name=ROLE_GROUP_NAMES[role]))
    if role == Role.ADMINISTRATOR and not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    return assignment


@transaction.atomic
def township_setup(*, name: str, village_names: list[str]) -> tuple[Township, list[Village]]:
    """Create or update a township and its villages; returns the villages newly created.

    "东沟" and "东沟村" name one village (the roster import reads them so), so a name that
    differs from an existing village only by the trailing 村 is that village, not a new one.
    """
    name = normalize_name(name)
    if not name:
        raise ValueError(_("Enter the township's name."))
    township, _created = Township.objects.get_or_create(name=name)
    existing = {village.name for village in township.villages.all()}
    created = []
    for village_name in dict.fromkeys(normalize_name(v) for v in village_names):
        if not village_name:
            continue
        variants = {village_name, village_name + "村", village_name.removesuffix("村")}
        if existing & variants:
            continue
        created.append(Village.objects.create(township=township, name=village_name))
        existing.add(village_name)
    return township, created


def person_save(*, person: Person) -> Person:
    """Validate (normalising phone and ID) and save a person."""
    person.full_clean()
    person.save()
    return person


@transaction.atomic
def person_account_create(*, person: Person, password: str):
    """Give a person a login account; they log in with their phone number."""
    if person.user_id:
        return person.user
    User = get_user_model()
    username = person.phone or f"person-{person.pk}"
    if User.objects.filter(username=username).exists():
        username = f"person-{person.pk}"
    user = User.objects.create_user(username=username, password=password)
    user.first_name = person.name[:150]
    user.save(update_fields=["first_name"])
    person.user = user
    person.save(update_fields=["user", "updated_at"])
    return user


@transaction.atomic
def person_password_set(*, person: Person, password: str, by):
    """Create the person's login account, or reset its password, on behalf of staff.

    The password must pass the site's password rules (ValidationError otherwise). Staff
    may not take over a staff account this way: resetting the password of anyone with a
    staff role is for administrators only (AccountRefused).
    """
    from django.contrib.auth.password_validation import validate_password

    from .selectors import user_is_administrator, user_role

    user = person.user
    if (
        user is not None
        and (user.is_superuser or user_role(user))
        and not (user_is_administrator(by))
    ):
        raise AccountRefused()
    validate_password(password, user=user)
    if user is None:
        return person_account_create(person=person, password=password)
    user.set_password(password)
    user.is_active = True
    user.save(update_fields=["password", "is_active"])
    return user


# --- Logging in -------------------------------------------------------------------------------


def login_attempt(*, request, identifier: str, password: str):
    """Authenticate, counting failures per (account, address).

    Raises LoginLocked or InvalidCredentials, whose messages are for the user.
    """
    from django.contrib.auth import authenticate

    from .throttle import client_address

    address = client_address(request)
    if login_is_locked(identifier, address):
        raise LoginLocked()
    user = authenticate(request, username=identifier, password=password)
    if user is None:
        login_failure_record(identifier, address)
        raise InvalidCredentials()
    login_failures_clear(identifier, address)
    return user


def api_token_create(*, user, name: str = "mobile") -> str:
    """A new bearer token for the mobile client (Wagtail's APIToken keeps only a digest)."""
    from wagtail.models import APIToken

    _token, plaintext = APIToken.create_token(user=user, name=name)
    return plaintext


# --- Merging ----------------------------------------------------------------------------------

_FILLABLE_FIELDS = (
    "gender",
    "birth_date",
    "ethnicity",
    "phone",
    "id_number",
    "household",
    "branch",
)


@transaction.atomic
def person_merge(*, keep: Person, duplicate: Person, by) -> PersonMerge:
    """Fold `duplicate` into `keep`: everything attached to it moves, then it is deleted.

    Every relation pointing at Person is followed, so records added by later apps
    (enrollments, attendance, ledger rows, certificates) move too. Where `keep` already has
    an equivalent record (a unique constraint says so), one of the two is dropped: the one
    its model ranks lower (merging.py), the duplicate's where it has no say. The apps that
    own the records are told of each one dropped (`merge_row_dropped`) and put right what
    was derived from it. The merge log counts both.
    """
    if keep.pk == duplicate.pk:
        raise MergeRefused(_("A record cannot be merged with itself."))
    keep = Person.objects.select_for_update().get(pk=keep.pk)
    duplicate = Person.objects.select_for_update().get(pk=duplicate.pk)
    if keep.id_number and duplicate.id_number and keep.id_number != duplicate.id_number:
        raise MergeRefused(
            _("The two records have different ID numbers, so they are two different people.")
        )
    if keep.user_id and duplicate.user_id:
        raise MergeRefused(
            _("Both records have a login account. Deactivate one account before merging.")
        )

    moved: dict[str, dict[str, int]] = {}
    # Earlier merge logs of the duplicate move too: they cascade away with it otherwise.
    for relation in Person._meta.related_objects:
        model, field = relation.related_model, relation.field
        label = f"{model._meta.label}.{field.name}"
        if relation.many_to_many:
            through = relation.through
            source = next(
                f.name for f in through._meta.fields if f.is_relation and f.related_model is Person
            )
            rows = through.objects.filter(**{source: duplicate})
        else:
            rows = model._base_manager.filter(**{field.name: duplicate})
        counts = {"moved": 0, "dropped": 0}
        for row in rows:
            outcome = row_move(
                row, field_name=source if relation.many_to_many else field.name, keep=keep, by=by
            )
            counts[outcome] += 1
        if counts["moved"] or counts["dropped"]:
            moved[label] = counts

    for field in _FILLABLE_FIELDS:
        value = getattr(duplicate, field)
        if getattr(keep, field) or not value:
            continue
        # A household is of one village and a branch of one township: the duplicate's fill
        # the kept record only where it lives.
        if field == "household" and value.village_id != keep.village_id:
            continue
        if field == "branch" and value.township_id != keep.village.township_id:
            continue
        setattr(keep, field, value)
    keep.is_party_member = keep.is_party_member or duplicate.is_party_member
    if duplicate.user_id and not keep.user_id:
        keep.user_id = duplicate.user_id
    merge = PersonMerge.objects.create(
        kept=keep,
        merged_person_id=duplicate.pk,
        merged_name=duplicate.name,
        merged_by=by,
        moved=moved,
    )
    # The duplicate goes first: its ID number and account are unique and move to `keep`.
    duplicate.delete()
    keep.save()
    person_merged.send(sender=Person, keep=keep, by=by)
    return merge


# --- Roster import ---------------------------------------------------------------------------

# Rows written per INSERT or UPDATE statement (SQLite's limit on parameters may lower it).
ROSTER_BATCH_SIZE = 1000
# Statements reading many records by a list of values keep under the databases' limits.
_READ_CHUNK = 500
# What a roster row writes of a person. The first six are validated as full_clean validates
# them; the relations are read in bulk instead of a query each; updated_at is the import's.
_CHECKED_FIELDS = ("name", "gender", "birth_date", "phone", "id_number", "is_party_member")
_ROSTER_FIELDS = (*_CHECKED_FIELDS, "village", "household", "branch", "updated_at")
_UNCHECKED_FIELDS = {field.name for field in Person._meta.concrete_fields} - set(_CHECKED_FIELDS)


@transaction.atomic
def roster_import_apply(*, plan) -> dict[str, int]:
    """Write a validated roster plan: all rows or none. Returns counts by action.

    Households and party branches named in the file are created in the row's village and
    township; villages never are (a typo must not create a village). An empty cell keeps
    what is recorded. Raises ValidationError, naming the row, if a record cannot be saved
    (say another import took the same ID number meanwhile); nothing is then written.

    Every person is validated as person_save validates one (full_clean), but what needs the
    database is read in bulk: a statement per chunk of rows, not per row. Unchanged rows
    write nothing.
    """
    from .roster import RosterPlan

    assert isinstance(plan, RosterPlan)
    if not plan.is_valid:
        raise ValueError("an invalid roster plan cannot be applied")
    counts = {"create": 0, "update": 0, "unchanged": 0}
    for row in plan.rows:
        counts[row.action] += 1
    rows = [row for row in plan.rows if row.action != "unchanged"]
    if not rows:
        return counts
    _villages_check(rows)
    households = _records_ensure(
        Household,
        ("village_id", "number"),
        {(row.village.pk, row.household_number): {} for row in rows if row.household_number},
    )
    branch_villages = {}  # a new branch is in the village of the first row naming it
    for row in rows:
        if row.branch_name:
            branch_villages.setdefault((row.village.township_id, row.branch_name), row.village)
    branches = _records_ensure(
        PartyBranch,
        ("township_id", "name"),
        {key: {"village": village} for key, village in branch_villages.items()},
    )
    now = timezone.now()
    people, refused = [], []
    for row in rows:
        person = _roster_person(row, households, branches)
        person.updated_at = now
        try:
            _person_check(person)
        except ValidationError as error:
            refused.append((row.number, error.messages))
            break  # rows are in order: no later row can be the first refused
        people.append(person)
    refused += _id_numbers_taken(rows, people)
    if refused:
        raise _row_refused(*min(refused))
    new = [person for person in people if person.pk is None]
    changed = [person for person in people if person.pk is not None]
    try:
        with transaction.atomic():  # a savepoint, so the check below can still read
            Person.objects.bulk_create(new, batch_size=ROSTER_BATCH_SIZE)
            _people_update(changed, _ROSTER_FIELDS)
    except IntegrityError as error:
        # Someone saved the same ID number between the check and the write, or deleted a
        # person the file updates.
        refused = _id_numbers_taken(rows, people)
        if refused:
            raise _row_refused(*min(refused)) from error
        raise ValidationError(
            _("The roster changed while it was being imported; import the file again.")
        ) from error
    # What post_save does for one person saved (signals.py): bulk writes send no signals.
    user_cache_forget(*(person.user_id for person in changed if person.user_id))
    return counts


def _people_update(people: list[Person], field_names) -> None:
    """Save these fields of people on record: one UPDATE statement executed for many rows.

    QuerySet.bulk_update builds a CASE WHEN expression per field and per row, which cost
    about 2 ms a person (45 s for 20,000 updated rows); executemany sends one statement
    with the rows' values, as psycopg's pipeline and sqlite3 run it. The values are
    prepared by each field, as save() prepares them."""
    if not people:
        return
    connection = connections[router.db_for_write(Person)]
    quote = connection.ops.quote_name
    fields = [Person._meta.get_field(name) for name in field_names]
    sql = "UPDATE {table} SET {assignments} WHERE {pk} = %s".format(
        table=quote(Person._meta.db_table),
        assignments=", ".join(f"{quote(field.column)} = %s" for field in fields),
        pk=quote(Person._meta.pk.column),
    )
    params = [
        [field.get_db_prep_save(getattr(person, field.attname), connection) for field in fields]
        + [person.pk]
        for person in people
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(params), ROSTER_BATCH_SIZE):
            batch = params[start : start + ROSTER_BATCH_SIZE]
            cursor.executemany(sql, batch)
            if cursor.rowcount != len(batch):  # someone was deleted or merged meanwhile
                raise IntegrityError("a person to update is no longer on record")


def _records_ensure(model, key_fields: tuple[str, str], wanted: dict[tuple, dict]) -> dict:
    """The records of `model` whose `key_fields` (unique together) have each key of `wanted`,
    created with `wanted[key]`'s other values where missing: a get_or_create of many, in a few
    statements. Records someone else creates meanwhile are found, not duplicated."""
    found = _records_by_key(model, key_fields, list(wanted))
    missing = [key for key in wanted if key not in found]
    if missing:
        model.objects.bulk_create(
            [model(**dict(zip(key_fields, key, strict=True)), **wanted[key]) for key in missing],
            batch_size=ROSTER_BATCH_SIZE,
            ignore_conflicts=True,
        )
        found.update(_records_by_key(model, key_fields, missing))
    return found


def _records_by_key(model, key_fields: tuple[str, str], keys: list[tuple]) -> dict:
    first, second = key_fields
    wanted = set(keys)
    found = {}
    for start in range(0, len(keys), _READ_CHUNK):
        chunk = keys[start : start + _READ_CHUNK]
        filters = {
            f"{first}__in": {key[0] for key in chunk},
            f"{second}__in": {key[1] for key in chunk},
        }
        for record in model.objects.filter(**filters):
            key = (getattr(record, first), getattr(record, second))
            if key in wanted:
                found[key] = record
    return found


def _villages_check(rows) -> None:
    """Villages are never created, and the plan found them: one may have gone since."""
    wanted = {row.village.pk for row in rows}
    existing = set(Village.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    for row in rows:
        if row.village.pk not in existing:
            message = _(
                "there is no village “%(village)s” (villages are created with setup_township)"
            )  # as the plan says of a village it cannot find
            raise _row_refused(row.number, [message % {"village": row.village.name}])


def _roster_person(row, households: dict, branches: dict) -> Person:
    """The row's person as it will be saved: new, or the record it updates."""
    person = row.person or Person(village=row.village)
    for field_name, value in (
        ("name", row.name),
        ("gender", row.gender),
        ("phone", row.phone),
        ("id_number", row.id_number),
        ("is_party_member", row.is_party_member),
    ):
        if value not in ("", None):
            setattr(person, field_name, value)
    person.village = row.village
    if row.household_number:
        person.household = households[(row.village.pk, row.household_number)]
    elif person.household_id and person.household.village_id != row.village.pk:
        person.household = None  # moved village: the old household no longer applies
    if row.branch_name:
        person.branch = branches[(row.village.township_id, row.branch_name)]
    elif person.branch_id and person.branch.township_id != row.village.township_id:
        person.branch = None  # moved township: the old branch no longer applies
    return person


def _person_check(person: Person) -> None:
    """full_clean of what the import writes, without its queries: the fields (normalising
    phone and ID), gender and birth date from the ID, household and branch in the person's
    village and township. Households, branches and villages were read in bulk, unique ID
    numbers are checked in bulk (_id_numbers_taken), and fields the import does not write
    were validated when they were saved."""
    person.clean_fields(exclude=_UNCHECKED_FIELDS)
    person.clean()


def _id_numbers_taken(rows, people) -> list[tuple[int, list[str]]]:
    """(row number, reasons) of each row whose ID number belongs to another person on record:
    the unique constraint full_clean checks one row at a time."""
    (constraint,) = [c for c in Person._meta.constraints if c.name == "person_unique_id_number"]
    owner = {
        person.id_number: (row.number, person.pk)
        # people may stop short of rows: they end at the first row refused
        for row, person in zip(rows, people, strict=False)
        if person.id_number
    }
    numbers = sorted(owner)
    taken = []
    for start in range(0, len(numbers), _READ_CHUNK):
        for number, pk in Person.objects.filter(
            id_number__in=numbers[start : start + _READ_CHUNK]
        ).values_list("id_number", "pk"):
            row_number, own_pk = owner[number]
            if pk != own_pk:
                taken.append((row_number, [str(constraint.get_violation_error_message())]))
    return taken


def _row_refused(row_number: int, reasons: list[str]) -> ValidationError:
    return ValidationError(
        _("Row %(row)s: %(reason)s") % {"row": row_number, "reason": "；".join(reasons)}
    )

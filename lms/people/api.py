"""API endpoints about people: tokens for the mobile client, me, and the scoped roster."""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.pagination import paginate
from ninja.responses import Status

from lms.api_input import LimitOffset, RecordId

from .exceptions import LoginLocked, PeopleError
from .identity import mask_id_number, mask_phone
from .selectors import (
    people_matching,
    people_visible_to,
    person_for_user,
    user_role,
    user_sees_identifiers,
)
from .services import api_token_create, login_attempt

auth_router = Router(tags=["auth"])
people_router = Router(tags=["people"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


class PersonOut(Schema):
    """ID numbers and phones are masked except for administrators."""

    id: int
    name: str
    gender: str
    village_id: int
    village: str
    branch: str | None
    is_party_member: bool
    phone: str
    id_number: str

    @staticmethod
    def resolve_village(obj):
        return obj.village.name

    @staticmethod
    def resolve_branch(obj):
        return obj.branch.name if obj.branch_id else None

    @staticmethod
    def resolve_phone(obj, context):
        full = user_sees_identifiers(context["request"].user)
        return obj.phone if full else mask_phone(obj.phone)

    @staticmethod
    def resolve_id_number(obj, context):
        full = user_sees_identifiers(context["request"].user)
        return obj.id_number if full else mask_id_number(obj.id_number)


@auth_router.post("/token", auth=None, response={200: TokenOut, 401: dict, 429: dict})
def token_create(request, payload: TokenIn):
    """Exchange a phone number (or user name) and password for a bearer token."""
    try:
        user = login_attempt(
            request=request, identifier=payload.username, password=payload.password
        )
    except LoginLocked as error:
        return Status(429, {"detail": str(error)})
    except PeopleError as error:
        return Status(401, {"detail": str(error)})
    return Status(200, {"token": api_token_create(user=user)})


@people_router.get("/me", response=PersonOut)
def me(request):
    """The roster record of the logged-in learner."""
    person = person_for_user(request.user)
    if person is None:
        raise HttpError(404, _("This account is not linked to a person on the roster."))
    return person


def _staff_people(request):
    if user_role(request.user) is None:
        raise HttpError(403, _("Only staff may list people."))
    return people_visible_to(request.user).select_related("village", "branch")


@people_router.get("/", response=list[PersonOut])
@paginate(LimitOffset)
def people_list(request, village_id: RecordId | None = None, q: str = ""):
    """People in the caller's villages; ID numbers and phones masked except for administrators.

    `q` matches part of a name, or a whole phone or ID number (part of one for administrators).
    """
    people = _staff_people(request)
    if village_id:
        people = people.filter(village_id=village_id)
    return people_matching(people, query=q, user=request.user)


@people_router.get("/{int:person_id}", response=PersonOut)
def person_detail(request, person_id: RecordId):
    person = _staff_people(request).filter(pk=person_id).first()
    if person is None:
        raise Http404
    return person

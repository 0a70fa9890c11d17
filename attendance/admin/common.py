"""What every admin page about sessions shares: their URLs and permission policy, dates on
the township's clock, who did something by name, and the 403 and scope of a session page."""

import datetime

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import capfirst
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.permissions import policy_registry

from lms.people.admin_scope import AllowedUsersMixin

from ..models import (
    TrainingSession,
)
from ..selectors import sessions_visible_to

SESSIONS = "training_sessions"  # the sessions viewset's URL namespace
CALENDAR = "attendance_calendar"


def session_url(name: str, *args) -> str:
    return reverse(f"{SESSIONS}:{name}", args=args)


def session_policy():
    return policy_registry.get_by_type(TrainingSession)


def user_label(user) -> str:
    """Who did something, by name. Never a villager's user name: it is their phone number."""
    if user is None:
        return ""
    person = getattr(user, "person", None)  # RelatedObjectDoesNotExist is an AttributeError
    if person is not None:
        return person.name
    return user.get_full_name() or user.get_username()


# user_label from plain values, for exports: (the user's path, e.g. "recorded_by") → sources.
def user_label_sources(path: str) -> tuple[str, ...]:
    return tuple(
        f"{path}__{field}" for field in ("person__name", "first_name", "last_name", "username")
    )


def user_label_of(person_name, first_name, last_name, username) -> str:
    if person_name is not None:
        return person_name
    return f"{last_name or ''}{first_name or ''}".strip() or username or ""


def local(value: datetime.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return timezone.localtime(value).strftime(fmt) if value else ""


# --- 403 and scope ----------------------------------------------------------------------------


class PermissionMixin(AllowedUsersMixin):
    """Answer 403 to users without the sessions' model permission for `permission_action`."""

    permission_action = "view"

    def user_is_allowed(self, user) -> bool:
        policy = session_policy()
        if self.permission_action == "view":
            return policy.user_has_any_permission(user, ["view", "add", "change", "delete"])
        return policy.user_has_permission(user, self.permission_action)


class SessionPageMixin(PermissionMixin, WagtailAdminTemplateMixin):
    """A page about one session in scope: breadcrumbs Home › Training sessions › session."""

    header_icon = "date"

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.session_pk = kwargs["pk"]

    @cached_property
    def session(self) -> TrainingSession:
        session = (
            sessions_visible_to(self.request.user)
            .select_related("village", "kind", "trainer_person")
            .filter(pk=self.session_pk)
            .first()
        )
        if session is None:
            raise Http404
        return session

    def get_page_subtitle(self):
        return str(self.session)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": session_url("index"),
                "label": capfirst(TrainingSession._meta.verbose_name_plural),
            },
            {"url": session_url("inspect", self.session.pk), "label": str(self.session)},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        session = self.session
        note = [session.topic, session.village.name, session.venue]
        return super().get_context_data(
            session=session, header_note=" · ".join(part for part in note if part), **kwargs
        )

from django.utils.translation import gettext_lazy as _

from lms.errors import UserFacingError


class PeopleError(UserFacingError):
    """A rule about people was broken; the message is for the user."""


class LoginLocked(PeopleError):
    default_message = _(
        "Too many failed attempts for this account from this network. "
        "Wait 15 minutes and try again, or ask your village secretary to reset your password."
    )


class InvalidCredentials(PeopleError):
    default_message = _("The phone number (or user name) and password do not match.")


class MergeRefused(PeopleError):
    default_message = _("These two records cannot be merged.")


class AccountRefused(PeopleError):
    default_message = _(
        "This person's account belongs to a member of staff; only an administrator may reset it."
    )

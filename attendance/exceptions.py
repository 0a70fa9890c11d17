from django.utils.translation import gettext_lazy as _

from lms.errors import UserFacingError


class AttendanceError(UserFacingError):
    """A rule about sessions or attendance was broken; the message is for the user."""


class SessionCancelled(AttendanceError):
    default_message = _("This session has been cancelled.")


class SignInNotOpen(AttendanceError):
    default_message = _("Sign-in for this session is not open.")


class SignInRefused(AttendanceError):
    default_message = _("This sign-in code is not valid. Scan the code on the screen again.")


class SessionHasAttendance(AttendanceError):
    default_message = _(
        "People have already signed in to this session, so it cannot be cancelled. "
        "Correct their records first if the session really did not take place."
    )


class BookingConflict(AttendanceError):
    default_message = _("The venue or the trainer is already booked at that time.")


class SignInExpired(SignInRefused):
    """A genuine QR code, but from more than a minute ago: a photo, not the screen."""

    default_message = _(
        "This QR code has expired. Scan the latest QR code on the screen at the venue."
    )


class CodeGuessingBlocked(SignInRefused):
    """Too many wrong codes from this person or network: a guesser, or a hall of typos."""

    default_message = _(
        "Too many wrong codes. Wait ten minutes, or scan the QR code on the screen instead."
    )


class PersonCodeInvalid(AttendanceError):
    default_message = _("This is not a valid personal sign-in code. Check the number.")


class EvaluationRefused(AttendanceError):
    default_message = _("Only people who attended the session can rate it.")


class WalkInClosed(AttendanceError):
    default_message = _("This walk-in has already been dealt with.")


class SheetPhotoRefused(AttendanceError):
    """The upload is not a photo that can be kept."""

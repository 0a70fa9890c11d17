from django.utils.translation import gettext_lazy as _

from lms.errors import UserFacingError


class CertificateError(UserFacingError):
    """A rule about certificates was broken; the message is for the user."""

    default_message = _("The certificate could not be issued.")


class NoTemplate(CertificateError):
    default_message = _("No certificate template of this kind is published.")


class NotEligible(CertificateError):
    default_message = _("This person has not earned this certificate.")


class NotStored(CertificateError):
    default_message = _("This study record was not kept when it was printed; print it again.")

"""The one base of the errors a rule raises for a person to read.

Each app names its own (PeopleError, StudyError, AttendanceError, CertificateError) with
the default message its users see; views and the API show `str(error)`.
"""

from django.utils.translation import gettext_lazy as _


class UserFacingError(Exception):
    """A rule was broken; the message is for the user, in their language."""

    default_message = _("The request could not be completed.")

    def __init__(self, message=None):
        super().__init__(str(message or self.default_message))

from django.utils.translation import gettext_lazy as _

from lms.errors import UserFacingError


class StudyError(UserFacingError):
    """A rule of online study was broken; the message is for the learner."""


class CourseNotOpen(StudyError):
    default_message = _("This course is not open for study now.")


class NotInAudience(StudyError):
    default_message = _("This course is for another group; ask your branch secretary.")


class LessonNotFound(StudyError):
    default_message = _("Lesson not found.")


class NotEnrolled(StudyError):
    default_message = _("Enrol in the course first.")


class NoAttemptsLeft(StudyError):
    default_message = _("You have used every attempt at this quiz.")


class StudyBusy(StudyError):
    """Other beats of the same person kept moving the clock: this one is not credited."""

    default_message = _("Your progress could not be saved just now; it will be next time.")

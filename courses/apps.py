from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    """Online study: CourseIndexPage → CoursePage → LessonPage, enrollment, progress."""

    name = "courses"
    verbose_name = _("Courses")
    default_auto_field = "django.db.models.BigAutoField"
    # Assigning courses, in their villages only (people.services.role_permissions). Editing
    # courses is Wagtail's page permission, given to the editor roles by people.services.
    role_permissions = dict.fromkeys(
        ("organizer", "secretary", "township_staff", "administrator"),
        ["courses.view_enrollment", "courses.add_enrollment", "courses.change_enrollment"],
    )

    def ready(self):
        from . import signals  # noqa: F401  (connects the receivers)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AttendanceConfig(AppConfig):
    """In-person training: sessions, registration, sign-in, attendance records."""

    name = "attendance"
    verbose_name = _("Attendance")
    default_auto_field = "django.db.models.BigAutoField"

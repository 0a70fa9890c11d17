from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Sessions in the admin (their villages only: the scope is the selectors').
_SESSIONS = [
    "attendance.view_trainingsession",
    "attendance.add_trainingsession",
    "attendance.change_trainingsession",
    "attendance.view_sessionkind",
    "attendance.view_attendancerecord",
    "attendance.view_registration",
    "attendance.add_registration",
    "attendance.change_registration",
    "attendance.view_sheetphoto",
    "attendance.add_sheetphoto",
]


class AttendanceConfig(AppConfig):
    """In-person training: sessions, registration, sign-in, attendance records."""

    name = "attendance"
    verbose_name = _("Attendance")
    default_auto_field = "django.db.models.BigAutoField"
    # What each staff role may do with attendance's models (people.services.role_permissions).
    role_permissions = {
        "organizer": _SESSIONS,
        "secretary": _SESSIONS,
        "township_staff": [
            *_SESSIONS,
            "attendance.delete_trainingsession",
            "attendance.add_sessionkind",
            "attendance.change_sessionkind",
        ],
        "administrator": [
            *(
                f"attendance.{action}_{model}"
                for action in ("add", "change", "delete", "view")
                for model in ("trainingsession", "sessionkind", "registration", "sheetphoto")
            ),
            "attendance.view_attendancerecord",
        ],
    }

    def ready(self):
        from . import signals  # noqa: F401  (connects the receivers)

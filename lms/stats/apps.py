from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    """The township's figures (期, 人次, 人数, 户, 学时, 参学率, 达标率): defined once, read by
    the dashboard, the statistics page, the exports, the API and `attendance_report`."""

    name = "lms.stats"
    label = "stats"
    verbose_name = _("Statistics")
    default_auto_field = "django.db.models.BigAutoField"

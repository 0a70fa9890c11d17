from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LedgerConfig(AppConfig):
    """The study-hours ledger: every hour a person earns, online or in person, is one row."""

    name = "lms.ledger"
    label = "ledger"
    verbose_name = _("Study hours")
    default_auto_field = "django.db.models.BigAutoField"

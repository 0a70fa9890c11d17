from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    """Certificate templates, issued certificates, their verification, 一人一档."""

    name = "certificates"
    verbose_name = _("Certificates")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from lms.ledger.signals import ledger_changed

        from .signals import ledger_changed_queue_check

        ledger_changed.connect(ledger_changed_queue_check, dispatch_uid="certificates_ledger")

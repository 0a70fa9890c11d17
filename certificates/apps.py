from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    """Certificate templates, issued certificates, their verification, 一人一档."""

    name = "certificates"
    verbose_name = _("Certificates")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from courses.models import Enrollment
        from lms.ledger.signals import ledger_changed
        from lms.people.merging import merge_row_conflict, merge_row_dropped

        from .models import Certificate
        from .signals import (
            certificate_merge_conflict,
            enrollment_merge_dropped,
            ledger_changed_queue_check,
        )

        ledger_changed.connect(ledger_changed_queue_check, dispatch_uid="certificates_ledger")
        merge_row_conflict.connect(
            certificate_merge_conflict, sender=Certificate, dispatch_uid="certificates_merge"
        )
        merge_row_dropped.connect(
            enrollment_merge_dropped, sender=Enrollment, dispatch_uid="certificates_enrollment"
        )

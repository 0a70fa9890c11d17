from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackupsConfig(AppConfig):
    """Backing up the database with MEDIA_ROOT and PRIVATE_ROOT into one file, and restoring it
    into an empty machine, checked against the file's manifest. Knows no domain: it reads the
    tables and folders as they are."""

    name = "lms.backups"
    label = "backups"
    verbose_name = _("Backups")

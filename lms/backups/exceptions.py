from django.utils.translation import gettext_lazy as _

from lms.errors import UserFacingError


class BackupError(UserFacingError):
    default_message = _("The backup could not be completed.")


class BackupDamaged(BackupError):
    """The file is not a whole backup: a checksum, a size or a member does not match its
    manifest. Raised before anything is restored."""

    default_message = _("The backup file is damaged; nothing was restored.")


class RestoreRefused(BackupError):
    """The target is not empty (and --force was not given), or the backup is of another
    database vendor. Raised before anything is written."""

    default_message = _("The restore was refused; nothing was changed.")


class DatabaseToolMissing(BackupError):
    default_message = _("A PostgreSQL client tool is missing.")

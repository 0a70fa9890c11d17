"""manage.py restore FILE [--force]: a backup into an empty database and empty folders,
then checked against its manifest (exit 1 on any difference)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms.backups.exceptions import BackupError
from lms.backups.services import backup_restore


class Command(BaseCommand):
    help = gettext_lazy(
        "Restore a backup into an empty database and empty MEDIA_ROOT and PRIVATE_ROOT, then"
        " check every table's rows and every file against the backup."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--force",
            action="store_true",
            help=_("restore over a database and folders that are not empty"),
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, **options):
        try:
            report = backup_restore(
                path=Path(options["file"]),
                connection=connections[options["database"]],
                media_root=Path(settings.MEDIA_ROOT),
                private_root=Path(settings.PRIVATE_ROOT),
                force=options["force"],
            )
        except (BackupError, OSError, DatabaseError) as error:
            raise CommandError(str(error)) from error
        for held in report.replaced:
            self.stdout.write(_("Replaced (--force): %(held)s") % {"held": held})
        self.stdout.write(
            _("Restored %(tables)s tables (%(rows)s rows) and %(files)s files in %(seconds).1f s.")
            % {
                "tables": report.tables,
                "rows": report.rows,
                "files": report.files,
                "seconds": report.seconds,
            }
        )
        for note in report.notes:
            self.stdout.write(note)
        if not report.ok:
            for mismatch in report.mismatches:
                self.stderr.write(mismatch)
            raise CommandError(
                _("%(count)s differences from the backup.") % {"count": len(report.mismatches)}
            )
        self.stdout.write(_("Every table's rows and every file match the backup."))

"""manage.py backup_check FILE: is this backup whole? Reads it, restores nothing."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms.backups.exceptions import BackupError
from lms.backups.services import backup_check, manifest_summary


class Command(BaseCommand):
    help = gettext_lazy(
        "Check a backup file against its manifest (every checksum) without restoring it."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, **options):
        try:
            manifest = backup_check(path=Path(options["file"]))
        except (BackupError, OSError, DatabaseError) as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _(
                "The backup is whole: made %(created)s by %(commit)s; %(vendor)s, %(tables)s"
                " tables (%(rows)s rows), %(media)s media and %(private)s private files,"
                " %(bytes)s bytes, every checksum matches."
            )
            % manifest_summary(manifest)
        )

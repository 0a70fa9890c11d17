"""manage.py backup --to DIR: the database, MEDIA_ROOT and PRIVATE_ROOT in one file."""

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms.backups.exceptions import BackupError
from lms.backups.services import backup_create, manifest_summary


class Command(BaseCommand):
    help = gettext_lazy(
        "Back up the database, MEDIA_ROOT and PRIVATE_ROOT into one file"
        " (shuangyu-backup-YYYYmmdd-HHMMSS.tar) in a folder; prints its path last."
    )

    def add_arguments(self, parser):
        parser.add_argument("--to", required=True, help=_("the folder to write the backup into"))
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, **options):
        started = time.perf_counter()
        try:
            path, manifest = backup_create(
                directory=Path(options["to"]),
                connection=connections[options["database"]],
                media_root=Path(settings.MEDIA_ROOT),
                private_root=Path(settings.PRIVATE_ROOT),
            )
        except (BackupError, OSError, DatabaseError) as error:
            raise CommandError(str(error)) from error
        summary = manifest_summary(manifest)
        self.stdout.write(
            _(
                "Backed up %(tables)s tables (%(rows)s rows) of %(vendor)s, %(media)s media and"
                " %(private)s private files: %(size)s bytes in %(seconds).1f s."
            )
            % {**summary, "size": path.stat().st_size, "seconds": time.perf_counter() - started}
        )
        self.stdout.write(str(path))

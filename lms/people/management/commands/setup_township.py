import re

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from lms.people.services import township_setup


class Command(BaseCommand):
    help = "Create or update a township and its villages (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument("name", help="the township, e.g. 东沟乡")
        parser.add_argument(
            "--villages",
            default="",
            help="comma-separated village names, e.g. 东沟村,西沟村 (，、; and ； work too)",
        )

    def handle(self, *args, name, villages, **options):
        names = [v for v in re.split(r"[,，、;；]", villages) if v.strip()]
        try:
            township, created = township_setup(name=name, village_names=names)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _("%(township)s: %(total)s villages, %(new)s new.")
            % {
                "township": township.name,
                "total": township.villages.count(),
                "new": len(created),
            }
        )
        for village in created:
            self.stdout.write(f"+ {village.name}")

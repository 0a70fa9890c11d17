"""What the import commands whose rows name villages share: the --township option."""

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from lms.imports.commands import ImportCommand

from .identity import normalize_name
from .models import Township


class TownshipImportCommand(ImportCommand):
    """An import whose rows name villages; --township tells villages of one name apart."""

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--township", help="the township whose villages the file names (if several)"
        )

    def township(self, name: str | None) -> Township | None:
        if not name:
            return None
        township = Township.objects.filter(name=normalize_name(name)).first()
        if township is None:
            raise CommandError(_("There is no township “%(name)s”.") % {"name": name})
        return township

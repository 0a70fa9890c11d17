from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from ...exceptions import CertificateError
from ...models import Certificate
from ...services import certificate_pdf_bytes, certificate_render


class Command(BaseCommand):
    help = (
        "Write a certificate's PDF to a file: the stored one, or rendered again (--again) from"
        " the template revision it was issued with."
    )

    def add_arguments(self, parser):
        parser.add_argument("serial")
        parser.add_argument("-o", "--output", required=True, help="the PDF file to write")
        parser.add_argument("--again", action="store_true", help="render it again and store it")

    def handle(self, *args, serial, output, again, **options):
        certificate = Certificate.objects.select_related("person").filter(serial=serial).first()
        if certificate is None:
            raise CommandError(_("No certificate has the number %(serial)s.") % {"serial": serial})
        try:
            if again:
                certificate_render(certificate=certificate, force=True)
            Path(output).write_bytes(certificate_pdf_bytes(certificate))
        except CertificateError as error:
            raise CommandError(str(error)) from error
        if options["verbosity"] >= 1:
            self.stderr.write(_("Written: %(file)s") % {"file": output})

"""What a certificate's PDF shows: its words filled into its template's layout, as the plain
`rendering.CertificateContent` the renderer takes.

The template model's preview asks here for a sample; nothing here imports the models, not
even for annotations (a template is anything with a CertificateTemplate's fields), so the
arrows inside the app run one way (models → content → rendering).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from . import rendering

# The preview's made-up certificate of each kind (keys are Kind's values).
SAMPLE = {
    "program": ("2026年度党性教育和技能培训“双育工程”", Decimal("32"), "2026年"),
    "course": ("网上课程“大棚蔬菜种植技术”", Decimal("4"), "2026年5月12日"),
    "training": ("农民科技培训“马铃薯脱毒种薯繁育”", Decimal("2"), "2026年3月5日"),
}
SAMPLE_NAME = "张秀英"
SAMPLE_SERIAL = "DG-2026-000000"


def verify_url(serial: str) -> str:
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(
        "certificates:verify", args=[serial]
    )


def image_path(image) -> str | None:
    if image is None:
        return None
    try:
        return image.file.path
    except (NotImplementedError, ValueError):  # remote storage: no local file to embed
        return None


def template_content(
    template,
    *,
    serial: str,
    name: str,
    subject: str,
    hours: Decimal,
    dates: str,
    issuer: str,
    issued_on: datetime.date,
) -> rendering.CertificateContent:
    """The template's words with one certificate's values filled in."""
    values = {
        "name": name,
        "what": subject,
        "hours": f"{hours.normalize():f}",
        "dates": dates,
        "serial": serial,
        "issuer": issuer,
    }
    return rendering.CertificateContent(
        serial=serial,
        title=template.title,
        body=template.body,
        values=values,
        name=name,
        issuer=issuer,
        issued_on=issued_on,
        signatory_name=template.signatory_name,
        signatory_title=template.signatory_title,
        orientation=template.orientation,
        background_path=image_path(template.background),
        seal_path=image_path(template.seal),
        verify_url=verify_url(serial),
    )


def certificate_content(certificate, *, template=None) -> rendering.CertificateContent:
    """What the PDF shows: the certificate as issued, in the template revision it was
    issued with (or a template given)."""
    if template is None:
        template = certificate.template_revision.as_object()
    return template_content(
        template,
        serial=certificate.serial,
        name=certificate.person.name,
        subject=certificate.subject,
        hours=certificate.hours,
        dates=certificate.dates,
        issuer=certificate.issuer,
        issued_on=timezone.localtime(certificate.issued_at).date()
        if certificate.issued_at
        else timezone.localdate(),
    )


def sample_pdf(template) -> bytes:
    """A made-up certificate (张秀英, serial 000000) in the template as it is being edited."""
    subject, hours, dates = SAMPLE.get(template.kind, SAMPLE["training"])
    content = template_content(
        template,
        serial=SAMPLE_SERIAL,
        name=SAMPLE_NAME,
        subject=subject,
        hours=hours,
        dates=dates,
        issuer=template.issuer,
        issued_on=timezone.localdate(),
    )
    return rendering.certificate_pdf(content=content)

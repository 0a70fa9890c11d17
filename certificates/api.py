"""Certificates over HTTP, mounted at /api/v1/certificates/.

My certificates (a learner), public verification (no login: a masked name, as on the
verification page), and a training's certificates issued in one call (staff in scope).
"""

import datetime
from decimal import Decimal

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from attendance.selectors import sessions_visible_to
from lms.api_input import RecordId
from lms.people.identity import mask_name
from lms.people.selectors import person_for_user, user_role

from . import batches
from .content import verify_url
from .models import IssueBatch
from .selectors import certificate_for_verification, certificates_of

router = Router(tags=["certificates"])


class CertificateOut(Schema):
    serial: str
    kind: str
    subject: str
    hours: Decimal
    dates: str
    issuer: str
    issued_at: datetime.datetime
    status: str
    pdf_url: str | None = Field(
        description="Where to download the PDF; null for a study record (一人一档) printed"
        " before records were kept, which cannot be made again as it was."
    )
    verify_url: str


class VerificationOut(Schema):
    serial: str
    name: str
    subject: str
    hours: Decimal
    dates: str
    issuer: str
    issued_at: datetime.datetime
    status: str
    revoked_reason: str


class BatchOut(Schema):
    id: int
    status: str
    done: int
    total: int
    errors: list[dict]


def _certificate_out(certificate) -> dict:
    return {
        "serial": certificate.serial,
        "kind": certificate.kind,
        "subject": certificate.subject,
        "hours": certificate.hours,
        "dates": certificate.dates,
        "issuer": certificate.issuer,
        "issued_at": certificate.issued_at,
        "status": certificate.status,
        "pdf_url": reverse("certificates:pdf", args=[certificate.serial])
        if certificate.pdf_can_be_served
        else None,
        "verify_url": verify_url(certificate.serial),
    }


@router.get("/", response=list[CertificateOut])
def my_certificates(request):
    """The logged-in learner's certificates, newest first (download at pdf_url, null when
    the PDF cannot be served)."""
    person = person_for_user(request.user)
    if person is None:
        raise HttpError(403, _("This account is not linked to a person on the roster."))
    return [_certificate_out(c) for c in certificates_of(person)]


@router.get("/verify/{serial}", response=VerificationOut, auth=None)
def verify(request, serial: str):
    """Public: what a certificate certifies and whether it is valid; 404 for an unknown
    number (nothing else is said)."""
    certificate = certificate_for_verification(serial)
    if certificate is None:
        raise Http404
    return {
        "serial": certificate.serial,
        "name": mask_name(certificate.person.name),
        "subject": certificate.subject,
        "hours": certificate.hours,
        "dates": certificate.dates,
        "issuer": certificate.issuer,
        "issued_at": certificate.issued_at,
        "status": certificate.status,
        "revoked_reason": certificate.revoked_reason,
    }


@router.post("/sessions/{int:session_id}/issue", response={202: BatchOut})
def issue_for_session(request, session_id: RecordId):
    """Issue a training's certificates to everyone present or late (in the background);
    poll the batch for progress. 404 for a session outside your villages."""
    if user_role(request.user) is None:
        raise HttpError(403, _("Only staff may issue certificates."))
    session = sessions_visible_to(request.user).filter(pk=session_id).first()
    if session is None:
        raise Http404
    batch = batches.training_batch_request(session=session, by=request.user)
    batch.refresh_from_db()
    return Status(202, _batch_out(batch))


@router.get("/batches/{int:batch_id}", response=BatchOut)
def batch_progress(request, batch_id: RecordId):
    batch = IssueBatch.objects.filter(pk=batch_id).first()
    if batch is None or batch.session_id is None:
        raise Http404
    if not sessions_visible_to(request.user).filter(pk=batch.session_id).exists():
        raise Http404
    return _batch_out(batch)


def _batch_out(batch) -> dict:
    return {
        "id": batch.pk,
        "status": batch.status,
        "done": batch.done,
        "total": batch.total,
        "errors": batch.errors,
    }

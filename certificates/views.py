"""The public verification page, 我的证书 and downloads.

/verify/<SERIAL>/ is public: a masked name, what it certifies, the date, the issuer, valid
or revoked with the reason; an unknown serial says only that. A PDF is downloaded by its
owner, or by staff whose role covers the owner's village or the village of the training it
was issued for (selectors.certificates_in_staff_scope); anyone else gets 404, as for a serial
that does not exist.
"""

from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from lms.people.identity import mask_name
from lms.people.selectors import person_for_user

from . import records
from .exceptions import NotStored
from .selectors import certificate_for_verification, certificates_of, certificates_visible_to
from .services import certificate_filename, certificate_pdf_bytes


@require_GET
def verify(request, serial):
    certificate = certificate_for_verification(serial)
    context = {"serial": serial, "certificate": certificate}
    if certificate is not None:
        context["masked_name"] = mask_name(certificate.person.name)
    response = render(
        request, "certificates/verify.html", context, status=200 if certificate else 404
    )
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@require_GET
def mine(request):
    person = person_for_user(request.user)
    certificates = list(certificates_of(person)) if person is not None else []
    return render(
        request,
        "certificates/mine.html",
        {"certificates": certificates, "year": timezone.localdate().year},
    )


@login_required
@require_GET
def pdf(request, serial):
    certificate = certificates_visible_to(request.user).filter(serial=serial).first()
    if certificate is None:
        raise Http404
    try:
        pdf = certificate_pdf_bytes(certificate)
    except NotStored:
        raise Http404 from None
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = (
        f'{disposition}; filename="{certificate_filename(certificate)}"'
    )
    return response


@login_required
@require_GET
def my_record(request, year: int):
    """一人一档 of my own year, printed now (with a serial of its own)."""
    person = person_for_user(request.user)
    if person is None or not 2000 <= year <= timezone.localdate().year:
        raise Http404
    with transaction.atomic():
        printed = records.study_records(people=[person], year=year, by=request.user)
    response = HttpResponse(
        records.study_records_pdf(records=printed), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="study-record-{year}.pdf"'
    return response

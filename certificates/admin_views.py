"""The certificates' admin pages: a session's certificates (issue in one action, download as
ZIP or one printable PDF), a batch's progress, revoking a certificate.

Every page checks the user's scope: a session or certificate outside their villages is 404.
"""

import io
import zipfile

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from attendance.models import TrainingSession
from attendance.selectors import sessions_visible_to
from lms.people.selectors import user_role, villages_visible_to

from . import batches, records, rendering, services
from .content import certificate_content
from .exceptions import CertificateError
from .models import Certificate, IssueBatch, Kind
from .selectors import certificates_in_staff_scope


class StaffOnlyMixin:
    def dispatch(self, request, *args, **kwargs):
        if user_role(request.user) is None:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _session_in_scope(user, session_id: int) -> TrainingSession:
    session = (
        sessions_visible_to(user).select_related("village", "kind").filter(pk=session_id).first()
    )
    if session is None:
        raise Http404
    return session


def _session_certificates(session: TrainingSession):
    return (
        Certificate.objects.filter(session=session, kind=Kind.TRAINING)
        .select_related("person__village")
        .order_by("person__name", "pk")
    )


class SessionCertificatesView(StaffOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    """Who gets the training's certificate, who has one, and the one action to issue them."""

    page_title = gettext_lazy("Training certificates")
    header_icon = "doc-full"
    template_name = "certificates/admin/session_certificates.html"
    breadcrumbs_items = []

    @cached_property
    def session(self):
        return _session_in_scope(self.request.user, self.kwargs["session_id"])

    def get_page_subtitle(self):
        return str(self.session)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        certificates = list(_session_certificates(self.session))
        have = {certificate.person_id for certificate in certificates}
        eligible = services.training_certificate_people(self.session)
        context.update(
            session=self.session,
            certificates=certificates,
            to_issue=[person for person in eligible if person.pk not in have],
            batches=IssueBatch.objects.filter(session=self.session)[:3],
        )
        return context

    def post(self, request, session_id):
        batch = batches.training_batch_request(session=self.session, by=request.user)
        return redirect("certificates_admin:batch", batch.pk)


class IssueBatchView(StaffOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    page_title = gettext_lazy("Issuing certificates")
    header_icon = "doc-full"
    template_name = "certificates/admin/batch.html"
    breadcrumbs_items = []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        batch = get_object_or_404(IssueBatch, pk=kwargs["batch_id"])
        if batch.session_id is not None:
            _session_in_scope(self.request.user, batch.session_id)
        elif batch.requested_by_id != self.request.user.pk:
            raise Http404
        context["batch"] = batch
        context["refresh"] = batch.status in (IssueBatch.Status.QUEUED, IssueBatch.Status.RUNNING)
        return context


def session_certificates_zip(request, session_id):
    """Every certificate of a training, one PDF a person, in one ZIP."""
    if user_role(request.user) is None:
        raise PermissionDenied
    session = _session_in_scope(request.user, session_id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for certificate in _session_certificates(session):
            name = f"{certificate.serial}-{certificate.person.name}.pdf"
            archive.writestr(name, services.certificate_pdf_bytes(certificate))
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="certificates-{session.pk}.zip"'
    return response


def session_certificates_booklet(request, session_id):
    """Every valid certificate of a training in one printable PDF, a page each."""
    if user_role(request.user) is None:
        raise PermissionDenied
    session = _session_in_scope(request.user, session_id)
    contents = [
        certificate_content(certificate)
        for certificate in _session_certificates(session).filter(status=Certificate.Status.VALID)
    ]
    if not contents:
        messages.error(request, _("No certificates have been issued for this session yet."))
        return redirect("certificates_admin:session", session.pk)
    response = HttpResponse(
        rendering.certificates_booklet_pdf(contents=contents), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="certificates-{session.pk}.pdf"'
    return response


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=200,
        help_text=gettext_lazy("Shown on the verification page."),
    )


class CertificateRevokeView(StaffOnlyMixin, WagtailAdminTemplateMixin, FormView):
    page_title = gettext_lazy("Revoke certificate")
    header_icon = "warning"
    template_name = "certificates/admin/revoke.html"
    breadcrumbs_items = []
    form_class = RevokeForm

    @cached_property
    def certificate(self):
        # Learners see their own certificates, but only staff in scope revoke.
        certificate = (
            certificates_in_staff_scope(self.request.user)
            .filter(pk=self.kwargs["certificate_id"])
            .first()
        )
        if certificate is None:
            raise Http404
        return certificate

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "certificate": self.certificate}

    def form_valid(self, form):
        try:
            services.certificate_revoke(
                certificate=self.certificate,
                by=self.request.user,
                reason=form.cleaned_data["reason"],
            )
        except CertificateError as error:
            form.add_error("reason", str(error))
            return self.form_invalid(form)
        messages.success(
            self.request,
            _("Certificate %(serial)s has been revoked.") % {"serial": self.certificate.serial},
        )
        return redirect(reverse("certificates_list:inspect", args=[self.certificate.pk]))


# --- 一人一档 -------------------------------------------------------------------------------------


class RecordsForm(forms.Form):
    village = forms.ModelChoiceField(label=gettext_lazy("Village"), queryset=None)
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2100)
    party_members_only = forms.BooleanField(
        label=gettext_lazy("Party members only"), required=False, initial=True
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages_visible_to(user).order_by("name")
        self.fields["year"].initial = timezone.localdate().year


class StudyRecordsView(StaffOnlyMixin, WagtailAdminTemplateMixin, FormView):
    """A village's 一人一档 printed in one go: one PDF, a record (and a serial) each."""

    page_title = gettext_lazy("Personal study records")
    header_icon = "doc-full"
    template_name = "certificates/admin/records.html"
    breadcrumbs_items = []
    form_class = RecordsForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form):
        data = form.cleaned_data
        people = records.village_people(
            village=data["village"], party_members_only=data["party_members_only"]
        )
        if not people:
            form.add_error(None, _("Nobody in this village matches."))
            return self.form_invalid(form)
        with transaction.atomic():
            printed = records.study_records(people=people, year=data["year"], by=self.request.user)
        response = HttpResponse(
            records.study_records_pdf(records=printed), content_type="application/pdf"
        )
        name = f"study-records-{data['village'].pk}-{data['year']}.pdf"
        response["Content-Disposition"] = f'inline; filename="{name}"'
        return response

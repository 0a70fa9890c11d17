"""The printed sign-in sheet of a session and the photos of the signed paper."""

from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy, ngettext
from django.views.generic import TemplateView, View
from wagtail.admin import messages

from .. import sheet_photos
from ..exceptions import AttendanceError
from ..models import (
    SheetPhoto,
)
from ..sheet_pdf import sign_in_sheet_filename, sign_in_sheet_pdf
from .common import SessionPageMixin, session_url
from .forms import (
    SheetPhotoForm,
)

# --- The printed sheet and its photos ---------------------------------------------------------


class SheetPdfView(SessionPageMixin, View):
    """打印签到表: the invited roster and empty lines, for a venue with no signal."""

    def get(self, request, *args, **kwargs):
        pdf = sign_in_sheet_pdf(session=self.session)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="{sign_in_sheet_filename(self.session)}"'
        )
        response["Cache-Control"] = "private, no-store"
        return response


class SheetPhotoUploadView(SessionPageMixin, TemplateView):
    permission_action = "change"
    page_title = gettext_lazy("Photos of the paper sheet")
    header_icon = "image"
    template_name = "attendance/admin/sheet_photos.html"

    def get_context_data(self, form=None, **kwargs):
        return super().get_context_data(
            form=form or SheetPhotoForm(),
            photos=[
                {"photo": photo, "url": session_url("photo", self.session.pk, photo.pk)}
                for photo in self.session.sheet_photos.all()
            ],
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = SheetPhotoForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                with transaction.atomic():
                    for upload in form.cleaned_data["photos"]:
                        sheet_photos.sheet_photo_attach(
                            session=self.session, upload=upload, by=request.user
                        )
            except AttendanceError as error:
                form.add_error("photos", str(error))
            else:
                count = len(form.cleaned_data["photos"])
                messages.success(
                    request,
                    ngettext(
                        "%(count)d photo attached to the session.",
                        "%(count)d photos attached to the session.",
                        count,
                    )
                    % {"count": count},
                )
                return redirect(session_url("inspect", self.session.pk))
        return self.render_to_response(self.get_context_data(form=form))


class SheetPhotoView(SessionPageMixin, View):
    """A photo, served only to those who may see the session (it shows names and phones)."""

    def get(self, request, *args, photo_pk, **kwargs):
        photo = SheetPhoto.objects.filter(session=self.session, pk=photo_pk).first()
        if photo is None:
            raise Http404
        try:
            handle = photo.image.open("rb")
        except (FileNotFoundError, OSError) as error:
            raise Http404 from error
        response = FileResponse(handle, content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=3600"
        return response

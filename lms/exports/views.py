"""A queued export's page (its progress, then the file or the error and a retry button) and
its download, for the listings' exports; the statistics' exports use the same template."""

from django.http import FileResponse, Http404, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from .models import ListingExport
from .services import listing_export_retry
from .spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE

CONTENT_TYPES = {"csv": CSV_CONTENT_TYPE, "xlsx": XLSX_CONTENT_TYPE}


def own_export(request, model, export_id: int):
    """The export if the user asked for it (or is a superuser), else 404, as for one that does
    not exist: a listing's file holds what its requester's scope showed, which may be more
    than another user sees."""
    export = get_object_or_404(model, pk=export_id)
    if export.requested_by_id != request.user.pk and not request.user.is_superuser:
        raise Http404
    return export


class ListingExportStatusView(WagtailAdminTemplateMixin, TemplateView):
    page_title = gettext_lazy("Export")
    header_icon = "download"
    template_name = "exports/admin/status.html"
    breadcrumbs_items = []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        export = own_export(self.request, ListingExport, kwargs["export_id"])
        listing = QueryDict(export.query, mutable=True)
        listing.pop("export", None)
        context.update(
            export=export,
            refresh=export.is_pending,
            download_url=reverse("listing_exports:file", args=[export.pk]),
            back_url=f"{export.path}?{listing.urlencode()}",
            back_label=_("Back to %(listing)s") % {"listing": export.title},
        )
        return context

    def post(self, request, export_id):
        listing_export_retry(export=own_export(request, ListingExport, export_id))
        return redirect("listing_exports:status", export_id)


class ListingExportDownloadView(View):
    def get(self, request, export_id):
        export = own_export(request, ListingExport, export_id)
        if export.status != ListingExport.Status.READY:
            return redirect("listing_exports:status", export_id)
        return FileResponse(
            export.file.open("rb"),
            as_attachment=True,
            filename=export.file.name.rsplit("/", 1)[-1],
            content_type=CONTENT_TYPES[export.format],
        )

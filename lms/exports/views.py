"""The admin listings' export (`ListingExportMixin`: `?export=csv|xlsx` on any listing), a
queued export's page (its progress, then the file or the error and a retry button) and its
download; the statistics' exports use the same template."""

from tempfile import SpooledTemporaryFile

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from .listing import CHUNK_SIZE, IN_MEMORY_BYTES, ExportColumn, ExportPlan
from .models import ListingExport
from .services import listing_export_request, listing_export_retry
from .spreadsheets import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, XLSX_MAX_ROWS

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


class ListingExportMixin:
    """For a Wagtail IndexView (before it in the bases): `?export=csv|xlsx` answered by the
    shared export, keeping Wagtail's buttons, `list_export`, `export_headings` and
    `export_filename`. Subclasses say how each `list_export` field is read:
    `export_columns()`. By default a field is exported as its own value."""

    export_chunk_size = CHUNK_SIZE

    def export_columns(self) -> dict[str, ExportColumn]:
        return {field: ExportColumn(field) for field in self.list_export}

    def get(self, request, *args, **kwargs):
        if not (self.is_export and self.list_export):
            return super().get(request, *args, **kwargs)
        return self.export_response(request.GET["export"])

    def export_response(self, export_format: str):
        queryset = self.get_queryset()
        total = queryset.count()
        if export_format == "xlsx" and total > XLSX_MAX_ROWS:
            messages.error(
                self.request,
                _(
                    "%(rows)s rows are more than a sheet holds: download CSV, or narrow the"
                    " listing with its filters."
                )
                % {"rows": total},
            )
            query = self.request.GET.copy()
            query.pop("export")
            return redirect(f"{self.request.path}?{query.urlencode()}")
        if total > settings.EXPORT_DIRECT_MAX_ROWS:
            export = listing_export_request(
                user=self.request.user,
                path=self.request.path,
                query=self.request.GET.urlencode(),
                format=export_format,
                title=str(self.verbose_name_plural or self.get_filename()),
                rows=total,
            )
            return redirect("listing_exports:status", export.pk)
        plan = ExportPlan(self, queryset)
        filename = f"{self.get_filename()}.{export_format}"
        if export_format == "csv":
            response = StreamingHttpResponse(plan.csv(), content_type=CSV_CONTENT_TYPE)
            response["Content-Disposition"] = f'attachment; filename="{filename}"'
            return response
        # Written whole before the first byte goes out, so the response carries its length:
        # a client (and nginx) tells a cut download from a complete one.
        file = SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)  # noqa: SIM115 (the response closes it)
        plan.xlsx(file)
        file.seek(0)
        return FileResponse(
            file, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE
        )

"""The statistics page in the admin (/admin/stats/), its exports and queued export files.

Staff only, each within their villages (the filter is built through their scope). The
figures come from `report.stats_overview`; the files from `services.export_content`.
"""

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from lms.ledger.models import Track
from lms.people.selectors import user_is_administrator, user_role

from . import exports, services
from .forms import StatsFilterForm
from .models import StatsExport
from .report import COLUMNS, GROUPING_LABELS, filter_description, stats_overview
from .selectors import GROUPINGS, targets_progress

EXPORT_FORMATS = ("xlsx", "csv", "pdf")


class StaffOnlyMixin:
    def dispatch(self, request, *args, **kwargs):
        if user_role(request.user) is None:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class StatsView(StaffOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    """Totals, charts and tables of a date range, narrowed by village, track, kind and
    party membership; exports of the same figures."""

    page_title = gettext_lazy("Statistics")
    header_icon = "table"
    template_name = "stats/admin/stats.html"
    breadcrumbs_items = []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = StatsFilterForm(self.request.GET, user=self.request.user)
        context["form"] = form
        if not form.is_valid():
            return context
        f = form.stats_filter()
        overview = stats_overview(f)
        query = self.request.GET.copy()
        query.pop("format", None)
        context.update(
            overview=overview,
            description=filter_description(f),
            charts=exports.overview_charts(overview),
            columns=COLUMNS,
            tables=[
                (_("By village"), overview.breakdowns["village"]),
                (_("By month"), overview.breakdowns["month"]),
                (_("By track"), overview.by_track),
                (_("By kind (meetings included)"), overview.breakdowns["kind"]),
            ],
            targets=targets_progress(self.request.user, year=f.date_to.year),
            query=query.urlencode(),
            export_is_direct=services.export_is_direct(f),
            groupings=GROUPINGS,
            grouping_labels={key: str(label) for key, label in GROUPING_LABELS.items()},
            track_labels=[*((t.value, t.label) for t in Track), ("total", _("Total"))],
        )
        return context


class StatsExportView(StaffOnlyMixin, View):
    """?format=xlsx|csv|pdf (&by= for CSV): the file now, or a queued export for long ranges."""

    def get(self, request):
        form = StatsFilterForm(request.GET, user=request.user)
        format = request.GET.get("format", "xlsx")
        by = request.GET.get("by", "village")
        if format not in EXPORT_FORMATS or by not in GROUPINGS or not form.is_valid():
            return redirect(f"{reverse('stats:index')}?{request.GET.urlencode()}")
        f = form.stats_filter()
        if not services.export_is_direct(f):
            export = services.stats_export_request(user=request.user, f=f, format=format, by=by)
            return redirect("stats:export", export.pk)
        response = HttpResponse(
            services.export_content(f=f, format=format, by=by),
            content_type=services.CONTENT_TYPES[format],
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{services.export_filename(f, format, by)}"'
        )
        return response


def _own_export(request, export_id: int) -> StatsExport:
    export = get_object_or_404(StatsExport, pk=export_id)
    if export.requested_by_id != request.user.pk and not user_is_administrator(request.user):
        raise PermissionDenied
    return export


class StatsExportStatusView(StaffOnlyMixin, WagtailAdminTemplateMixin, TemplateView):
    """A queued export: its progress (the page refreshes itself), then the file, or the
    error and a retry button."""

    page_title = gettext_lazy("Statistics export")
    header_icon = "download"
    template_name = "exports/admin/status.html"
    breadcrumbs_items = []

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        export = _own_export(self.request, kwargs["export_id"])
        context.update(
            export=export,
            refresh=export.is_pending,
            download_url=reverse("stats:export_file", args=[export.pk]),
            back_url=reverse("stats:index"),
            back_label=_("Back to the statistics"),
        )
        return context

    def post(self, request, export_id):
        services.stats_export_retry(export=_own_export(request, export_id))
        return redirect("stats:export", export_id)


class StatsExportDownloadView(StaffOnlyMixin, View):
    def get(self, request, export_id):
        export = _own_export(request, export_id)
        if export.status != StatsExport.Status.READY:
            return redirect("stats:export", export_id)
        return FileResponse(
            export.file.open("rb"),
            as_attachment=True,
            filename=export.file.name.rsplit("/", 1)[-1],
            content_type=services.CONTENT_TYPES[export.format],
        )

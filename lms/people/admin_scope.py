"""Wagtail admin viewsets whose every view is limited to the villages a user may see.

The index lists only in-scope rows (and so does its spreadsheet export: lms.exports); edit,
delete, inspect, copy, history and usage answer 404 for an out-of-scope object whatever its
URL, as for one that does not exist. (A PermissionDenied would become Wagtail's redirect to the
dashboard, and tell the user that the record exists somewhere else.)
Later apps (attendance sessions, certificates) reuse ScopedModelViewSet with their own
`scope_queryset`.
"""

import datetime

from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history, usage
from wagtail.admin.viewsets.model import ModelViewSet

from lms.exports.views import ListingExportMixin

from .selectors import townships_managed_by


class ScopedObjectMixin:
    scope = None  # callable(user) -> the queryset of objects the user may see

    def get_object(self, *args, **kwargs):
        obj = super().get_object(*args, **kwargs)
        if obj is not None and not self.scope(self.request.user).filter(pk=obj.pk).exists():
            raise Http404
        return obj


class ScopedIndexView(ListingExportMixin, generic.IndexView):
    """The listing of the rows in scope; its export (lms.exports) is of the same rows, each
    listing saying how its columns are read (`export_columns`)."""

    scope = None

    def get_base_queryset(self):
        return self.scope(self.request.user)


class ScopedEditView(ScopedObjectMixin, generic.EditView):
    pass


class ScopedDeleteView(ScopedObjectMixin, generic.DeleteView):
    pass


class ScopedInspectView(ScopedObjectMixin, generic.InspectView):
    def get_field_display_value(self, field_name, field):
        """What a staff member reads: a moment on the township's clock, and "—", 是 or 否 for
        an empty or a yes/no field, not Wagtail's UTC, "None", "True" or "False"."""
        value = super().get_field_display_value(field_name, field)
        if isinstance(value, datetime.datetime):
            # Wagtail's template formats the moment as stored (UTC): the township's clock
            return timezone.localtime(value)
        if value is None or value == "":
            return "—"
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        return value


class ScopedCopyView(ScopedObjectMixin, generic.CopyView):
    pass


class ScopedHistoryView(ScopedObjectMixin, history.HistoryView):
    pass


class ScopedUsageView(ScopedObjectMixin, usage.UsageView):
    pass


class ScopedModelViewSet(ModelViewSet):
    index_view_class = ScopedIndexView
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView
    inspect_view_class = ScopedInspectView
    copy_view_class = ScopedCopyView
    history_view_class = ScopedHistoryView
    usage_view_class = ScopedUsageView

    def scope_queryset(self, user):
        raise NotImplementedError

    def _scope(self, user):
        return self.scope_queryset(user)

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(scope=self._scope, **kwargs)


class AllowedUsersMixin:
    """Answer a plain 403 page to users `user_is_allowed` refuses, before anything is looked
    up, so that no URL reveals a record. (Wagtail turns a raised PermissionDenied into a
    redirect to the dashboard, which tells the user nothing.)"""

    def user_is_allowed(self, user) -> bool:
        raise NotImplementedError

    def dispatch(self, request, *args, **kwargs):
        if not self.user_is_allowed(request.user):
            title = _("Permission denied")
            return TemplateResponse(
                request,
                "people/admin/forbidden.html",
                {"page_title": title, "header_title": title, "header_icon": "warning"},
                status=403,
            )
        return super().dispatch(request, *args, **kwargs)


class ReadOnlyScopedModelViewSet(ScopedModelViewSet):
    """Rows that change only through the services that keep their history and the ledger
    (attendance records, enrolments): listed, inspected and their history shown, in scope;
    no add, edit or delete link or URL."""

    read_only_views = frozenset(
        {"index", "index_results", "inspect", "history", "history_results", "usage"}
    )

    def get_common_view_kwargs(self, **kwargs):
        return super().get_common_view_kwargs(
            add_url_name=None, edit_url_name=None, delete_url_name=None, **kwargs
        )

    def get_urlpatterns(self):
        return [p for p in super().get_urlpatterns() if p.name in self.read_only_views]


class TownshipSettingsForm(WagtailAdminModelForm):
    """A township's own settings: the township is one the user manages."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        self.fields["township"].queryset = townships_managed_by(for_user)

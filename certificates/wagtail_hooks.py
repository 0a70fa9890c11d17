"""Admin registration of the certificates: templates (a snippet with drafts, revisions and a
PDF preview), the issued certificates (scoped, with revoking), a session's certificates,
and the 颁发培训证书 action on the session page."""

import django_filters
from django.urls import include, path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import BooleanColumn, Column
from wagtail.admin.widgets.button import Button, HeaderButton
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from attendance.models import TrainingSession
from lms.exports.listing import ExportColumn, choice_labels
from lms.people.admin_scope import ScopedIndexView, ScopedInspectView, ScopedModelViewSet
from lms.people.permissions import AdministratorOnlyPolicy
from lms.people.selectors import user_role, villages_visible_to

from . import admin_views
from .models import Certificate, CertificateTemplate, Kind
from .selectors import certificates_in_staff_scope


class CertificatePolicy(ModelPermissionPolicy):
    """Every staff role sees the certificates in its scope (certificates_in_staff_scope);
    nobody adds, edits or deletes one here (they change by issuing and revoking, which check
    their own rules)."""

    def user_has_permission(self, user, action):
        return action == "view" and user_role(user) is not None

    def user_has_any_permission(self, user, actions):
        return "view" in actions and user_role(user) is not None

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_any_permission(user, actions):
            return Certificate.objects.none()
        return certificates_in_staff_scope(user)


register_permission_policy(Certificate, CertificatePolicy(Certificate))

app_name = "certificates_admin"
urlpatterns = [
    path(
        "sessions/<int:session_id>/", admin_views.SessionCertificatesView.as_view(), name="session"
    ),
    path(
        "sessions/<int:session_id>/certificates.zip",
        admin_views.session_certificates_zip,
        name="session_zip",
    ),
    path(
        "sessions/<int:session_id>/certificates.pdf",
        admin_views.session_certificates_booklet,
        name="session_booklet",
    ),
    path("batches/<int:batch_id>/", admin_views.IssueBatchView.as_view(), name="batch"),
    path("records/", admin_views.StudyRecordsView.as_view(), name="records"),
    path(
        "<int:certificate_id>/revoke/",
        admin_views.CertificateRevokeView.as_view(),
        name="revoke",
    ),
]


@hooks.register("register_admin_urls")
def register_certificate_admin_urls():
    return [path("certificates/", include((urlpatterns, app_name), namespace=app_name))]


@hooks.register("attendance_session_buttons")
def session_certificates_button(request, session):
    """颁发培训证书 on the session page, for staff, once the session was not cancelled."""
    if user_role(request.user) is None or session.status == TrainingSession.Status.CANCELLED:
        return []
    return [
        Button(
            _("Training certificates"),
            url=reverse("certificates_admin:session", args=[session.pk]),
            icon_name="doc-full",
            priority=8,
        )
    ]


# --- Templates ----------------------------------------------------------------------------------


def _township_or_shared(template: CertificateTemplate) -> str:
    return template.township.name if template.township_id else _("county-wide (shared)")


class CertificateTemplateViewSet(SnippetViewSet):
    model = CertificateTemplate
    icon = "doc-full"
    menu_label = gettext_lazy("Certificate templates")
    add_to_admin_menu = False
    list_display = [
        "name",
        "kind",
        Column("township", label=gettext_lazy("township"), accessor=_township_or_shared),
        "title",
        "orientation",
        # A yes/no mark, not Python's "True" / "False".
        BooleanColumn("live", label=CertificateTemplate._meta.get_field("live").verbose_name),
    ]
    list_filter = ["kind", "township"]
    copy_view_enabled = True

    def get_queryset(self, request):
        return CertificateTemplate.objects.select_related("township")


# Templates are the township's official wording and seal: administrators edit them.
register_permission_policy(CertificateTemplate, AdministratorOnlyPolicy(CertificateTemplate))
register_snippet(CertificateTemplateViewSet)


# --- Issued certificates ------------------------------------------------------------------------


def _visible_villages(request):
    from lms.people.models import Village

    return villages_visible_to(request.user) if request else Village.objects.none()


class CertificateFilterSet(WagtailFilterSet):
    kind = django_filters.ChoiceFilter(label=gettext_lazy("kind"), choices=Kind.choices)
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("status"), choices=Certificate.Status.choices
    )
    person__village = django_filters.ModelChoiceFilter(
        label=gettext_lazy("village"), queryset=_visible_villages
    )

    class Meta:
        model = Certificate
        fields = ["kind", "status", "year", "person__village"]


class CertificateInspectView(ScopedInspectView):
    @cached_property
    def header_buttons(self):
        buttons = [
            HeaderButton(
                _("Open the PDF"),
                url=reverse("certificates:pdf", args=[self.object.serial]),
                icon_name="doc-full",
                attrs={"target": "_blank", "rel": "noopener"},
            ),
            HeaderButton(
                _("Verification page"),
                url=reverse("certificates:verify", args=[self.object.serial]),
                icon_name="link-external",
                attrs={"target": "_blank", "rel": "noopener"},
            ),
        ]
        if self.object.is_valid:
            buttons.append(
                HeaderButton(
                    _("Revoke"),
                    url=reverse("certificates_admin:revoke", args=[self.object.pk]),
                    icon_name="warning",
                )
            )
        return buttons


class CertificateIndexView(ScopedIndexView):
    def export_columns(self):
        return {
            "serial": ExportColumn("serial"),
            "person": ExportColumn("person__name"),
            "kind": ExportColumn("kind", choice_labels(Kind).get),
            "subject": ExportColumn("subject"),
            "hours": ExportColumn("hours"),
            "dates": ExportColumn("dates"),
            "issued_at": ExportColumn.moment_of("issued_at"),
            "status": ExportColumn("status", choice_labels(Certificate.Status).get),
        }


class CertificateViewSet(ScopedModelViewSet):
    model = Certificate
    icon = "doc-full"
    menu_label = gettext_lazy("Certificates")
    menu_order = 260
    add_to_admin_menu = True
    add_view_enabled = False
    edit_view_enabled = False
    copy_view_enabled = False
    delete_view_enabled = False
    inspect_view_enabled = True
    inspect_view_class = CertificateInspectView
    index_view_class = CertificateIndexView
    filterset_class = CertificateFilterSet
    search_fields = ["serial", "person__name", "subject"]
    search_backend_name = None
    list_display = [
        "serial",
        Column("person", label=gettext_lazy("person"), accessor="person"),
        "kind",
        "subject",
        "issued_at",
        "status",
    ]
    list_export = ["serial", "person", "kind", "subject", "hours", "dates", "issued_at", "status"]
    form_fields = []  # nothing is edited here: certificates change by issuing and revoking
    inspect_view_fields = [
        "serial",
        "person",
        "kind",
        "subject",
        "hours",
        "dates",
        "issuer",
        "issued_at",
        "issued_by",
        "status",
        "revoked_at",
        "revoked_by",
        "revoked_reason",
    ]

    def scope_queryset(self, user):
        return certificates_in_staff_scope(user).select_related("person__village")


@hooks.register("register_admin_viewset")
def register_certificate_viewset():
    return CertificateViewSet("certificates_list", url_prefix="certificates/issued")


@hooks.register("register_log_actions")
def register_certificate_log_actions(actions):
    actions.register_action(
        "certificates.revoke", _("Revoke certificate"), _("Certificate revoked")
    )
    actions.register_action(
        "certificates.reinstate", _("Reinstate certificate"), _("Certificate valid again")
    )


class StaffMenuItem(MenuItem):
    def is_shown(self, request):
        return user_role(request.user) is not None


@hooks.register("register_admin_menu_item")
def register_records_menu_item():
    return StaffMenuItem(
        gettext_lazy("Personal study records"),
        reverse("certificates_admin:records"),
        icon_name="doc-full-inverse",
        order=265,
    )

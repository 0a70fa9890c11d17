"""Admin views beyond the people viewset: merging two records of one person, a villager's
login account, and the URLs of these and of the roster import (admin_imports).

The rules live elsewhere (services.person_merge, services.person_password_set); these views
check who asks and show both records before anything is written.
"""

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.functional import cached_property
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets.button import Button

from .admin_imports import RosterImportConfirmView, RosterImportView
from .admin_scope import AllowedUsersMixin, ScopedEditView, ScopedInspectView
from .exceptions import AccountRefused, MergeRefused
from .forms import PersonMergeSearchForm, PersonPasswordForm
from .models import Person
from .selectors import (
    people_matching,
    people_visible_to,
    user_is_administrator,
    user_role,
    user_sees_identifiers,
)
from .services import person_merge, person_password_set


class _PeopleAdminMixin(WagtailAdminTemplateMixin):
    """Breadcrumbs Home › People › this page."""

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("people:index"), "label": capfirst(Person._meta.verbose_name_plural)},
            *self.get_extra_breadcrumbs_items(),
            {"url": "", "label": self.get_page_title()},
        ]

    def get_extra_breadcrumbs_items(self):
        return []


# --- Merging two records of one person -------------------------------------------------------


def _person_identifiers(person: Person, *, masked: bool) -> dict[str, str]:
    if masked:
        return {"phone": person.masked_phone, "id_number": person.masked_id_number}
    return {"phone": person.phone, "id_number": person.id_number}


def _attached_counts(person: Person) -> list[tuple[str, int]]:
    """What points at a person (the records a merge moves), by kind, for the comparison."""
    counts = []
    for relation in Person._meta.related_objects:
        model = relation.related_model
        number = model._base_manager.filter(**{relation.field.name: person}).count()
        if number:
            counts.append((model._meta.verbose_name_plural, number))
    return counts


class _MergeMixin(AllowedUsersMixin, _PeopleAdminMixin):
    header_icon = "resubmit"

    def user_is_allowed(self, user) -> bool:
        return user_is_administrator(user)

    def get_person(self, pk) -> Person:
        person = (
            Person.objects.select_related("village", "household", "branch", "user")
            .filter(pk=pk)
            .first()
        )
        if person is None:
            raise Http404
        return person

    def get_extra_breadcrumbs_items(self):
        return [{"url": reverse("people:inspect", args=[self.kept.pk]), "label": str(self.kept)}]


class PersonMergeChooseView(_MergeMixin, TemplateView):
    """Find the duplicate of a person: likely ones first, or by name, phone or ID number."""

    page_title = gettext_lazy("Merge duplicate record")
    template_name = "people/admin/merge_choose.html"
    max_candidates = 50

    def get(self, request, *args, pk, **kwargs):
        self.kept = self.get_person(pk)
        return super().get(request, *args, **kwargs)

    def get_candidates(self, query: str):
        people = Person.objects.exclude(pk=self.kept.pk).select_related("village", "user")
        if query:
            people = people_matching(people, query=query, user=self.request.user)
        else:
            likely = Q(name=self.kept.name)
            if self.kept.phone:
                likely |= Q(phone=self.kept.phone)
            if self.kept.id_number:
                likely |= Q(id_number=self.kept.id_number)
            people = people.filter(likely)
        return people[: self.max_candidates]

    def get_context_data(self, **kwargs):
        form = PersonMergeSearchForm(self.request.GET or None)
        query = form.cleaned_data["q"].strip() if form.is_valid() else ""
        masked = not user_sees_identifiers(self.request.user)
        candidates = [
            {
                "person": person,
                **_person_identifiers(person, masked=masked),
                "compare_url": reverse(
                    "people_admin:merge_confirm", args=[self.kept.pk, person.pk]
                ),
            }
            for person in self.get_candidates(query)
        ]
        return super().get_context_data(
            kept=self.kept,
            kept_identifiers=_person_identifiers(self.kept, masked=masked),
            form=form,
            query=query,
            candidates=candidates,
            **kwargs,
        )


class PersonMergeConfirmView(_MergeMixin, TemplateView):
    """Both records side by side; merging folds the duplicate into the kept record."""

    page_title = gettext_lazy("Merge duplicate record")
    template_name = "people/admin/merge_confirm.html"

    def dispatch(self, request, *args, **kwargs):
        if self.user_is_allowed(request.user):
            self.kept = self.get_person(kwargs["pk"])
            self.duplicate = self.get_person(kwargs["duplicate_pk"])
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            merge = person_merge(keep=self.kept, duplicate=self.duplicate, by=request.user)
        except MergeRefused as error:
            messages.error(request, str(error))
            return self.get(request, *args, **kwargs)
        messages.success(
            request,
            _("%(merged)s (record %(merged_id)s) was merged into this record.")
            % {"merged": merge.merged_name, "merged_id": merge.merged_person_id},
        )
        return redirect("people:inspect", self.kept.pk)

    def get_context_data(self, **kwargs):
        masked = not user_sees_identifiers(self.request.user)
        records = []
        for person in (self.kept, self.duplicate):
            identifiers = _person_identifiers(person, masked=masked)
            records.append(
                {
                    "person": person,
                    "attached": _attached_counts(person),
                    "fields": [
                        (_("Name"), person.name),
                        (_("Gender"), person.get_gender_display()),
                        (_("Birth date"), person.birth_date or ""),
                        (_("Ethnicity"), person.ethnicity),
                        (_("Village"), person.village),
                        (_("Household"), person.household or ""),
                        (_("Phone"), identifiers["phone"]),
                        (_("ID number"), identifiers["id_number"]),
                        (_("Party member"), _("yes") if person.is_party_member else _("no")),
                        (_("Party branch"), person.branch or ""),
                        (_("Login account"), person.user or ""),
                        (_("Created"), person.created_at),
                    ],
                }
            )
        kept, duplicate = records
        return super().get_context_data(
            kept=kept,
            duplicate=duplicate,
            rows=[
                (label, kept_value, duplicate["fields"][index][1])
                for index, (label, kept_value) in enumerate(kept["fields"])
            ],
            swap_url=reverse("people_admin:merge_confirm", args=[self.duplicate.pk, self.kept.pk]),
            choose_url=reverse("people_admin:merge", args=[self.kept.pk]),
            **kwargs,
        )

    def get_extra_breadcrumbs_items(self):
        return [
            *super().get_extra_breadcrumbs_items(),
            {
                "url": reverse("people_admin:merge", args=[self.kept.pk]),
                "label": _("Choose the duplicate"),
            },
        ]


# --- A villager's login account ----------------------------------------------------------------


def user_can_manage_accounts(user) -> bool:
    return user_role(user) is not None and user.has_perm("people.change_person")


class PersonAccountView(AllowedUsersMixin, _PeopleAdminMixin, FormView):
    """Create a person's login account or reset its password (they log in by phone)."""

    page_title = gettext_lazy("Login account")
    header_icon = "key"
    template_name = "people/admin/account.html"
    form_class = PersonPasswordForm

    def user_is_allowed(self, user) -> bool:
        return user_can_manage_accounts(user)

    def dispatch(self, request, *args, **kwargs):
        if self.user_is_allowed(request.user):
            self.person = (
                people_visible_to(request.user)
                .select_related("village", "user")
                .filter(pk=kwargs["pk"])
                .first()
            )
            if self.person is None:
                raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_extra_breadcrumbs_items(self):
        return [
            {"url": reverse("people:inspect", args=[self.person.pk]), "label": str(self.person)}
        ]

    def get_context_data(self, **kwargs):
        masked = not user_sees_identifiers(self.request.user)
        return super().get_context_data(
            person=self.person,
            login=(self.person.masked_phone if masked else self.person.phone)
            or (self.person.user.username if self.person.user_id else ""),
            **kwargs,
        )

    def form_valid(self, form):
        had_account = self.person.user_id is not None
        try:
            person_password_set(
                person=self.person, password=form.cleaned_data["password1"], by=self.request.user
            )
        except AccountRefused as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        except ValidationError as error:
            form.add_error("password1", error)
            return self.form_invalid(form)
        if had_account:
            message = _("The password of %(name)s was reset.")
        else:
            message = _("%(name)s can now log in with their phone number and this password.")
        messages.success(self.request, message % {"name": self.person.name})
        return redirect("people:inspect", self.person.pk)


class _MergeButtonMixin:
    """Adds “Login account” (staff who may change the person) and “Merge duplicate record”
    (administrators) to the header menu of a person."""

    @cached_property
    def header_more_buttons(self):
        buttons = list(super().header_more_buttons)
        if user_can_manage_accounts(self.request.user):
            buttons.append(
                Button(
                    _("Set login password"),
                    url=reverse("people_admin:account", args=[self.object.pk]),
                    icon_name="key",
                    priority=30,
                )
            )
        if user_is_administrator(self.request.user):
            buttons.append(
                Button(
                    _("Merge duplicate record"),
                    url=reverse("people_admin:merge", args=[self.object.pk]),
                    icon_name="resubmit",
                    priority=40,
                )
            )
        return buttons


class PersonInspectView(_MergeButtonMixin, ScopedInspectView):
    def get_household_display_value(self):
        return self.object.household.number if self.object.household_id else ""

    def get_user_display_value(self):
        # Not the user name: a villager's user name is their (unmasked) phone number.
        if not self.object.user_id:
            return _("no account yet")
        return _("active") if self.object.user.is_active else _("deactivated")


class PersonEditView(_MergeButtonMixin, ScopedEditView):
    pass


_patterns = [
    path("import/", RosterImportView.as_view(), name="import"),
    path("account/<int:pk>/", PersonAccountView.as_view(), name="account"),
    path("import/confirm/", RosterImportConfirmView.as_view(), name="import_confirm"),
    path("merge/<int:pk>/", PersonMergeChooseView.as_view(), name="merge"),
    path(
        "merge/<int:pk>/<int:duplicate_pk>/",
        PersonMergeConfirmView.as_view(),
        name="merge_confirm",
    ),
]

# Registered by wagtail_hooks under /admin/; the people viewset's own URLs share the prefix.
urlpatterns = [path("people/", include((_patterns, "people_admin")))]

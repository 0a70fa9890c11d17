"""A person chooser limited to the villages the editor may see."""

from django import forms
from django.utils.translation import gettext_lazy
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import chooser as chooser_views
from wagtail.admin.viewsets.chooser import ChooserViewSet

from lms.people.models import Person
from lms.people.selectors import (
    people_matching,
    people_visible_to,
)

# --- A person chooser limited to the editor's villages ----------------------------------------


class PersonSearchForm(BaseFilterForm):
    q = forms.CharField(
        label=gettext_lazy("Search term"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Name or phone number")}),
    )


class _ScopedPeopleMixin:
    """The people the editor may see, searched as the people listing searches them."""

    filter_form_class = PersonSearchForm
    ordering = ["village__name", "name", "pk"]

    def get_object_list(self):
        return people_visible_to(self.request.user).select_related("village")

    def filter_object_list(self, objects):
        objects = super().filter_object_list(objects)
        query = (self.filter_form.cleaned_data.get("q") or "").strip()
        if query:
            objects = people_matching(objects, query=query, user=self.request.user)
            self.filter_form.is_searching = True
            self.filter_form.search_query = query
        return objects

    @property
    def columns(self):
        # Two 王伟 in one township are told apart by their village.
        return [
            *super().columns,
            Column("village", label=gettext_lazy("Village"), accessor="village.name"),
        ]


class PersonChooseView(_ScopedPeopleMixin, chooser_views.ChooseView):
    pass


class PersonChooseResultsView(_ScopedPeopleMixin, chooser_views.ChooseResultsView):
    pass


class PersonChosenView(chooser_views.ChosenView):
    def get_object(self, pk):
        return people_visible_to(self.request.user).select_related("village").get(pk=pk)

    def get_display_title(self, instance):
        return f"{instance.name}（{instance.village.name}）"


class PersonChosenMultipleView(chooser_views.ChosenMultipleView):
    def get_objects(self, pks):
        return people_visible_to(self.request.user).filter(pk__in=pks)


class PersonChooserViewSet(ChooserViewSet):
    """Choose a trainer from the roster, searching by name (or a whole phone number)."""

    model = Person
    icon = "user"
    choose_one_text = gettext_lazy("Choose a person")
    choose_another_text = gettext_lazy("Choose another person")
    edit_item_text = gettext_lazy("Edit this person")
    register_widget = False  # other apps' Person fields keep their own widget
    per_page = 20
    choose_view_class = PersonChooseView
    choose_results_view_class = PersonChooseResultsView
    chosen_view_class = PersonChosenView
    chosen_multiple_view_class = PersonChosenMultipleView

    def get_urlpatterns(self):
        # No "create" tab: people are added in the people admin.
        return [p for p in super().get_urlpatterns() if p.name != "create"]


person_chooser_viewset = PersonChooserViewSet(
    "attendance_person_chooser", url_prefix="attendance/choose-person"
)

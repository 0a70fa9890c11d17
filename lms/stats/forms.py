"""The statistics page's filter form: a date range and what to narrow it to."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attendance.models import SessionKind
from lms.ledger.models import Track
from lms.people.models import Village
from lms.people.selectors import villages_visible_to

from .selectors import StatsFilter, stats_filter_for, stats_range_problem


class StatsFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    date_to = forms.DateField(
        label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    village = forms.ModelChoiceField(
        label=_("Village"),
        queryset=Village.objects.none(),
        required=False,
        empty_label=_("All my villages"),
    )
    track = forms.ChoiceField(
        label=_("Track"), choices=[("", _("Both tracks")), *Track.choices], required=False
    )
    kind = forms.ModelChoiceField(
        label=_("Kind"),
        queryset=SessionKind.objects.all(),
        required=False,
        empty_label=_("All kinds"),
    )
    party_members_only = forms.BooleanField(label=_("Party members only"), required=False)

    def __init__(self, data=None, *, user, **kwargs):
        year = timezone.localdate().year
        data = data.copy() if data is not None else {}
        # An empty field means this year, and the form shows it so.
        if not data.get("date_from"):
            data["date_from"] = f"{year}-01-01"
        if not data.get("date_to"):
            data["date_to"] = f"{year}-12-31"
        super().__init__(data, **kwargs)
        self.user = user
        self.fields["village"].queryset = villages_visible_to(user).order_by("name")

    def clean(self):
        data = super().clean()
        if not data.get("date_from") or not data.get("date_to"):
            return data  # the field's own error says what is wrong
        if problem := stats_range_problem(data["date_from"], data["date_to"]):
            raise forms.ValidationError(problem)
        return data

    def stats_filter(self) -> StatsFilter:
        data = self.cleaned_data
        return stats_filter_for(
            self.user,
            date_from=data["date_from"],
            date_to=data["date_to"],
            village=data.get("village"),
            track=data.get("track") or "",
            kind=data.get("kind"),
            party_members_only=bool(data.get("party_members_only")),
        )

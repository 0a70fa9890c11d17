"""Forms of the sessions admin, limited to what the editor may see.

Villages, branches, trainers and invitees offered are those of the editor's scope. The
double-booking rule is attendance.scheduling's: a form only asks it, so the editor sees the
clash as a field error and nothing is saved.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.widgets import AdminDateInput, AdminTimeInput

from lms.people.models import Person
from lms.people.selectors import (
    branches_visible_to,
    people_visible_to,
    villages_visible_to,
)

from .. import scheduling, sheet_photos
from ..models import SessionKind, TrainingSession

WEEKDAY_CHOICES = list(WEEKDAYS.items())  # 0 = Monday, Django's own translated names


def _add_clash_errors(form, clashes, *, trainer_field: str) -> None:
    for clash in clashes:
        form.add_error("venue" if clash.reason == "venue" else trainer_field, clash.message)


class _ScopedSessionFieldsMixin:
    def _limit_to_scope(self, user):
        villages = villages_visible_to(user)
        self.fields["village"].queryset = villages
        if not self.instance.pk and not self.is_bound:
            # A new session: the usual kind, and the village when the user has only one.
            if "kind" in self.fields:
                self.initial.setdefault(
                    "kind", SessionKind.objects.filter(name=SessionKind.DEFAULT).first()
                )
            only = list(villages[:2])
            if len(only) == 1:
                self.initial.setdefault("village", only[0])
        if "trainer_person" in self.fields:
            people = people_visible_to(user)
            trainer_id = getattr(self.instance, "trainer_person_id", None)
            if trainer_id:
                # A trainer from elsewhere, chosen by township staff, stays when an organizer
                # edits the session.
                people = people | Person.objects.filter(pk=trainer_id)
            self.fields["trainer_person"].queryset = people.select_related("village")

    def _trainer_field(self, cleaned) -> str:
        return "trainer_name" if cleaned.get("trainer_name") else "trainer_person"


class SessionAdminForm(_ScopedSessionFieldsMixin, WagtailAdminModelForm):
    """Create or change one session; a venue or trainer already booked is a field error."""

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        self._limit_to_scope(for_user)

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and self.instance.status == TrainingSession.Status.CANCELLED:
            return cleaned  # a cancelled session holds no venue or trainer
        clashes = scheduling.session_clashes(
            village=cleaned.get("village"),
            venue=cleaned.get("venue") or "",
            trainer_person=cleaned.get("trainer_person"),
            trainer_name=cleaned.get("trainer_name") or "",
            starts_at=cleaned.get("starts_at"),
            ends_at=cleaned.get("ends_at"),
            exclude_pk=self.instance.pk,
        )
        _add_clash_errors(self, clashes, trainer_field=self._trainer_field(cleaned))
        return cleaned

    def session_data(self) -> dict:
        """The model fields this form edits, as the scheduling services take them."""
        return {
            name: self.cleaned_data[name]
            for name in self._meta.fields or ()
            if name in self.cleaned_data
        }


SERIES_SESSION_FIELDS = [
    "topic",
    "kind",
    "track",
    "course",
    "audience",
    "village",
    "venue",
    "trainer_person",
    "trainer_name",
    "study_hours",
    "capacity",
    "requires_sign_out",
]


class SessionSeriesForm(_ScopedSessionFieldsMixin, WagtailAdminModelForm):
    """A weekly series: the session's details once, then the day, the time and how long."""

    SESSION_FIELDS = SERIES_SESSION_FIELDS

    weekday = forms.TypedChoiceField(label=_("every"), choices=WEEKDAY_CHOICES, coerce=int)
    start_time = forms.TimeField(label=_("from"), widget=AdminTimeInput)
    end_time = forms.TimeField(label=_("to"), widget=AdminTimeInput)
    first_date = forms.DateField(
        label=_("first date"),
        widget=AdminDateInput,
        help_text=_("The series starts on the first chosen weekday on or after this date."),
    )
    weeks = forms.IntegerField(
        label=_("number of weeks"),
        min_value=1,
        max_value=scheduling.MAX_OCCURRENCES,
        required=False,
    )
    until = forms.DateField(
        label=_("or until"),
        widget=AdminDateInput,
        required=False,
        help_text=_("The last date a session may fall on; instead of the number of weeks."),
    )

    class Meta:
        model = TrainingSession
        fields = SERIES_SESSION_FIELDS

    def __init__(self, *args, for_user=None, trainer_widget=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        self._limit_to_scope(for_user)
        if trainer_widget is not None:
            self.fields["trainer_person"].widget = trainer_widget
        self.dates: list[datetime.date] = []

    def _post_clean(self):
        # The series' sessions are checked one by one by the scheduling service; there is
        # no single instance to validate here.
        pass

    def clean(self):
        cleaned = super().clean()
        weeks, until = cleaned.get("weeks"), cleaned.get("until")
        start, end = cleaned.get("start_time"), cleaned.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", _("The session must end after it starts."))
        if weeks is None and until is None:
            self.add_error("weeks", _("Give the number of weeks or the last date."))
        elif weeks is not None and until is not None:
            self.add_error(
                "until", _("Give either the number of weeks or the last date, not both.")
            )
        if self.errors or cleaned.get("first_date") is None or cleaned.get("weekday") is None:
            return cleaned
        try:
            self.dates = scheduling.recurrence_dates(
                first_date=cleaned["first_date"],
                weekday=cleaned["weekday"],
                weeks=weeks,
                until=until,
            )
        except ValidationError as error:
            self.add_error("until" if until else "weeks", error)
            return cleaned
        return cleaned

    def session_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.SESSION_FIELDS}

    def series_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "fields": self.session_fields(),
            "first_date": data["first_date"],
            "weekday": data["weekday"],
            "start_time": data["start_time"],
            "end_time": data["end_time"],
            "weeks": data.get("weeks"),
            "until": data.get("until"),
        }


# --- Invitations ------------------------------------------------------------------------------


class VillageInviteForm(forms.Form):
    village = forms.ModelChoiceField(label=_("village"), queryset=None)
    party_members_only = forms.BooleanField(label=_("party members only"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages_visible_to(user)


class BranchInviteForm(forms.Form):
    branch = forms.ModelChoiceField(label=_("party branch"), queryset=None)
    party_members_only = forms.BooleanField(
        label=_("party members only"), required=False, initial=True
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches_visible_to(user).select_related("village")


class PeopleInviteForm(forms.Form):
    """Tick people from a search of the editor's villages.

    Only the search results are rendered (a township's roster is too long for one list);
    any ticked person in scope is accepted.
    """

    people = forms.ModelMultipleChoiceField(
        label=_("people"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, user, candidates=(), masked=True, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["people"]
        field.queryset = people_visible_to(user)
        field.widget.choices = [
            (person.pk, _person_label(person, masked=masked)) for person in candidates
        ]


def _person_label(person, *, masked: bool) -> str:
    phone = person.masked_phone if masked else person.phone
    parts = [person.name, person.village.name]
    if phone:
        parts.append(phone)
    return " · ".join(parts)


class RosterSearchForm(forms.Form):
    q = forms.CharField(label=_("Find people"), required=False, max_length=60)


# --- Photos of the paper sheet ----------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several files in one input (Django's documented pattern); each must be a photo."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/*"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = data if isinstance(data, (list, tuple)) else [data]
        cleaned = [single(item, initial) for item in files if item]
        if not cleaned and self.required:
            raise ValidationError(self.error_messages["required"], code="required")
        for upload in cleaned:
            if upload.size > sheet_photos.SHEET_PHOTO_MAX_BYTES:
                raise ValidationError(
                    _("%(name)s is larger than %(size)d MB.")
                    % {
                        "name": upload.name,
                        "size": sheet_photos.SHEET_PHOTO_MAX_BYTES // (1024 * 1024),
                    }
                )
            content_type = getattr(upload, "content_type", "") or ""
            if content_type and not content_type.startswith("image/"):
                raise ValidationError(
                    _("%(name)s is not a photo.") % {"name": upload.name}, code="invalid_image"
                )
        return cleaned


class SheetPhotoForm(forms.Form):
    photos = MultipleImageField(
        label=_("photos of the paper sheet"),
        help_text=_("One or more photos (JPEG, PNG, WebP or HEIC), at most 15 MB each."),
    )

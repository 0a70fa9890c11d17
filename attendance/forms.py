"""Forms of the phone pages: the numeric code, the walk-in, roll-call, rating, a person's code."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lms.people.identity import normalize_name, normalize_phone

from .models import AttendanceRecord


class SignInCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Sign-in code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "pattern": "[0-9 ]*",
                "class": "big-input",
            }
        ),
    )


class WalkInForm(forms.Form):
    """Name, village and phone of someone without an account."""

    name = forms.CharField(
        label=_("Full name"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    village = forms.ModelChoiceField(label=_("Village"), queryset=None, empty_label=None)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=32,
        required=False,
        help_text=_("Tells apart people of the same name. Leave empty if you have none."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, villages, initial_village=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages
        if initial_village is not None:
            self.fields["village"].initial = initial_village.pk

    def clean_name(self):
        name = normalize_name(self.cleaned_data["name"])
        if not name:
            raise ValidationError(_("Enter your full name."))
        return name

    def clean_phone(self):
        return normalize_phone(self.cleaned_data["phone"])


ROLL_CALL_STATUSES = [
    (AttendanceRecord.Status.PRESENT, _("Present")),
    (AttendanceRecord.Status.LATE, _("Late")),
    (AttendanceRecord.Status.EXCUSED, _("Excused")),
    (AttendanceRecord.Status.ABSENT, _("Absent")),
]


class RollCallForm(forms.Form):
    """One tap on the roll-call list; leave ("excused") names who approved it."""

    person = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=ROLL_CALL_STATUSES)
    excused_by = forms.CharField(label=_("Leave approved by"), max_length=100, required=False)

    def clean(self):
        cleaned = super().clean()
        excused = cleaned.get("status") == AttendanceRecord.Status.EXCUSED
        if excused and not (cleaned.get("excused_by") or "").strip():
            raise ValidationError(_("Say who approved the leave."))
        return cleaned


class PersonCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Number on the card"),
        max_length=24,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "class": "big-input"}
        ),
    )


class EvaluationForm(forms.Form):
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you with this session?"),
        choices=[
            (5, _("5 · very satisfied")),
            (4, _("4 · satisfied")),
            (3, _("3 · so-so")),
            (2, _("2 · dissatisfied")),
            (1, _("1 · very dissatisfied")),
        ],
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

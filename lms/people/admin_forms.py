"""The Person form of the Wagtail admin, limited to the editor's villages."""

from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from .identity import normalize_id_number, normalize_phone
from .models import Household, PartyBranch
from .selectors import user_sees_identifiers, villages_visible_to


class PersonAdminForm(WagtailAdminModelForm):
    """Villages, households and branches offered are those the editor may see.

    Editors who are not administrators never receive a full ID number or phone: the fields
    come empty with the masked value as placeholder, and an empty field keeps what is saved.

    Phones and ID numbers are accepted as people write them ("+86 138 0013 8000") and saved
    normalised, so the column's length limits the normalised value, not what was typed.
    """

    TYPED_MAX_LENGTH = 40

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        villages = villages_visible_to(for_user)
        self.fields["village"].queryset = villages
        if "household" in self.fields:
            self.fields["household"].queryset = Household.objects.filter(village__in=villages)
        if "branch" in self.fields:
            self.fields["branch"].queryset = PartyBranch.objects.filter(
                township__villages__in=villages
            ).distinct()
        for name in ("phone", "id_number"):
            if name in self.fields:
                self._allow_spelled_out(self.fields[name])
        self.hides_identifiers = not user_sees_identifiers(for_user)
        if self.hides_identifiers and self.instance.pk:
            for name, masked in (
                ("phone", self.instance.masked_phone),
                ("id_number", self.instance.masked_id_number),
            ):
                self.initial[name] = ""
                if masked:
                    self.fields[name].widget.attrs["placeholder"] = masked
                    self.fields[name].help_text = _("Leave empty to keep the saved value.")

    def _allow_spelled_out(self, field):
        field.max_length = self.TYPED_MAX_LENGTH
        field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
        field.validators.append(MaxLengthValidator(self.TYPED_MAX_LENGTH))
        field.widget.attrs["maxlength"] = str(self.TYPED_MAX_LENGTH)

    def _clean_identifier(self, name, normalize):
        value = normalize(self.cleaned_data.get(name, ""))  # ValidationError: a field error
        if self.hides_identifiers and self.instance.pk and not value:
            return getattr(self.instance, name)
        return value

    def clean_phone(self):
        return self._clean_identifier("phone", normalize_phone)

    def clean_id_number(self):
        return self._clean_identifier("id_number", normalize_id_number)

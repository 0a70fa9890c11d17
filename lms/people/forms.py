"""Forms of the people app: login (site and Wagtail admin), the upload of imports whose rows
name villages, merging and login passwords."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.auth import LoginForm as WagtailLoginForm

from lms.imports.forms import SpreadsheetUploadForm

from .exceptions import LoginLocked, PeopleError
from .services import login_attempt


class LoginForm(WagtailLoginForm):
    """Phone number (or user name) and password, with failures counted per account+address.

    Used by the site's login page and, through WAGTAILADMIN_USER_LOGIN_FORM, by the admin's.
    """

    username = forms.CharField(
        label=_("Phone number or user name"),
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "tel"}),
    )

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].widget.attrs["placeholder"] = _("Phone number or user name")
        self.fields["password"].label = _("Password")

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username and password:
            try:
                self.user_cache = login_attempt(
                    request=self.request, identifier=username, password=password
                )
            except LoginLocked as error:
                raise ValidationError(str(error), code="login_locked") from error
            except PeopleError as error:
                raise ValidationError(str(error), code="invalid_login") from error
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class TownshipUploadForm(SpreadsheetUploadForm):
    """An import whose rows name villages (the roster, the training plan): a township is asked
    for only when the user sees villages of several townships, where two may share a name."""

    township = forms.ModelChoiceField(
        queryset=None,
        required=False,
        label=_("Township"),
        help_text=_("Needed only when villages of the same name exist in several townships."),
    )

    def __init__(self, *args, townships, **kwargs):
        super().__init__(*args, **kwargs)
        if townships.count() > 1:
            self.fields["township"].queryset = townships
        else:
            del self.fields["township"]


class PersonMergeSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, phone or ID number"),
        required=False,
        max_length=64,
    )


class PersonPasswordForm(forms.Form):
    """A password set by staff for a villager, typed twice."""

    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            raise ValidationError(_("The two passwords differ."), code="password_mismatch")
        return cleaned

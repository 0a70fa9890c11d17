"""The admin speaks the township's language, not the browser's."""

from django.conf import settings
from django.urls import reverse
from django.utils import translation


class AdminLanguageMiddleware:
    """Under /admin/, Simplified Chinese unless the staff member chose another language in
    their account.

    LocaleMiddleware picks the language a browser asks for, and Wagtail keeps it for anyone
    who never saved a preference: a county office's English Windows gave the demo
    administrator an English admin. Wagtail still applies a preference saved in the account
    (it overrides the language inside the admin's views), so English stays a choice.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._admin_prefix = None  # the URLconf may not be loaded yet

    def __call__(self, request):
        if self._admin_prefix is None:
            self._admin_prefix = reverse("wagtailadmin_home")
        if request.path_info.startswith(self._admin_prefix):
            translation.activate(settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return self.get_response(request)

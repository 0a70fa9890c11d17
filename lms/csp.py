"""Content-Security-Policy for every HTML page (Django 5.2 has none built in; 6.0 does).

A script runs only from our own origin, or inline with this response's nonce
(`<script nonce="{{ request.csp_nonce }}">`); an injected `<script>` or `onclick=` does
not. The policies are in settings (`CONTENT_SECURITY_POLICY`, `…_ADMIN`); README
"Configuration" says what each page gets and why.
"""

import secrets

from django.conf import settings
from django.urls import reverse

NONCE = "'nonce'"  # in a policy's sources: this response's nonce


def policy_header(policy: dict[str, list[str]], *, nonce: str) -> str:
    """`{"script-src": ["'self'", NONCE]}` → `script-src 'self' 'nonce-…'`."""
    return "; ".join(
        " ".join(
            [directive, *(f"'nonce-{nonce}'" if source == NONCE else source for source in sources)]
        )
        for directive, sources in policy.items()
    )


class ContentSecurityPolicyMiddleware:
    """Gives each request a fresh nonce and each HTML response the policy of its part of the
    site: Wagtail's admin its own, every other page the site's.

    Only HTML: JSON, PDFs, spreadsheets and media are not documents a browser runs scripts
    in. A response that already carries a policy keeps it (Wagtail sends documents with
    `default-src 'none'`).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._admin_prefix = None  # the URLconf may not be loaded yet

    def __call__(self, request):
        # 128 random bits, new for every request: a nonce an attacker could guess or reuse
        # from an earlier page would let their script in.
        request.csp_nonce = secrets.token_urlsafe(16)
        response = self.get_response(request)
        if "Content-Security-Policy" in response or not response.get("Content-Type", "").startswith(
            "text/html"
        ):
            return response
        if self._admin_prefix is None:
            self._admin_prefix = reverse("wagtailadmin_home")
        if request.path_info.startswith(self._admin_prefix):
            policy = settings.CONTENT_SECURITY_POLICY_ADMIN
        else:
            policy = settings.CONTENT_SECURITY_POLICY
        response["Content-Security-Policy"] = policy_header(policy, nonce=request.csp_nonce)
        return response

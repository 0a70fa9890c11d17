"""Production: the app server (granian) behind nginx on PostgreSQL, Redis and Celery workers.

Refuses to start with the public development key or without a real one.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import DEVELOPMENT_SECRET_KEY, SECRET_KEY, env_bool

if not SECRET_KEY or SECRET_KEY == DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "SECRET_KEY must be set to a random value of at least 50 characters in production "
        "(for example: python -c 'import secrets; print(secrets.token_urlsafe(64))')."
    )

DEBUG = False

# --- Static files -----------------------------------------------------------------------------
# The app serves them through WhiteNoise, gzip- and Brotli-compressed at collectstatic time, and
# a file whose name carries its hash is cached by browsers for good (Cache-Control: immutable,
# WhiteNoise's ten years): a township's slow line fetches the admin's 1.8 MB of scripts and
# styles once, compressed to a quarter. Files without a hash keep WhiteNoise's 60 s.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *[name for name in MIDDLEWARE if name != "django.middleware.security.SecurityMiddleware"],  # noqa: F405
]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# HTTPS is terminated by nginx, which sets X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Wagtail's page preview frames our own pages, so SAMEORIGIN rather than DENY (W019).
X_FRAME_OPTIONS = "SAMEORIGIN"
SILENCED_SYSTEM_CHECKS = ["security.W019"]
# Behind nginx set TRUST_X_FORWARDED_FOR=true: the login throttle then takes the client
# address from the right-most X-Forwarded-For entry. Off by default, since a server reached
# directly would let a client forge the address it is counted by.
TRUST_X_FORWARDED_FOR = env_bool("TRUST_X_FORWARDED_FOR", False)

# A line per request (user, role, villages, latency) unless REQUEST_LOG=false.
REQUEST_LOG = env_bool("REQUEST_LOG", True)
LOGGING["loggers"]["shuangyu.requests"]["level"] = "INFO" if REQUEST_LOG else "WARNING"  # noqa: F405

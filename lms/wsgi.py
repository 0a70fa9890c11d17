"""The WSGI application: Django, with the heartbeat taken through a shorter middleware chain.

At 万人在线 nearly every request is a heartbeat (POST /api/v1/study/heartbeat, a beat every
30 s from each learner studying). Its view reads no cookie, session, user or page: the signed
study ticket is its credential. The session, locale-by-path, CSRF, authentication, messages,
CSP, site and redirect middleware would only do work it throws away, so it gets a handler of
its own whose chain is the middleware it needs, in the order settings.MIDDLEWARE gives them:
the security headers (and HTTPS redirect), the per-request log line, and the language of its
error messages. Everything else is Django's own handler: the request object, URL resolution,
the database connection's lifecycle, and handler500's clean 503 when the database is away.
Every other path, and the test client, go through the whole chain.
"""

import os

from django.core.handlers.exception import convert_exception_to_response
from django.core.wsgi import WSGIHandler, get_wsgi_application
from django.utils.module_loading import import_string

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.production")

HEARTBEAT_PATH = "/api/v1/study/heartbeat"
HEARTBEAT_MIDDLEWARE = {
    "django.middleware.security.SecurityMiddleware",
    "lms.people.request_log.RequestLogMiddleware",
    "django.middleware.locale.LocaleMiddleware",
}


class HeartbeatHandler(WSGIHandler):
    """Django's handler with only HEARTBEAT_MIDDLEWARE. They are plain __call__ middleware
    (no view, template-response or exception hooks), so the chain is built directly."""

    def load_middleware(self, is_async=False):
        from django.conf import settings

        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(settings.MIDDLEWARE):
            if path in HEARTBEAT_MIDDLEWARE:
                handler = convert_exception_to_response(import_string(path)(handler))
        self._middleware_chain = handler


django_application = get_wsgi_application()
heartbeat_application = HeartbeatHandler()


def application(environ, start_response):
    if environ.get("PATH_INFO") == HEARTBEAT_PATH:
        return heartbeat_application(environ, start_response)
    return django_application(environ, start_response)

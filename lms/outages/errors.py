"""What a request answers when the database is away (restarted, failed over, unreachable).

Django answers any unhandled error with its bare "Server Error (500)", which says "broken"
to a learner and to the load balancer alike. A lost database connection is not a bug: the
request is answered 503 with Retry-After, in the user's words (JSON for the API and the
heartbeat, whose clients retry), and the broken connection is closed, so the worker's next
request connects afresh (Django drops a connection after an error at the request's end).
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.defaults import server_error as django_server_error

RETRY_AFTER_SECONDS = 5


def server_error(request, *args, **kwargs):
    """handler500: 503 with Retry-After when the database is away, Django's 500 otherwise."""
    error = sys.exc_info()[1]
    if not isinstance(error, OperationalError | InterfaceError):
        return django_server_error(request, *args, **kwargs)
    message = _("The service is busy for a moment. Please try again in a few seconds.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=503)
    else:
        response = HttpResponse(
            f'<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<title>{message}</title><p style="font:18px/1.6 sans-serif;margin:2rem">'
            f"{message}</p></html>",
            status=503,
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response

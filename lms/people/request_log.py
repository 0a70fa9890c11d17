"""One log line per request: what was asked, the answer, how long it took, and who asked with
the villages their role reaches (the scope every view checks), so an operator can tell a
slow village from a slow server and follow one user's requests.

Logged to "shuangyu.requests" at INFO, which REQUEST_LOG turns on (production's default);
with LOG_FORMAT=json each line is a JSON object (lms/logs.py). It adds no query to a
learner's request or to a heartbeat; a staff member's adds one, for the villages of their
role.
"""

import logging
import time

from django.contrib.auth import get_user_model

from .models import RoleAssignment

User = get_user_model()

logger = logging.getLogger("shuangyu.requests")


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not logger.isEnabledFor(logging.INFO):
            return self.get_response(request)
        started = time.perf_counter()
        response = self.get_response(request)
        request_log(
            method=request.method,
            path=request.path,
            route=getattr(request.resolver_match, "route", None),
            status=response.status_code,
            ms=round((time.perf_counter() - started) * 1000, 1),
            who=_who(request),
        )
        return response


def request_log(*, method: str, path: str, route, status: int, ms: float, who: dict) -> None:
    """The line of one request; also written by the heartbeat's own WSGI door."""
    if not logger.isEnabledFor(logging.INFO):
        return
    fields = {"method": method, "path": path, "route": route, "status": status, "ms": ms, **who}
    logger.info("%s %s %s %.1f ms", method, path, status, ms, extra=fields)


def _who(request) -> dict:
    """The user and scope of a request, from what the request itself loaded: a request whose
    session was never read (a heartbeat, /healthz) names nobody; a role is named when the
    request looked it up (every staff view does), so a learner's page costs no query more."""
    user = getattr(request, "_cached_user", None)  # set once request.user has been read
    if user is None or not user.is_authenticated:
        return {"user": None}
    if user.is_superuser:
        return {"user": user.pk, "role": "administrator", "villages": "all"}
    role = getattr(user, "_shuangyu_role", None)  # what user_role found, if it was asked
    if role is None:
        person = user.person if User.person.is_cached(user) else None
        return {"user": user.pk, "role": None, "villages": [person.village_id] if person else []}
    rows = list(RoleAssignment.objects.filter(user=user).values_list("township_id", "villages"))
    return {
        "user": user.pk,
        "role": role,
        "township": rows[0][0] if rows else None,
        "villages": [village for _township, village in rows if village] or "township",
    }

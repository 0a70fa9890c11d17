"""Platform views outside the page tree."""

from django.http import HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers

from lms.outages.health import DOWN, services_status


def healthz(request):
    """For the load balancer: the app server answers. Touches no database (liveness only;
    `manage.py check_services` proves the database, broker and workers).

    `?deep=1`, for monitoring: the database, the cache and the broker asked now, as JSON,
    503 when one of them is down (README "Deploying at scale")."""
    if request.GET.get("deep"):
        status = services_status()
        response = JsonResponse(status, status=503 if status["status"] == DOWN else 200)
        add_never_cache_headers(response)
        return response
    return HttpResponse("ok", content_type="text/plain")

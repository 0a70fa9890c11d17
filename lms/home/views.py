"""Platform views outside the page tree."""

from django.http import HttpResponse


def healthz(request):
    """For the load balancer: the app server answers. Touches no database (liveness only;
    `manage.py check_services` proves the database, broker and workers)."""
    return HttpResponse("ok", content_type="text/plain")

"""Platform views outside the page tree."""

from django.http import HttpResponse, JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.gzip import gzip_page
from wagtail.admin.views.home import sprite
from wagtail.admin.views.i18n import localized_js_catalog

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


# Wagtail's icon sprite is 65 KB of SVG on every admin page, public and named by its hash
# (`/admin/sprite/?h=…`), yet Wagtail marks every admin response never_cache and sends it
# uncompressed: here it is gzipped and kept for a year, as the static files are. Its
# translations, the other script every admin page loads, are gzipped too; they are not
# named by a version, so they stay uncached.
YEAR = 365 * 24 * 60 * 60
admin_sprite = cache_control(public=True, max_age=YEAR, immutable=True)(gzip_page(sprite))
admin_js_catalog = never_cache(gzip_page(localized_js_catalog))

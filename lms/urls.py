from django.conf import settings
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from courses.heartbeat import heartbeat

from .api import api
from .home.views import admin_js_catalog, admin_sprite, healthz

urlpatterns = [
    # Before Wagtail's own: the same views, compressed, the sprite cached (lms/home/views.py).
    path("admin/sprite/", admin_sprite),
    path("admin/jsi18n/", admin_js_catalog),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    # The lean heartbeat: a plain view before the API, so no API machinery runs for it (under
    # the app server its own WSGI door answers it: lms/wsgi.py).
    path("api/v1/study/heartbeat", heartbeat, name="heartbeat"),
    path("api/v1/", api.urls),
    path("accounts/", include("lms.people.urls")),
    path("training/", include("attendance.urls")),
    path("", include("lms.home.urls")),
    path("study/", include("courses.urls")),
    path("", include("certificates.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
]

if settings.DEBUG:
    from django.conf.urls.static import static
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

# Wagtail serves every page not caught above; this stays last.
urlpatterns += [path("", include(wagtail_urls))]

# A lost database connection answers 503 with Retry-After in the user's words, not a bare 500.
handler500 = "lms.outages.errors.server_error"

"""Admin URLs of the listings' queued exports: /admin/exports/<id>/ and its file."""

from django.urls import include, path
from wagtail import hooks

from . import views

urlpatterns = [
    path("<int:export_id>/", views.ListingExportStatusView.as_view(), name="status"),
    path("<int:export_id>/file/", views.ListingExportDownloadView.as_view(), name="file"),
]


@hooks.register("register_admin_urls")
def register_listing_export_urls():
    return [
        path("exports/", include((urlpatterns, "listing_exports"), namespace="listing_exports"))
    ]

"""Mounted at the site root: /verify/<SERIAL>/ (public), /certificates/ (我的证书)."""

from django.urls import path

from . import views

app_name = "certificates"

urlpatterns = [
    path("verify/<str:serial>/", views.verify, name="verify"),
    path("certificates/", views.mine, name="mine"),
    path("certificates/record/<int:year>.pdf", views.my_record, name="my_record"),
    path("certificates/<str:serial>.pdf", views.pdf, name="pdf"),
]

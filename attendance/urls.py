"""Site-side attendance pages: signing in on a phone, the organizer's screen and roll-call."""

from django.urls import path  # noqa: F401

app_name = "attendance"

urlpatterns: list = []

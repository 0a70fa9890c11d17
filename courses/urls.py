"""Learner-facing study pages beyond the Wagtail pages themselves (mounted at /study/)."""

from . import quiz_views, views

app_name = "courses"

urlpatterns = [*views.urlpatterns, *quiz_views.urlpatterns]

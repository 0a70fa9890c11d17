"""The learner's own pages outside the page tree."""

from django.urls import path

from .study import my_study

app_name = "home"

urlpatterns = [
    path("study/", my_study, name="my_study"),
]

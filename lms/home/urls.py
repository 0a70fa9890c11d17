"""The learner's own pages outside the page tree."""

from django.urls import path

from .desk import desk
from .me import elder_mode, me
from .study import my_study

app_name = "home"

urlpatterns = [
    path("study/", my_study, name="my_study"),
    path("me/", me, name="me"),
    path("desk/", desk, name="desk"),
    path("me/elder-mode/", elder_mode, name="elder_mode"),
]

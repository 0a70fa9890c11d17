"""The admin's dashboard opens on work and figures, by role (see dashboard.py)."""

from wagtail import hooks

from .dashboard import panels_for


@hooks.register("construct_homepage_panels")
def add_role_panels(request, panels):
    panels[:0] = panels_for(request.user)

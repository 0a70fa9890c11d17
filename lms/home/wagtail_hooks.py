"""The admin's dashboard opens on work and figures, by role (see dashboard.py), and the admin
points nowhere outside the deployment."""

from wagtail import hooks
from wagtail.admin.menu import SubmenuMenuItem

from .dashboard import panels_for

# Wagtail's help menu links to its English-only release notes and editor guide on the internet.
WAGTAIL_ONLINE_HELP = ("whats-new-in-wagtail-", "editor-guide")


@hooks.register("construct_homepage_panels")
def add_role_panels(request, panels):
    panels[:0] = panels_for(request.user)


@hooks.register("construct_homepage_summary_items", order=1000)
def drop_wagtail_summary(request, items):
    # "22 Pages / 12 Documents / 1 Image created in 双育": counts of the CMS's files, which no
    # role reports on; the role panels above carry the township's figures.
    items.clear()


@hooks.register("construct_help_menu")
def drop_online_help(request, menu_items):
    menu_items[:] = [item for item in menu_items if not item.name.startswith(WAGTAIL_ONLINE_HELP)]


@hooks.register("construct_main_menu")
def drop_wagtail_version(request, menu_items):
    # The settings menu's footer reads "Wagtail v8.0.1": English to staff, and the software's
    # exact version to anyone who looks. The same menu, without the footer.
    for position, item in enumerate(menu_items):
        if type(item).__name__ == "SettingsMenuItem":
            menu_items[position] = SubmenuMenuItem(
                item.label,
                item.menu,
                name=item.name,
                icon_name=item.icon_name,
                classname=item.classname,
                order=item.order,
            )

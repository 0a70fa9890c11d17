from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

_VILLAGE_STAFF = [
    "wagtailadmin.access_admin",
    "people.view_person",
    "people.add_person",
    "people.change_person",
]


class PeopleConfig(AppConfig):
    name = "lms.people"
    label = "people"
    verbose_name = _("People")
    default_auto_field = "django.db.models.BigAutoField"
    # What each staff role may do with people's models (people.services.role_permissions).
    role_permissions = {
        "organizer": _VILLAGE_STAFF,
        "secretary": _VILLAGE_STAFF,
        "township_staff": [
            *_VILLAGE_STAFF,
            "people.view_village",
            "people.view_township",
            "people.view_partybranch",
            "people.add_partybranch",
            "people.change_partybranch",
            "people.view_household",
        ],
        "administrator": [
            "wagtailadmin.access_admin",
            *(
                f"people.{action}_{model}"
                for action in ("add", "change", "delete", "view")
                for model in (
                    "person",
                    "village",
                    "township",
                    "partybranch",
                    "household",
                    "roleassignment",
                )
            ),
            "people.view_personmerge",
            "people.add_user",
            "people.change_user",
            "people.view_user",
        ],
    }

    def ready(self):
        # Permissions exist only after migrate has run, so the role groups are kept in step
        # with them here rather than in a data migration.
        post_migrate.connect(_ensure_role_groups, dispatch_uid="people_role_groups")
        from . import signals  # noqa: F401  (connects the receivers)


def _ensure_role_groups(sender, using="default", **kwargs):
    from .services import role_groups_ensure

    role_groups_ensure(using=using)

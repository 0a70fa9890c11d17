from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "lms.people"
    label = "people"
    verbose_name = _("People")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Permissions exist only after migrate has run, so the role groups are kept in step
        # with them here rather than in a data migration.
        post_migrate.connect(_ensure_role_groups, dispatch_uid="people_role_groups")
        from . import signals  # noqa: F401  (connects the receivers)


def _ensure_role_groups(sender, using="default", **kwargs):
    from .services import role_groups_ensure

    role_groups_ensure(using=using)

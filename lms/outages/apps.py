from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutagesConfig(AppConfig):
    """What keeps the site answering while Redis (the cache, the broker) is away: counts of
    wrong passwords and codes kept in the database, tasks kept until the broker returns, and
    the deep health check that says which service is down."""

    name = "lms.outages"
    label = "outages"
    verbose_name = _("Outages")
    default_auto_field = "django.db.models.BigAutoField"

"""What the database holds for Redis while it is away."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FailureCount(models.Model):
    """Wrong passwords or sign-in codes counted while the shared cache cannot be reached, so
    a guessing limit holds through an outage (lms.outages.counters)."""

    key = models.CharField(_("key"), max_length=128, unique=True)
    count = models.PositiveIntegerField(_("count"), default=0)
    expires_at = models.DateTimeField(_("expires at"), db_index=True)

    class Meta:
        verbose_name = _("failure count")
        verbose_name_plural = _("failure counts")

    def __str__(self):
        return f"{self.key}: {self.count}"


class DeferredTask(models.Model):
    """A task that could not be queued while the broker was away; sent when it returns
    (lms.outages.deferred), under the id its caller was given."""

    task_id = models.CharField(_("task id"), max_length=64, unique=True)
    name = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    kwargs = models.JSONField(_("keyword arguments"), default=dict)
    options = models.JSONField(_("options"), default=dict)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("deferred task")
        verbose_name_plural = _("deferred tasks")
        ordering = ["pk"]

    def __str__(self):
        return f"{self.name} {self.task_id}"

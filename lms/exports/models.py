"""An export asked for in the admin and built by a Celery task: its progress, then its file."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.storage import private_storage


class QueuedExport(models.Model):
    """What every queued export keeps: who asked, how far the task is, the error if it
    failed. Concrete exports add what they are built from, their format and their file."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.get_format_display()} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


def listing_export_path(instance, filename: str) -> str:
    """exports/2026/11/<random>/attendance-records.csv: a listing's file holds names and
    phone numbers, so its address cannot be guessed; the download view checks who asks."""
    return f"exports/{timezone.now():%Y/%m}/{secrets.token_urlsafe(16)}/{filename}"


class ListingExport(QueuedExport):
    """An admin listing's export too long for a request: the listing's path and query
    string, replayed by the task as the user who asked."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV"
        XLSX = "xlsx", "XLSX"

    title = models.CharField(_("listing"), max_length=100)
    path = models.CharField(_("path"), max_length=200)
    query = models.TextField(_("query string"), blank=True)
    language = models.CharField(_("language"), max_length=16)
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    rows = models.PositiveIntegerField(
        _("rows"), default=0, help_text=_("Counted when asked; once ready, the rows written.")
    )
    file = models.FileField(
        _("file"), upload_to=listing_export_path, storage=private_storage, blank=True
    )

    class Meta(QueuedExport.Meta):
        verbose_name = _("listing export")
        verbose_name_plural = _("listing exports")

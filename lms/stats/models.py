"""What staff set for the statistics (yearly targets) and the exports they ask for."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from lms.exports.models import QueuedExport
from lms.ledger.models import Track
from lms.storage import private_storage


class AnnualTarget(models.Model):
    """A township's target for one year, e.g. 17 期 and 2,500 人次 of 农民科技培训.

    Empty kind or track: every kind or both tracks. 完成率 is the year's figure over it.
    """

    township = models.ForeignKey(
        "people.Township",
        verbose_name=_("township"),
        on_delete=models.CASCADE,
        related_name="annual_targets",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.ForeignKey(
        "attendance.SessionKind",
        verbose_name=_("kind"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Leave empty to count sessions of every kind."),
    )
    track = models.CharField(
        _("track"),
        max_length=16,
        choices=Track.choices,
        blank=True,
        default="",
        help_text=_("Leave empty to count both tracks."),
    )
    sessions = models.PositiveIntegerField(_("sessions held (期)"), default=0)
    person_times = models.PositiveIntegerField(_("person-times (人次)"), default=0)

    class Meta:
        ordering = ["-year", "township__name", "kind__sort_order", "track"]
        verbose_name = _("annual target")
        verbose_name_plural = _("annual targets")
        constraints = [
            # Two partial constraints rather than nulls_distinct, which SQLite lacks.
            models.UniqueConstraint(
                fields=["township", "year", "kind", "track"],
                condition=Q(kind__isnull=False),
                name="target_once_per_kind",
                violation_error_message=_(
                    "This township already has a target for that year, kind and track."
                ),
            ),
            models.UniqueConstraint(
                fields=["township", "year", "track"],
                condition=Q(kind__isnull=True),
                name="target_once_for_all_kinds",
                violation_error_message=_(
                    "This township already has a target for that year, kind and track."
                ),
            ),
            models.CheckConstraint(
                condition=Q(sessions__gt=0) | Q(person_times__gt=0),
                name="target_not_empty",
                violation_error_message=_("Set the sessions, the person-times or both."),
            ),
        ]

    def __str__(self):
        what = " · ".join(
            str(part)
            for part in (self.kind, self.get_track_display() if self.track else "")
            if part
        )
        return f"{self.township} {self.year} {what or _('all sessions')}"


class StatsExport(QueuedExport):
    """A statistics export asked for in the admin: a year's figures are built by a Celery
    task with progress, and the file is offered when it is ready."""

    class Format(models.TextChoices):
        XLSX = "xlsx", "XLSX"
        CSV = "csv", "CSV"
        PDF = "pdf", "PDF"

    params = models.JSONField(_("filters"))
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    file = models.FileField(
        _("file"), upload_to="stats/exports/%Y/%m/", storage=private_storage, blank=True
    )

    class Meta(QueuedExport.Meta):
        verbose_name = _("statistics export")
        verbose_name_plural = _("statistics exports")

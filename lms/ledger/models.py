"""The study-hours ledger (学时台账).

One row per hour-earning source: `(person, date, hours, track, source)`. Rows are derived:
recomputing one from its source replaces it, never adds a second (a unique constraint on the
source). Annual requirements, the dual program's rules and the statistics all read this table.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Track(models.TextChoices):
    """The two tracks of the dual program (双育工程)."""

    PARTY = "party", _("party education")
    SKILLS = "skills", _("skills training")


class StudyHoursEntry(models.Model):
    class Source(models.TextChoices):
        ATTENDANCE = "attendance", _("attendance at a session")
        COURSE = "course", _("completed course")
        LESSON = "lesson", _("completed lesson")

    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="study_hours",
    )
    date = models.DateField(_("date"))
    hours = models.DecimalField(_("study hours"), max_digits=5, decimal_places=2)
    track = models.CharField(_("track"), max_length=16, choices=Track.choices)
    source_kind = models.CharField(_("source"), max_length=16, choices=Source.choices)
    source_id = models.BigIntegerField(_("source record"))
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("study hours entry")
        verbose_name_plural = _("study hours entries")
        ordering = ["-date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["source_kind", "source_id"], name="ledger_one_entry_per_source"
            ),
            models.CheckConstraint(condition=Q(hours__gt=0), name="ledger_hours_positive"),
        ]
        indexes = [models.Index(fields=["person", "date"], name="ledger_person_date")]

    def __str__(self):
        return f"{self.person} {self.date} {self.hours} ({self.get_track_display()})"

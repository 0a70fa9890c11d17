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


class AnnualRequirement(models.Model):
    """A township's year of the dual program (双育工程): per track, the study hours required
    (online and in person together) and the in-person sessions to attend; a total of hours.

    One rule reads it (`lms.ledger.selectors.program_standing` for a person,
    `people_meeting_requirement` for many): 我的学习, reminders, 达标率 and certificates.
    """

    township = models.ForeignKey(
        "people.Township",
        verbose_name=_("township"),
        on_delete=models.CASCADE,
        related_name="study_requirements",
    )
    year = models.PositiveSmallIntegerField(_("year"))
    total_hours = models.DecimalField(_("hours in total"), max_digits=5, decimal_places=1)
    party_hours = models.DecimalField(
        _("of which party education at least"), max_digits=5, decimal_places=1, default=0
    )
    skills_hours = models.DecimalField(
        _("of which skills training at least"), max_digits=5, decimal_places=1, default=0
    )
    party_sessions = models.PositiveSmallIntegerField(
        _("party education sessions to attend"),
        default=0,
        help_text=_("In-person sessions of the track attended (present or late)."),
    )
    skills_sessions = models.PositiveSmallIntegerField(
        _("skills training sessions to attend"),
        default=0,
        help_text=_("In-person sessions of the track attended (present or late)."),
    )

    class Meta:
        ordering = ["-year", "township__name"]
        verbose_name = _("year's program (双育工程)")
        verbose_name_plural = _("years' programs (双育工程)")
        constraints = [
            models.UniqueConstraint(
                fields=["township", "year"],
                name="requirement_once_a_year",
                violation_error_message=_("This township already has a program for that year."),
            ),
            models.CheckConstraint(
                condition=Q(party_hours__gte=0, skills_hours__gte=0, total_hours__gte=0),
                name="requirement_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.township} {self.year}: {self.total_hours}"

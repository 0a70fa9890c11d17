"""In-person training: sessions, who was invited, who came, and how each record was made.

The township's figures come from here (DESIGN.md, "Attendance semantics"): 期 = sessions
held; 人次 = records of people who came (present, late, left early); 人数 = distinct people.
A person appears at most once per session — a database constraint.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lms.ledger.models import Track


class SessionKind(models.Model):
    """What kind of gathering a session is; staff extend the list in the admin."""

    DEFAULT = "农民科技培训"
    BUILTIN = ["农民科技培训", "集中培训", "党课", "支部会议", "“两委”会议", "党员会议", "群众大会"]

    name = models.CharField(_("name"), max_length=50, unique=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("session kind")
        verbose_name_plural = _("session kinds")

    def __str__(self):
        return self.name


class TrainingSession(models.Model):
    """One training or meeting (一期) in a village, at a time, by a trainer."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        HELD = "held", _("held")
        CANCELLED = "cancelled", _("cancelled")

    class Audience(models.TextChoices):
        EVERYONE = "everyone", _("all villagers")
        PARTY_MEMBERS = "party_members", _("party members")
        INVITED = "invited", _("invited people only")

    kind = models.ForeignKey(
        SessionKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="sessions"
    )
    topic = models.CharField(_("topic"), max_length=200)
    track = models.CharField(_("track"), max_length=16, choices=Track.choices)
    village = models.ForeignKey(
        "people.Village",
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="training_sessions",
    )
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("course"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_sessions",
        help_text=_("The online course this session belongs to, if any."),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    trainer_person = models.ForeignKey(
        "people.Person",
        verbose_name=_("trainer (a person on the roster)"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions_trained",
    )
    trainer_name = models.CharField(
        _("trainer"),
        max_length=100,
        blank=True,
        help_text=_("A person's name or an outside body, e.g. 县农业技术推广站."),
    )
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    study_hours = models.DecimalField(_("study hours"), max_digits=4, decimal_places=1, default=0)
    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.EVERYONE
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNED
    )
    code = models.CharField(
        _("reference"),
        max_length=64,
        blank=True,
        help_text=_("The plan's own number (编号); importing the plan again matches on it."),
    )
    series = models.UUIDField(_("series"), null=True, blank=True, editable=False)
    requires_sign_out = models.BooleanField(_("requires signing out (签退)"), default=False)
    sign_in_opens_before = models.PositiveSmallIntegerField(
        _("sign-in opens (minutes before the start)"), default=30
    )
    late_after = models.PositiveSmallIntegerField(
        _("late after (minutes past the start)"), default=15
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["-starts_at", "pk"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="session_ends_after_start",
                violation_error_message=_("The session must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(study_hours__gte=0), name="session_hours_not_negative"
            ),
            models.UniqueConstraint(
                fields=["code"],
                condition=~Q(code=""),
                name="session_unique_code",
                violation_error_message=_("Another session already has this reference."),
            ),
        ]
        indexes = [
            models.Index(fields=["village", "starts_at"], name="session_village_start"),
            models.Index(fields=["starts_at"], name="session_start"),
        ]

    def __str__(self):
        local = timezone.localtime(self.starts_at)
        return f"{local:%Y-%m-%d} {self.topic}"

    @property
    def trainer_label(self) -> str:
        return self.trainer_name or (self.trainer_person.name if self.trainer_person_id else "")

    @property
    def sign_in_opens_at(self) -> datetime.datetime:
        return self.starts_at - datetime.timedelta(minutes=self.sign_in_opens_before)

    @property
    def late_from(self) -> datetime.datetime:
        return self.starts_at + datetime.timedelta(minutes=self.late_after)

    @property
    def local_date(self) -> datetime.date:
        return timezone.localtime(self.starts_at).date()


class Registration(models.Model):
    """Someone invited to or registered for a session; over capacity, on the waiting list."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("registered")
        WAITLISTED = "waitlisted", _("on the waiting list")
        CANCELLED = "cancelled", _("cancelled")

    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="registrations",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REGISTERED
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("invited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"], name="registration_once_per_session"
            )
        ]

    def __str__(self):
        return f"{self.person} · {self.session}"

    def merge_rank(self) -> int:
        """Merging two records of a person invited twice keeps the invitation that stands."""
        return (self.Status.CANCELLED, self.Status.WAITLISTED, self.Status.REGISTERED).index(
            self.status
        )


class AttendanceRecord(models.Model):
    """Whether one person came to one session, and how that was recorded."""

    class Status(models.TextChoices):
        PRESENT = "present", _("present")
        LATE = "late", _("late")
        LEFT_EARLY = "left_early", _("left early")
        EXCUSED = "excused", _("excused")
        ABSENT = "absent", _("absent")

    # 人次 counts these; study hours are credited for present and late only.
    CAME = (Status.PRESENT, Status.LATE, Status.LEFT_EARLY)
    CREDITED = (Status.PRESENT, Status.LATE)

    class Method(models.TextChoices):
        QR = "qr", _("QR code")
        CODE = "code", _("sign-in code")
        WALK_IN = "walk_in", _("walk-in form")
        ROLL_CALL = "roll_call", _("roll-call")
        IMPORT = "import", _("paper sheet import")
        PERSON_QR = "person_qr", _("person's own code scanned")
        MANUAL = "manual", _("entered by staff")

    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        related_name="attendance",
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="attendance",
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    method = models.CharField(_("method"), max_length=16, choices=Method.choices)
    signed_in_at = models.DateTimeField(_("signed in at"), null=True, blank=True)
    signed_out_at = models.DateTimeField(_("signed out at"), null=True, blank=True)
    excused_by = models.CharField(_("leave approved by"), max_length=100, blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["session", "signed_in_at", "pk"]
        verbose_name = _("attendance record")
        verbose_name_plural = _("attendance records")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"],
                name="attendance_once_per_session",
                violation_error_message=_("This person already has a record for the session."),
            )
        ]
        indexes = [models.Index(fields=["person", "status"], name="attendance_person_status")]

    def __str__(self):
        return f"{self.person} · {self.session} · {self.get_status_display()}"

    @property
    def came(self) -> bool:
        return self.status in self.CAME

    # Of two records of one person at a session (found when two records of a person are
    # merged), the one kept says they came if either does: present, late, left early, then
    # excused, then absent (lms/people/merging.py).
    MERGE_ORDER = (Status.ABSENT, Status.EXCUSED, Status.LEFT_EARLY, Status.LATE, Status.PRESENT)

    def merge_rank(self) -> int:
        return self.MERGE_ORDER.index(self.status)


class AttendanceChange(models.Model):
    """Every change to a record: who, when, by which method, from what to what."""

    record = models.ForeignKey(
        AttendanceRecord,
        verbose_name=_("attendance record"),
        on_delete=models.CASCADE,
        related_name="changes",
    )
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
    method = models.CharField(_("method"), max_length=16, choices=AttendanceRecord.Method.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]
        verbose_name = _("attendance change")
        verbose_name_plural = _("attendance changes")

    def __str__(self):
        return f"{self.record_id}: {self.from_status or '—'} → {self.to_status}"


class Evaluation(models.Model):
    """An attendee's rating of a session (满意度, 1–5) and an optional comment."""

    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="evaluations",
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="evaluations",
    )
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"))
    comment = models.TextField(_("comment"), blank=True, max_length=1000)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="evaluation_once"),
            models.CheckConstraint(
                condition=Q(satisfaction__gte=1, satisfaction__lte=5),
                name="evaluation_satisfaction_1_to_5",
            ),
        ]

    def __str__(self):
        return f"{self.session} · {self.satisfaction}"


class SheetPhoto(models.Model):
    """A photo of the paper sign-in sheet, kept with the session as evidence."""

    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="sheet_photos",
    )
    image = models.ImageField(_("photo"), upload_to="attendance/sheets/%Y/%m/")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("sign-in sheet photo")
        verbose_name_plural = _("sign-in sheet photos")

    def __str__(self):
        return f"{self.session} · {self.uploaded_at:%Y-%m-%d %H:%M}"


class PendingWalkIn(models.Model):
    """A walk-in whose name, village and phone fit several people on the roster.

    Nobody is created or signed in: the attendee is sent to the sign-in desk and the
    organizer decides who it is (or that it is someone new) from the session's screen.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the organizer")
        RESOLVED = "resolved", _("resolved")
        DISMISSED = "dismissed", _("dismissed")

    session = models.ForeignKey(
        TrainingSession,
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        related_name="pending_walk_ins",
    )
    name = models.CharField(_("full name"), max_length=64)
    village = models.ForeignKey(
        "people.Village", verbose_name=_("village"), on_delete=models.PROTECT, related_name="+"
    )
    phone = models.CharField(_("phone"), max_length=16, blank=True, default="")
    arrived_at = models.DateTimeField(_("arrived at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Who the organizer decided it was."),
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("resolved by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        ordering = ["arrived_at", "pk"]
        verbose_name = _("pending walk-in")
        verbose_name_plural = _("pending walk-ins")
        constraints = [
            # Pressing "sign in" twice asks the organizer once.
            models.UniqueConstraint(
                fields=["session", "village", "name", "phone"],
                condition=Q(status="pending"),
                name="walk_in_pending_once",
            )
        ]

    def __str__(self):
        return f"{self.name} ({self.village}) · {self.session}"

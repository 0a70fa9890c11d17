"""Online study (万人在线): courses as Wagtail pages, and the records of who studied what.

Pages hold what editors write (CourseIndexPage → CoursePage → LessonPage); plain models hold
what learners do (Enrollment, LessonProgress, QuizAttempt, StudyClock). Pages read; the
services in courses/services.py write.
"""

import copy
import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from lms.ledger.models import Track
from lms.memo import ProcessMemo
from lms.pages import ShuangyuPage

from .blocks import LessonBodyBlock, QuizBlock


def study_hours_from_seconds(seconds: int, *, minutes_per_hour: int) -> Decimal:
    """学时 from study time: `minutes_per_hour` minutes make one, to the nearest half hour
    (a quarter hour rounds up)."""
    hours = Decimal(seconds) / Decimal(60 * minutes_per_hour)
    return (hours * 2).quantize(Decimal("1"), rounding=ROUND_HALF_UP) / 2


@register_setting(icon="time")
class StudySettings(BaseSiteSetting):
    """How the township turns study time into study hours (e.g. 45 minutes = 1 学时)."""

    minutes_per_study_hour = models.PositiveSmallIntegerField(
        _("minutes per study hour"), default=45
    )
    completion_share = models.PositiveSmallIntegerField(
        _("share of a video or audio to watch (%)"),
        default=90,
        help_text=_("A lesson's media counts as watched once this share has been credited."),
    )

    class Meta:
        verbose_name = _("study settings")

    # Read on every learner's page: each process keeps a site's row for ten seconds
    # (forgotten at once in the process that saves it: courses/signals.py).
    local = ProcessMemo(10)

    @classmethod
    def for_site(cls, site) -> "StudySettings":
        read = super().for_site
        found = cls.local.get(getattr(site, "pk", None), lambda: read(site))
        return copy.copy(found)  # for_request sets _request on what it gets

    @classmethod
    def for_page(cls, page) -> "StudySettings":
        """The settings of the site a page belongs to (its defaults for a page outside any
        site). Views with a request use Wagtail's `for_request`, which reads the same row."""
        site = page.get_site()
        return cls.for_site(site) if site else cls()


class CourseIndexPage(ShuangyuPage):
    """The catalogue (课程中心)."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["home.HomePage"]
    subpage_types = ["courses.CoursePage"]
    max_count = 1

    class Meta:
        verbose_name = _("course catalogue")


class CoursePage(ShuangyuPage):
    """A course worth study hours in one track, required or elective, for an audience."""

    class Audience(models.TextChoices):
        ALL_MEMBERS = "all_members", _("all party members")
        EVERYONE = "everyone", _("everyone")
        BRANCH = "branch", _("one party branch")
        VILLAGE = "village", _("one village")

    intro = RichTextField(_("introduction"), blank=True)
    track = models.CharField(_("track"), max_length=16, choices=Track.choices)
    study_hours = models.DecimalField(
        _("study hours"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        help_text=_("Leave empty to derive the hours from the lessons' media length."),
    )
    is_required = models.BooleanField(_("required"), default=False)
    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.ALL_MEMBERS
    )
    audience_branch = models.ForeignKey(
        "people.PartyBranch",
        verbose_name=_("party branch"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    audience_village = models.ForeignKey(
        "people.Village",
        verbose_name=_("village"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    opens_on = models.DateField(_("open from"), null=True, blank=True)
    closes_on = models.DateField(_("open until"), null=True, blank=True)
    cover = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("cover image"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Shown beside the course in the lists; a landscape photo works best."),
    )
    self_enrollment = models.BooleanField(_("learners may enrol themselves"), default=True)
    requires_quiz_pass = models.BooleanField(_("quizzes must be passed to complete"), default=True)

    content_panels = [
        *Page.content_panels,
        FieldPanel("intro"),
        FieldPanel("cover"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("track"), FieldPanel("study_hours")]),
                FieldRowPanel([FieldPanel("is_required"), FieldPanel("requires_quiz_pass")]),
            ],
            # Not "Study hours": the field inside is already called that (学时 twice).
            heading=_("Track and credit"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("audience"),
                FieldRowPanel([FieldPanel("audience_branch"), FieldPanel("audience_village")]),
                FieldPanel("self_enrollment"),
                FieldRowPanel([FieldPanel("opens_on"), FieldPanel("closes_on")]),
            ],
            heading=_("Who and when"),
        ),
    ]
    search_fields = [*Page.search_fields, index.SearchField("intro")]
    parent_page_types = ["courses.CourseIndexPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def lessons(self):
        return LessonPage.objects.child_of(self).live().order_by("path")

    def hours(self, *, minutes_per_hour: int = 45, lessons=None) -> Decimal:
        """The editor's hours, or the live lessons' media length by the township's rule.

        `lessons`: the course's live lessons when the caller has read them already.
        """
        if self.study_hours is not None:
            return self.study_hours
        lessons = self.lessons() if lessons is None else lessons
        seconds = sum(lesson.media_seconds for lesson in lessons)
        return study_hours_from_seconds(seconds, minutes_per_hour=minutes_per_hour)


class LessonPage(ShuangyuPage):
    """One lesson: text, video, audio, PDF, images, and an optional quiz."""

    body = StreamField(LessonBodyBlock(), verbose_name=_("content"), blank=True)
    quiz = StreamField(QuizBlock(), verbose_name=_("quiz"), blank=True)
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=60, help_text=_("Share of questions answered right.")
    )
    max_attempts = models.PositiveSmallIntegerField(
        _("attempts allowed"), default=3, help_text=_("0 for no limit.")
    )

    content_panels = [
        *Page.content_panels,
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("quiz"),
                FieldRowPanel([FieldPanel("pass_mark"), FieldPanel("max_attempts")]),
            ],
            heading=_("Quiz"),
        ),
    ]
    parent_page_types = ["courses.CoursePage"]
    subpage_types: list = []

    class Meta:
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

    @property
    def media_seconds(self) -> int:
        """Total media length, read from the raw stream: no document is fetched for it
        (the heartbeat asks on every call)."""
        return sum(
            int(block["value"].get("duration_seconds") or 0)
            for block in self.body.raw_data
            if block["type"] == "media"
        )

    @property
    def has_quiz(self) -> bool:
        return len(self.quiz.raw_data) > 0  # the raw stream: no block is built for it


class Enrollment(models.Model):
    class Status(models.TextChoices):
        ENROLLED = "enrolled", _("studying")
        COMPLETED = "completed", _("completed")
        WITHDRAWN = "withdrawn", _("withdrawn")

    class Source(models.TextChoices):
        SELF = "self", _("enrolled themselves")
        ASSIGNED = "assigned", _("assigned by an organizer")

    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="enrollments",
    )
    course = models.ForeignKey(
        CoursePage, verbose_name=_("course"), on_delete=models.CASCADE, related_name="enrollments"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ENROLLED
    )
    source = models.CharField(_("how"), max_length=16, choices=Source.choices)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("enrollment")
        verbose_name_plural = _("enrollments")
        constraints = [
            models.UniqueConstraint(fields=["person", "course"], name="enrollment_once"),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_at__isnull=False),
                name="enrollment_completed_has_date",
            ),
        ]

    def __str__(self):
        return f"{self.person} · {self.course}"

    def merge_rank(self) -> tuple:
        """Merging two records of a person enrolled in one course twice keeps the completed
        enrolment (the first completed, where both are), else the one still studying."""
        order = (self.Status.WITHDRAWN, self.Status.ENROLLED, self.Status.COMPLETED)
        first_completed = -self.completed_at.timestamp() if self.completed_at else 0
        return (order.index(self.status), first_completed)


class LessonProgress(models.Model):
    """How far a person is in one lesson; seconds credited never exceed the media length."""

    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="lesson_progress",
    )
    lesson = models.ForeignKey(
        LessonPage, verbose_name=_("lesson"), on_delete=models.CASCADE, related_name="progress"
    )
    position_seconds = models.PositiveIntegerField(_("resume at (s)"), default=0)
    seconds_credited = models.PositiveIntegerField(_("seconds watched"), default=0)
    last_heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    quiz_passed = models.BooleanField(_("quiz passed"), default=False)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("lesson progress")
        verbose_name_plural = _("lesson progress")
        constraints = [
            models.UniqueConstraint(fields=["person", "lesson"], name="lesson_progress_once")
        ]

    def __str__(self):
        return f"{self.person} · {self.lesson} · {self.seconds_credited}s"

    def merge_rank(self) -> tuple:
        """Merging two records of a person keeps the further of their progress in a lesson."""
        return (self.completed_at is not None, self.quiz_passed, self.seconds_credited)


class StudyClock(models.Model):
    """A person's one study clock: however many tabs or phones play, time is credited once.

    Each credited heartbeat moves `last_credit_at`; a heartbeat earns at most the wall-clock
    time since then, whichever lesson it comes from.
    """

    person = models.OneToOneField(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="study_clock",
    )
    last_credit_at = models.DateTimeField(_("last credited"), null=True, blank=True)

    class Meta:
        verbose_name = _("study clock")
        verbose_name_plural = _("study clocks")

    def __str__(self):
        return f"{self.person} · {self.last_credit_at}"


class QuizAttempt(models.Model):
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="quiz_attempts",
    )
    lesson = models.ForeignKey(
        LessonPage,
        verbose_name=_("lesson"),
        on_delete=models.CASCADE,
        related_name="quiz_attempts",
    )
    question_order = models.JSONField(_("order shown"), default=list)
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    score = models.PositiveSmallIntegerField(_("score (%)"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), default=False)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")

    def __str__(self):
        return f"{self.person} · {self.lesson} · {self.score}"


def assignment_counts_zero() -> dict[str, int]:
    """An assignment's counts before its first chunk (the status page shows them at once)."""
    return {"assigned": 0, "reenrolled": 0, "already": 0, "out_of_scope": 0}


class CourseAssignment(models.Model):
    """A course assigned to a large group, enrolled by a Celery task a chunk at a time.

    `done` counts the people (in `person_ids` order) whose chunk has committed, in the same
    transaction as their enrolments, so a task started again after a lost worker goes on from
    there and `counts` add up to what was really written. The admin shows its progress, or
    the error and a retry."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("assigning")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    course = models.ForeignKey(
        CoursePage, verbose_name=_("course"), on_delete=models.CASCADE, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    person_ids = models.JSONField(_("people"), default=list)
    village_ids = models.JSONField(
        _("villages"), default=list, help_text=_("The villages of the people, for who may see it.")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    counts = models.JSONField(_("counts"), default=assignment_counts_zero)
    error = models.CharField(_("error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    progressed_at = models.DateTimeField(_("last progress"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("course assignment")
        verbose_name_plural = _("course assignments")
        constraints = [
            models.CheckConstraint(
                condition=Q(done__lte=models.F("total")), name="assignment_done_le_total"
            )
        ]

    def __str__(self):
        return f"{self.course.title} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        return 100 * self.done // self.total if self.total else 100

    @property
    def is_stalled(self) -> bool:
        """Queued or running, and nothing counted for longer than Redis waits before handing
        a lost worker's message to another (and a minute): its message is gone too (Redis
        lost it, or the task died recording a failure), so nothing will go on by itself."""
        if not self.is_pending:
            return False
        timeout = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] + 60
        return self.progressed_at < timezone.now() - datetime.timedelta(seconds=timeout)

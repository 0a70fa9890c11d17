"""Certificates: the templates staff edit, the certificates issued, their serial numbers and
the bulk issues that make a training's certificates in the background."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.db.models import Q
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel
from wagtail.models import DraftStateMixin, PreviewableMixin, RevisionMixin
from wagtail.search import index

from lms.storage import private_storage

from .content import sample_pdf

PLACEHOLDERS = ("name", "what", "hours", "dates", "serial", "issuer")


class Kind(models.TextChoices):
    """What a certificate is for."""

    PROGRAM = "program", _("dual program completed (结业证书)")
    COURSE = "course", _("online course completed")
    TRAINING = "training", _("training attended (培训证书)")
    RECORD = "record", _("personal study record (一人一档)")


class CertificateTemplate(
    PreviewableMixin, DraftStateMixin, RevisionMixin, index.Indexed, models.Model
):
    """How one kind of certificate looks and reads, for one township (its issuing body and
    seal) or, with none, for every township without its own; staff edit it in the admin (with
    drafts and revisions), and each certificate keeps the revision it was issued with."""

    class Orientation(models.TextChoices):
        LANDSCAPE = "landscape", _("landscape (A4)")
        PORTRAIT = "portrait", _("portrait (A4)")

    name = models.CharField(
        _("name"), max_length=100, help_text=_("For staff, e.g. 2026 结业证书.")
    )
    kind = models.CharField(
        _("kind"),
        max_length=16,
        choices=[(k.value, k.label) for k in Kind if k != Kind.RECORD],
    )
    township = models.ForeignKey(
        "people.Township",
        verbose_name=_("township"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificate_templates",
        help_text=_(
            "The township whose certificates it prints. Leave empty for the county-wide template,"
            " used by every township without one of its own."
        ),
    )
    title = models.CharField(_("title"), max_length=40, default="结业证书")
    body = models.TextField(
        _("text"),
        help_text=_(
            "Placeholders: {name} the person, {what} what was completed, {hours} the study"
            " hours, {dates} when, {serial} the number, {issuer} the issuing body."
        ),
    )
    orientation = models.CharField(
        _("orientation"), max_length=16, choices=Orientation.choices, default=Orientation.LANDSCAPE
    )
    background = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("background image"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    seal = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("seal"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("A PNG of the seal with a transparent background."),
    )
    issuer = models.CharField(
        _("issuing body"), max_length=100, help_text=_("e.g. 中共东沟乡委员会")
    )
    signatory_name = models.CharField(_("signatory"), max_length=50, blank=True)
    signatory_title = models.CharField(_("signatory's title"), max_length=50, blank=True)
    revisions = GenericRelation(
        "wagtailcore.Revision",
        content_type_field="content_type",
        object_id_field="object_id",
        for_concrete_model=False,
        related_query_name="certificate_template",
    )

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("kind")]),
        FieldPanel("township"),
        FieldRowPanel([FieldPanel("title"), FieldPanel("orientation")]),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("issuer"),
                FieldRowPanel([FieldPanel("signatory_name"), FieldPanel("signatory_title")]),
                FieldRowPanel([FieldPanel("seal"), FieldPanel("background")]),
            ],
            heading=_("Issuer, seal and background"),
        ),
    ]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("certificate template")
        verbose_name_plural = _("certificate templates")

    def __str__(self):
        return self.name

    def serve_preview(self, request, mode_name):
        """The preview panel shows a sample certificate as the PDF it will print."""
        response = HttpResponse(sample_pdf(self), content_type="application/pdf")
        response["Content-Disposition"] = 'inline; filename="preview.pdf"'
        return response


class Certificate(models.Model):
    """A certificate issued to a person: its serial, what it certifies (as issued), the
    template revision it was issued with, its PDF, and whether it has been revoked."""

    class Status(models.TextChoices):
        VALID = "valid", _("valid")
        REVOKED = "revoked", _("revoked")

    serial = models.CharField(_("serial number"), max_length=32, unique=True)
    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.PROTECT,
        related_name="certificates",
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    session = models.ForeignKey(
        "attendance.TrainingSession",
        verbose_name=_("session"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
    )
    enrollment = models.ForeignKey(
        "courses.Enrollment",
        verbose_name=_("course enrolment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
    )
    subject = models.CharField(_("what it certifies"), max_length=200)
    hours = models.DecimalField(_("study hours"), max_digits=6, decimal_places=1, default=0)
    dates = models.CharField(_("dates"), max_length=60, blank=True)
    issuer = models.CharField(_("issuing body"), max_length=100)
    template_revision = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("template revision"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    pdf = models.FileField(
        _("PDF"), upload_to="certificates/%Y/", storage=private_storage, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.VALID
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_reason = models.CharField(_("reason for revoking"), max_length=200, blank=True)
    revoked_by_rule = models.BooleanField(
        _("revoked because the records changed"),
        default=False,
        help_text=_("Valid again by itself if the records change back; staff revocations stay."),
    )

    superseded_by = models.ForeignKey(
        "self",
        verbose_name=_("replaced by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "Set when two records of one person were merged and both held this certificate:"
            " the other one stands, and this one stays revoked and verifiable."
        ),
    )

    wagtail_reference_index_ignore = True

    class Meta:
        ordering = ["-issued_at", "-pk"]
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            # Issuing again issues nothing new: one certificate per person and thing done
            # (besides those a merge of two records of the person replaced).
            models.UniqueConstraint(
                fields=["person", "session"],
                condition=Q(kind="training", superseded_by__isnull=True),
                name="certificate_once_per_session",
            ),
            models.UniqueConstraint(
                fields=["person", "enrollment"],
                condition=Q(kind="course", superseded_by__isnull=True),
                name="certificate_once_per_course",
            ),
            models.UniqueConstraint(
                fields=["person", "year"],
                condition=Q(kind="program", superseded_by__isnull=True),
                name="certificate_once_per_program_year",
            ),
            models.CheckConstraint(
                condition=~Q(kind="training") | Q(session__isnull=False),
                name="certificate_training_has_session",
            ),
            models.CheckConstraint(
                condition=~Q(kind="course") | Q(enrollment__isnull=False),
                name="certificate_course_has_enrollment",
            ),
        ]
        indexes = [models.Index(fields=["person", "kind"], name="certificate_person_kind")]

    def __str__(self):
        return f"{self.serial} {self.person}"

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.VALID

    @property
    def pdf_can_be_served(self) -> bool:
        """Its PDF is stored, or can be rendered from the template revision it was issued
        with. A study record (一人一档) is the record as of the day it was printed: one not
        kept then can never be made again as it was (services.certificate_pdf_bytes)."""
        return bool(self.pdf) or self.kind != Kind.RECORD


class SerialCounter(models.Model):
    """The last sequence number used for a prefix and year. It only ever grows, so a serial
    is never reused, even after a certificate is revoked."""

    prefix = models.CharField(_("prefix"), max_length=8)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("serial counter")
        verbose_name_plural = _("serial counters")
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="serial_counter_once")
        ]

    def __str__(self):
        return f"{self.prefix}-{self.year}: {self.last}"


class IssueBatch(models.Model):
    """A training's (or a course's, or a year's) certificates issued in the background:
    progress for the admin, and the people whose certificate failed, with the reason."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    session = models.ForeignKey(
        "attendance.TrainingSession",
        verbose_name=_("session"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    person_ids = models.JSONField(_("people"), default=list)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    chunks_done = models.JSONField(_("chunks done"), default=list)
    errors = models.JSONField(_("errors"), default=list)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("certificate batch")
        verbose_name_plural = _("certificate batches")

    def __str__(self):
        return f"{self.get_kind_display()} · {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100

"""Issuing, rendering and revoking certificates.

Issuing is safe to repeat: a database constraint allows one certificate per person and
thing done, so a second call (or a second organizer at the same moment) finds the first.
Serial numbers come from a counter that only grows (`DG-2026-000123`): unique, readable and
never reused. A certificate is rendered once, when issued, and stored; it keeps the template
revision in force then, so rendering it again next year gives the same certificate.
"""

import datetime
import logging
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from attendance.models import AttendanceRecord, TrainingSession
from courses.models import Enrollment
from lms.ledger.models import StudyHoursEntry
from lms.ledger.selectors import person_standing
from lms.people.models import Person, Township

from . import rendering
from .content import certificate_content
from .exceptions import NotEligible, NoTemplate, NotStored
from .models import Certificate, CertificateTemplate, Kind, SerialCounter

logger = logging.getLogger(__name__)
DEFAULT_PREFIX = "SY"


# --- Serial numbers -----------------------------------------------------------------------------


def serial_next(*, prefix: str, year: int) -> str:
    """The next serial of a prefix and year, e.g. DG-2026-000123, in one atomic statement:
    two organizers issuing at the same moment never draw the same number."""
    table = SerialCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (prefix, year, last) VALUES (%s, %s, 1) "
            f"ON CONFLICT (prefix, year) DO UPDATE SET last = {table}.last + 1 "
            "RETURNING last",
            [prefix, year],
        )
        (number,) = cursor.fetchone()
    return f"{prefix}-{year}-{number:06d}"


def serial_prefix(person: Person) -> str:
    return person.village.township.code or DEFAULT_PREFIX


# --- Issuing ------------------------------------------------------------------------------------


def template_in_force(*, kind: str, township: Township) -> CertificateTemplate:
    """The live template of a kind for a township: its own most recently published, else the
    county-wide one (no township) most recently published. Never another township's: its
    issuing body and seal are not this township's."""
    template = (
        CertificateTemplate.objects.filter(kind=kind, live=True)
        .filter(Q(township=township) | Q(township__isnull=True))
        .exclude(live_revision=None)
        .select_related("live_revision")
        .order_by(F("township_id").asc(nulls_last=True), "-last_published_at", "-pk")
        .first()
    )
    if template is None:
        raise NoTemplate(
            _("No certificate template of this kind is published for %(township)s: %(kind)s")
            % {"township": township.name, "kind": Kind(kind).label}
        )
    return template


def _existing(*, person: Person, kind: str, session=None, enrollment=None, year=None):
    certificates = Certificate.objects.filter(person=person, kind=kind, superseded_by=None)
    if kind == Kind.TRAINING:
        return certificates.filter(session=session).first()
    if kind == Kind.COURSE:
        return certificates.filter(enrollment=enrollment).first()
    return certificates.filter(year=year).first()


def issue(
    *,
    person: Person,
    kind: str,
    year: int,
    subject: str,
    hours: Decimal,
    dates: str,
    by=None,
    session: TrainingSession | None = None,
    enrollment: Enrollment | None = None,
    template: CertificateTemplate | None = None,
) -> tuple[Certificate, bool]:
    """(certificate, issued now): the existing one if it was issued before, revoked or not.
    A study record is a new one each time: it is the record as of the day it is printed.
    `template`, when given, is the one in force for the person's township (a batch looks it
    up once); otherwise it is looked up here."""
    if kind != Kind.RECORD:
        existing = _existing(
            person=person, kind=kind, session=session, enrollment=enrollment, year=year
        )
        if existing is not None:
            return existing, False
    # A study record is laid out by its own fixed page, not a staff-edited template.
    if kind == Kind.RECORD:
        template = None
    elif template is None:
        template = template_in_force(kind=kind, township=person.village.township)
    try:
        with transaction.atomic():
            certificate = Certificate.objects.create(
                serial=serial_next(prefix=serial_prefix(person), year=year),
                person=person,
                kind=kind,
                year=year,
                session=session,
                enrollment=enrollment,
                subject=subject[:200],
                hours=hours,
                dates=dates,
                issuer=template.issuer if template else person.village.township.name,
                template_revision=template.live_revision if template else None,
                issued_by=by if by is not None and by.is_authenticated else None,
            )
    except IntegrityError:  # issued at this very moment by someone else: theirs stands
        existing = _existing(
            person=person, kind=kind, session=session, enrollment=enrollment, year=year
        )
        if existing is None:
            raise
        return existing, False
    return certificate, True


def date_words(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The first moment of a year and of the next, in the township's time zone."""
    return tuple(timezone.make_aware(datetime.datetime(y, 1, 1)) for y in (year, year + 1))


def training_certificate_issue(
    *, session: TrainingSession, person: Person, by=None, template=None
) -> tuple[Certificate, bool]:
    """A training's certificate for someone who earned its hours (present or late)."""
    if session.status == TrainingSession.Status.CANCELLED:
        raise NotEligible(_("This session was cancelled."))
    earned = AttendanceRecord.objects.filter(
        session=session, person=person, status__in=AttendanceRecord.CREDITED
    ).exists()
    if not earned:
        raise NotEligible(_("%(name)s did not attend this session.") % {"name": person.name})
    return issue(
        person=person,
        kind=Kind.TRAINING,
        year=session.local_date.year,
        subject=f"{session.kind.name}“{session.topic}”",
        hours=session.study_hours,
        dates=date_words(session.local_date),
        session=session,
        by=by,
        template=template,
    )


def training_certificate_people(session: TrainingSession) -> list[Person]:
    """Everyone a training's certificates are for: those who earned its hours, by name."""
    return list(
        Person.objects.filter(
            attendance__session=session, attendance__status__in=AttendanceRecord.CREDITED
        )
        .select_related("village__township")
        .order_by("name", "pk")
    )


def course_certificate_issue(*, enrollment: Enrollment, by=None) -> tuple[Certificate, bool]:
    """A completed online course's certificate, with the hours the ledger credited."""
    if enrollment.completed_at is None:
        raise NotEligible(_("This course has not been completed."))
    credited = StudyHoursEntry.objects.filter(
        source_kind=StudyHoursEntry.Source.COURSE, source_id=enrollment.pk
    ).first()
    completed = timezone.localtime(enrollment.completed_at).date()
    return issue(
        person=enrollment.person,
        kind=Kind.COURSE,
        year=completed.year,
        subject=_("online course “%(title)s”") % {"title": enrollment.course.title},
        hours=credited.hours if credited else Decimal("0"),
        dates=date_words(completed),
        enrollment=enrollment,
        by=by,
    )


def program_certificate_issue(*, person: Person, year: int, by=None) -> tuple[Certificate, bool]:
    """The year's 双育 program certificate, for someone who met the program (the ledger's one
    rule decides)."""
    standing = person_standing(person=person, year=year)
    if standing.requirement is None:
        raise NotEligible(_("The township has set no program for %(year)s.") % {"year": year})
    if not standing.met:
        raise NotEligible("；".join(standing.missing))
    return issue(
        person=person,
        kind=Kind.PROGRAM,
        year=year,
        subject=_("the %(year)s dual program of party education and skills training")
        % {"year": year},
        hours=standing.total.earned,
        dates=f"{year}年",
        by=by,
    )


# --- Rendering ----------------------------------------------------------------------------------


def certificate_filename(certificate: Certificate) -> str:
    return f"{certificate.serial}.pdf"


def certificates_render(*, certificates: list[Certificate], force: bool = False) -> int:
    """Render and store the PDFs of those not yet rendered (all with force), laid out in
    one document and split: a training's 180 in about a second. Returns how many.

    A study record (一人一档) is stored when it is printed (records.study_records_pdf) and
    never rendered here: it is the record as of that day, which no template makes again."""
    pending = [c for c in certificates if (force or not c.pdf) and c.kind != Kind.RECORD]
    if not pending:
        return 0
    # One template object per revision: as_object() and the image look-ups it leads to cost
    # ~2 ms and 6 queries per certificate when done for each.
    templates: dict[int, CertificateTemplate] = {}
    for certificate in pending:
        key = certificate.template_revision_id
        if key is not None and key not in templates:
            templates[key] = certificate.template_revision.as_object()
    contents = [
        certificate_content(certificate, template=templates.get(certificate.template_revision_id))
        for certificate in pending
    ]
    pdfs = rendering.certificate_pdfs(contents=contents)
    with transaction.atomic():  # one commit for the batch's file names, not one each
        for certificate, pdf in zip(pending, pdfs, strict=True):
            certificate_pdf_store(certificate, pdf)
    return len(pending)


def certificate_pdf_store(certificate: Certificate, pdf: bytes) -> None:
    """Keep a certificate's PDF as its file (replacing the one it had), served from then on."""
    if certificate.pdf:
        certificate.pdf.delete(save=False)
    certificate.pdf.save(certificate_filename(certificate), ContentFile(pdf), save=False)
    Certificate.objects.filter(pk=certificate.pk).update(pdf=certificate.pdf.name)


def certificate_render(*, certificate: Certificate, force: bool = False) -> Certificate:
    certificates_render(certificates=[certificate], force=force)
    return certificate


def certificate_pdf_bytes(certificate: Certificate) -> bytes:
    """The stored PDF (rendered now if it never was). NotStored for a study record that was
    not kept when it was printed: it cannot be made again as it was."""
    if not certificate.pdf_can_be_served:
        raise NotStored()
    if not certificate.pdf:
        certificate_render(certificate=certificate)
    with certificate.pdf.open("rb") as stored:
        return stored.read()


# --- Two records of one person merged -----------------------------------------------------------


@transaction.atomic
def certificate_merge_fold(
    *, certificate: Certificate, person: Person, by, enrollment: Enrollment | None = None
) -> Certificate:
    """Put a merged duplicate's certificate on the kept person (and on the kept enrolment, when
    the duplicate's enrolment in the course is dropped). An issued certificate is never
    deleted: where the kept person already holds the certificate for the same thing, one
    stands (the kept person's, unless only the duplicate's is valid) and the other is revoked
    as replaced by it, so the serial printed on its paper still verifies and says which one
    stands."""
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    enrollment = enrollment or certificate.enrollment
    other = None
    if certificate.kind != Kind.RECORD and certificate.superseded_by_id is None:
        other = _existing(
            person=person,
            kind=certificate.kind,
            session=certificate.session,
            enrollment=enrollment,
            year=certificate.year,
        )
    if other is not None and other.pk != certificate.pk:
        standing, replaced = (
            (certificate, other)
            if certificate.is_valid and not other.is_valid
            else (other, certificate)
        )
        Certificate.objects.filter(pk=replaced.pk).update(superseded_by=standing)
        certificate_revoke(
            certificate=replaced,
            by=by,
            reason=_("Two records of the same person were merged; certificate %(serial)s stands")
            % {"serial": standing.serial},
        )
    Certificate.objects.filter(pk=certificate.pk).update(person=person, enrollment=enrollment)
    certificate.refresh_from_db()
    return certificate


# --- Revoking -----------------------------------------------------------------------------------


@transaction.atomic
def certificate_revoke(
    *, certificate: Certificate, by, reason: str, by_rule: bool = False
) -> Certificate:
    """Revoke a certificate; its verification page says so, with the reason. Logged.
    `by_rule`: revoked because its records changed (valid again if they change back)."""
    reason = (reason or "").strip()
    if not reason:
        raise NotEligible(_("Say why the certificate is revoked."))
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.status == Certificate.Status.REVOKED:
        return certificate
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revoked_by = by if by is not None and by.is_authenticated else None
    certificate.revoked_reason = reason[:200]
    certificate.revoked_by_rule = by_rule
    certificate.save(
        update_fields=["status", "revoked_at", "revoked_by", "revoked_reason", "revoked_by_rule"]
    )
    log(
        instance=certificate,
        action="certificates.revoke",
        user=certificate.revoked_by,
        data={"reason": certificate.revoked_reason, "serial": certificate.serial},
    )
    return certificate


# --- Noticed from the ledger --------------------------------------------------------------------


def certificates_after_ledger_change(
    *, person_id: int, year: int, source_kind: str, source_id: int
) -> list[str]:
    """A person's hours changed: keep their certificates true to the records. What is now
    earned is issued (a completed course's certificate; the year's program certificate
    once it is met); a certificate whose records were corrected away is revoked by the rule,
    and valid again if they are corrected back. Safe to run twice; returns the serials
    issued now."""
    person = Person.objects.select_related("village__township").filter(pk=person_id).first()
    if person is None:
        return []
    issued = []
    if source_kind == StudyHoursEntry.Source.COURSE:
        issued += _course_after_change(person=person, enrollment_id=source_id)
    elif source_kind == StudyHoursEntry.Source.ATTENDANCE:
        _training_after_change(person=person, record_id=source_id)
    issued += _program_after_change(person=person, year=year)
    return issued


def _course_after_change(*, person: Person, enrollment_id: int) -> list[str]:
    enrollment = (
        Enrollment.objects.filter(pk=enrollment_id, person=person)
        .select_related("course", "person__village__township")
        .first()
    )
    if enrollment is None:
        return []
    if enrollment.completed_at is None:
        _revoke_by_rule(
            Certificate.objects.filter(kind=Kind.COURSE, enrollment=enrollment).first(),
            reason=_("The course's completion was withdrawn."),
        )
        return []
    try:
        certificate, new = course_certificate_issue(enrollment=enrollment)
    except NoTemplate:
        return []
    _reinstate_by_rule(certificate)
    if not new:
        return []
    certificate_render(certificate=certificate)
    return [certificate.serial]


def _training_after_change(*, person: Person, record_id: int) -> None:
    record = AttendanceRecord.objects.filter(pk=record_id, person=person).first()
    if record is None:
        return
    certificate = Certificate.objects.filter(
        kind=Kind.TRAINING, person=person, session_id=record.session_id
    ).first()
    if record.status in AttendanceRecord.CREDITED:
        _reinstate_by_rule(certificate)
    else:
        _revoke_by_rule(
            certificate,
            reason=_("The attendance record was corrected to “%(status)s”.")
            % {"status": record.get_status_display()},
        )


def _program_after_change(*, person: Person, year: int) -> list[str]:
    standing = person_standing(person=person, year=year)
    existing = Certificate.objects.filter(kind=Kind.PROGRAM, person=person, year=year).first()
    if not standing.met:
        _revoke_by_rule(
            existing,
            reason=_("The study records were corrected; still to go: %(missing)s")
            % {"missing": "；".join(standing.missing)},
        )
        return []
    _reinstate_by_rule(existing)
    if existing is not None:
        return []
    try:
        certificate, new = program_certificate_issue(person=person, year=year)
    except (NoTemplate, NotEligible):
        return []
    if not new:
        return []
    certificate_render(certificate=certificate)
    return [certificate.serial]


def _revoke_by_rule(certificate: Certificate | None, *, reason: str) -> None:
    if certificate is None or certificate.status != Certificate.Status.VALID:
        return
    certificate_revoke(certificate=certificate, by=None, reason=reason, by_rule=True)


def _reinstate_by_rule(certificate: Certificate | None) -> None:
    """A certificate the rule revoked is valid again once its records are; one that staff
    revoked stays revoked."""
    if certificate is None or not certificate.revoked_by_rule:
        return
    Certificate.objects.filter(pk=certificate.pk).update(
        status=Certificate.Status.VALID,
        revoked_at=None,
        revoked_reason="",
        revoked_by_rule=False,
    )
    log(
        instance=certificate,
        action="certificates.reinstate",
        data={"serial": certificate.serial},
    )


# --- Preview ------------------------------------------------------------------------------------

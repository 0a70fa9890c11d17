"""一人一档: a person's printable study record of one year — courses completed, sessions
attended, hours by track against the program, certificates — with its own verifiable serial.

Each print is a record as of that day, so each gets a serial of its own (kind "record");
its verification page says whose record it is (masked), of which year, and when printed.
"""

from dataclasses import dataclass

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from attendance.models import AttendanceRecord
from courses.models import Enrollment
from lms.ledger.models import StudyHoursEntry, Track
from lms.ledger.selectors import person_standing
from lms.people.models import Person

from . import rendering
from .content import verify_url
from .models import Certificate, Kind
from .pdf_split import finish_pdf, split_pdf
from .services import certificate_pdf_store, date_words, issue, year_bounds

TEMPLATE = "certificates/pdf/record.html"


@dataclass
class StudyRecord:
    """What one record prints."""

    person: Person
    year: int
    certificate: Certificate
    standing: object
    courses: list
    sessions: list
    certificates: list

    @property
    def verify_url(self) -> str:
        return verify_url(self.certificate.serial)

    @property
    def qr(self):
        """The verification address as an inline SVG QR code."""
        return mark_safe(segno.make(self.verify_url, error="m").svg_inline(scale=3, border=1))


def record_issue(*, person: Person, year: int, by=None) -> Certificate:
    """A new record of the person's year, with a serial of its own."""
    certificate, _new = issue(
        person=person,
        kind=Kind.RECORD,
        year=year,
        subject=_("study record of %(year)s") % {"year": year},
        hours=person_standing(person=person, year=year).total.earned,
        dates=date_words(timezone.localdate()),
        by=by,
    )
    return certificate


def study_records(*, people: list[Person], year: int, by=None) -> list[StudyRecord]:
    """Each person's record of the year: a fixed number of queries for the lot, plus the
    program's rule per person."""
    starts, ends = year_bounds(year)
    ids = [person.pk for person in people]
    enrollments = {}
    for enrollment in (
        Enrollment.objects.filter(
            person_id__in=ids, completed_at__gte=starts, completed_at__lt=ends
        )
        .select_related("course")
        .order_by("completed_at")
    ):
        enrollments.setdefault(enrollment.person_id, []).append(enrollment)
    hours_by_source = dict(
        StudyHoursEntry.objects.filter(
            person_id__in=ids, source_kind=StudyHoursEntry.Source.COURSE
        ).values_list("source_id", "hours")
    )
    sessions = {}
    for record in (
        AttendanceRecord.objects.filter(
            person_id__in=ids, session__starts_at__gte=starts, session__starts_at__lt=ends
        )
        .exclude(session__status="cancelled")
        .select_related("session__kind", "session__village")
        .order_by("session__starts_at")
    ):
        sessions.setdefault(record.person_id, []).append(record)
    earned = {}
    for certificate in Certificate.objects.filter(person_id__in=ids, year=year).exclude(
        kind=Kind.RECORD
    ):
        earned.setdefault(certificate.person_id, []).append(certificate)
    records = []
    for person in people:
        records.append(
            StudyRecord(
                person=person,
                year=year,
                certificate=record_issue(person=person, year=year, by=by),
                standing=person_standing(person=person, year=year),
                courses=[(e, hours_by_source.get(e.pk)) for e in enrollments.get(person.pk, [])],
                sessions=sessions.get(person.pk, []),
                certificates=earned.get(person.pk, []),
            )
        )
    return records


def study_records_pdf(*, records: list[StudyRecord]) -> bytes:
    """The records in one printable PDF, each starting on a new page and numbered as its own.

    A record is the record as of the day it is printed, so each record's own pages are also
    stored on its certificate and served again as printed (我的证书, the admin's page of the
    certificate), never made anew: the records are laid out one by one, written as one PDF,
    and that PDF is cut into one file per record (pdf_split), not written again per person.
    """
    from weasyprint import HTML

    documents = []
    with translation.override(settings.LANGUAGE_CODE), rendering.no_cyclic_gc():
        for record in records:
            html = render_to_string(
                TEMPLATE,
                {
                    "records": [record],
                    "tracks": [(t.value, t.label) for t in Track],
                    "printed_on": timezone.localdate(),
                },
            )
            documents.append(HTML(string=html, url_fetcher=rendering.url_fetcher()).render())
        kept = []

        def finish_and_split(document, pdf):
            finish_pdf(document, pdf)
            if len(records) == 1:
                return  # the printed file is the record
            kept.extend(
                split_pdf(
                    pdf,
                    titles=[
                        f"{_('Personal study record')} {record.certificate.serial}"
                        for record in records
                    ],
                    page_counts=[len(laid_out.pages) for laid_out in documents],
                )
            )

        pages = [page for document in documents for page in document.pages]
        printed = documents[0].copy(pages).write_pdf(finisher=finish_and_split)
    kept = kept or [printed]
    for record, pdf in zip(records, kept, strict=True):
        certificate_pdf_store(record.certificate, pdf)
    return printed


def village_people(*, village, party_members_only: bool = True):
    people = Person.objects.filter(village=village).select_related("village__township")
    if party_members_only:
        people = people.filter(is_party_member=True)
    return list(people.order_by("name", "pk"))

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from attendance.models import TrainingSession
from courses.selectors import courses_by_reference
from lms.ledger.models import AnnualRequirement
from lms.ledger.selectors import people_meeting_requirement
from lms.people.models import Person

from ... import batches, services
from ...exceptions import CertificateError


class Command(BaseCommand):
    help = (
        "Issue certificates: a training's (everyone who earned its hours), a course's (every"
        " completed enrolment) or a year's program (everyone who met it). Prints SERIAL<TAB>name"
        " for each certificate issued now; issuing again issues nothing new."
    )

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--session", type=int, help="a training session's id")
        which.add_argument(
            "--course",
            metavar="ID_OR_SLUG",
            help="a course page's id, or its slug if no other course shares it",
        )
        which.add_argument("--program", type=int, metavar="YEAR", help="the year's 双育 program")

    def handle(self, *args, session, course, program, **options):
        try:
            if session is not None:
                results = self._session(session)
            elif course:
                results = self._course(course)
            else:
                results = self._program(program)
        except CertificateError as error:
            raise CommandError(str(error)) from error
        issued = [certificate for certificate, new in results if new]
        services.certificates_render(certificates=issued)
        for certificate in issued:
            self.stdout.write(f"{certificate.serial}\t{certificate.person.name}")
        if options["verbosity"] >= 1:
            self.stderr.write(
                _("%(new)s issued now, %(old)s issued before.")
                % {"new": len(issued), "old": len(results) - len(issued)}
            )

    def _session(self, session_id):
        session = TrainingSession.objects.select_related("kind", "village").filter(pk=session_id)
        session = session.first()
        if session is None:
            raise CommandError(_("There is no session %(id)s.") % {"id": session_id})
        return [
            services.training_certificate_issue(session=session, person=person)
            for person in services.training_certificate_people(session)
        ]

    def _course(self, reference):
        courses = courses_by_reference(reference)
        if not courses:
            raise CommandError(_("There is no course “%(slug)s”.") % {"slug": reference})
        if len(courses) > 1:
            # Slugs are unique within one catalogue only: issuing for the wrong one is worse
            # than asking again.
            candidates = "\n".join(
                f"  --course {course.pk}  “{course.title}”  {course.url_path}" for course in courses
            )
            raise CommandError(
                _("%(count)s courses are called “%(slug)s”; name one by its id:\n%(candidates)s")
                % {"count": len(courses), "slug": reference, "candidates": candidates}
            )
        return batches.course_certificates_issue(course=courses[0])

    def _program(self, year):
        if not AnnualRequirement.objects.filter(year=year).exists():
            raise CommandError(_("No township has set a program for %(year)s.") % {"year": year})
        # One aggregate query finds who met it; each is then issued through the one rule.
        _subject, met = people_meeting_requirement(people=Person.objects.all(), year=year)
        people = Person.objects.filter(pk__in=met.values("pk")).select_related("village__township")
        return [
            services.program_certificate_issue(person=person, year=year)
            for person in people.order_by("village__name", "name", "pk")
        ]

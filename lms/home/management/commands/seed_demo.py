import logging
from contextlib import contextmanager

from django.core.management.base import BaseCommand
from django.urls import reverse

from attendance.demo import seed_sessions, seed_sessions_near
from certificates.demo import seed_certificate_templates
from courses.demo import seed_courses
from lms.people.demo import DEMO_PASSWORD, seed_people, seed_users
from lms.stats.demo import seed_targets

# Wagtail logs every page it creates and publishes at INFO: seventy lines over the logins.
QUIET_LOGGERS = ("wagtail",)


@contextmanager
def _quiet(names):
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


class Command(BaseCommand):
    help = (
        "Load the demo township 东沟乡: 16 villages, branches, households, a few hundred people,"
        " one login per role, a year of training sessions with attendance, a session today and"
        " tomorrow, and a course catalogue with study activity. Safe to run again: nothing is"
        " duplicated. Ends with the logins and the links to try first."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url",
            default="http://127.0.0.1:8000",
            help="Where the site will be served, for the links printed at the end.",
        )

    def handle(self, *args, base_url, **options):
        # lms.home reads from every app, so the demo of each is gathered here (people first).
        with _quiet(QUIET_LOGGERS):
            result = seed_people()
            logins = seed_users(result["township"], result["villages"])
            # Templates first: the courses completed and programs met below earn certificates.
            seed_certificate_templates(result["township"])
            sessions = seed_sessions(result["township"])
            today = seed_sessions_near(result["township"])
            courses = seed_courses(result["township"])
            seed_targets(result["township"])
        self.stdout.write(
            f"{result['township'].name}: {len(result['villages'])} villages; "
            f"{result['created']} people added this run; {sessions['created']} training"
            f" sessions and {sessions['records']} attendance records added."
        )
        self.stdout.write(
            f"{courses['courses']} courses ({courses['created']} added); "
            f"{courses['enrollments']} enrollments and {courses['lessons_studied']} lessons"
            " studied this run."
        )
        base = base_url.rstrip("/")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Shuangyu is ready. Try it:"))
        for label, path in (
            ("site (learners)", "/"),
            ("admin (staff)", "/admin/"),
            ("today's session", reverse("attendance:session", args=[today.pk])),
            ("its projector screen", reverse("attendance:screen", args=[today.pk])),
        ):
            self.stdout.write(f"  {label:24} {base}{path}")
        self.stdout.write(f"Logins (password {DEMO_PASSWORD}):")
        for role, login, _password in logins:
            self.stdout.write(f"  {role:24} {login}")

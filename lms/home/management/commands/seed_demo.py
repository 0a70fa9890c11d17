from django.core.management.base import BaseCommand

from attendance.demo import seed_sessions
from certificates.demo import seed_certificate_templates
from courses.demo import seed_courses
from lms.people.demo import DEMO_PASSWORD, seed_people, seed_users
from lms.stats.demo import seed_targets


class Command(BaseCommand):
    help = (
        "Load the demo township 东沟乡: 16 villages, branches, households, a few hundred people,"
        " one login per role, a year of training sessions with attendance, and a course"
        " catalogue with study activity. Safe to run again: nothing is duplicated."
    )

    def handle(self, *args, **options):
        # lms.home reads from every app, so the demo of each is gathered here (people first).
        result = seed_people()
        logins = seed_users(result["township"], result["villages"])
        # Templates first: the courses completed and programs met below earn certificates.
        seed_certificate_templates(result["township"])
        sessions = seed_sessions(result["township"])
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
        self.stdout.write(f"Demo logins (password {DEMO_PASSWORD}):")
        for role, login, _password in logins:
            self.stdout.write(f"  {role:32} {login}")

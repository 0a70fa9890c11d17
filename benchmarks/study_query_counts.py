"""SQL queries of the course page, lesson page and the learner's dashboard (issue 3, part c).

Counts the queries of one request to each page for a learner with a small and a large
course / many enrolments, on PostgreSQL, and prints a Markdown table for RESULTS.md. The
counts must be equal across sizes (constant, not growing with lessons or enrollments);
tests/courses/test_pages.py and test_dashboard.py assert the same on every CI run.

Usage: .venv/bin/python benchmarks/study_query_counts.py   (creates and drops `shuangyu_bench_q`)
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DB = "shuangyu_bench_q"
ENV = {
    **os.environ,
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB}",
    "DJANGO_SETTINGS_MODULE": "lms.settings.dev",
    "DEBUG": "false",
    "ALLOWED_HOSTS": "testserver",
    "CELERY_BROKER_URL": "",
    "PYTHONPATH": str(ROOT),
}

SCRIPT = r"""
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from courses.models import Enrollment, LessonProgress
from courses.services import enrollment_create
from django.utils import timezone
from lms.people.services import person_account_create, township_setup
from tests.factories import courses as build
from tests.factories.people import PersonFactory

township, _ = township_setup(name="东沟乡", village_names=["东沟村"])
village = township.villages.get()

def learner_with(courses, lessons):
    member = PersonFactory(village=village, is_party_member=True, phone="")
    person_account_create(person=member, password="bench-pass-123")
    made = []
    for c in range(courses):
        course = build.course(f"课程{lessons}-{c}-{member.pk}", is_required=True, hours=None)
        for n in range(lessons):
            lesson = build.lesson(course, f"第{n + 1}课", media_seconds=900)
            if n % 2:
                LessonProgress.objects.create(
                    person=member, lesson=lesson, completed_at=timezone.now()
                )
        enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)
        made.append(course)
    client = Client()
    client.force_login(member.user)
    return client, made

def count(client, url):
    client.get(url)  # warm caches that every request would have warm
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries)

rows = []
for lessons in (1, 12):
    client, made = learner_with(1, lessons)
    course = made[0]
    rows.append((f"course page, {lessons} lesson(s)", count(client, course.url)))
    rows.append((f"lesson page, course of {lessons}", count(client, course.lessons().first().url)))
for courses in (1, 10):
    client, _made = learner_with(courses, 3)
    rows.append((f"dashboard /study/, {courses} enrolment(s)", count(client, "/study/")))
print("| page | queries |")
print("|---|---|")
for name, n in rows:
    print(f"| {name} | {n} |")
"""


def psql(sql):
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-qc", sql],
        check=True,
        capture_output=True,
    )


def main():
    psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
    psql(f"CREATE DATABASE {DB}")
    try:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=ENV,
            check=True,
        )
        subprocess.run(
            [sys.executable, "manage.py", "shell", "--no-imports", "-c", SCRIPT],
            cwd=ROOT,
            env=ENV,
            check=True,
        )
    finally:
        psql(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


if __name__ == "__main__":
    main()

"""Half past midnight on New Year's Day: the township's clock reads 2027, UTC still 2026.

Every test here runs with the clock stopped at 2027-01-01 00:30 Beijing time (2026-12-31 16:30
UTC), the moment when a date taken in UTC, or a "this year" computed a second apart, or a
"recent" window reaching back before midnight, would put the township's figures in the wrong
year.
"""

import datetime
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from attendance.models import AttendanceRecord, TrainingSession
from attendance.services import attendance_mark
from courses.models import Enrollment
from courses.services import enrollment_create
from lms.ledger.models import AnnualRequirement, StudyHoursEntry, Track
from lms.people.models import Person
from lms.people.services import api_token_create, person_account_create
from lms.stats.forms import StatsFilterForm
from lms.stats.models import AnnualTarget
from tests.conftest import PASSWORD, beijing
from tests.factories import courses as build
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory

NEW_YEAR = beijing(2027, 1, 1, 0, 30)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NEW_YEAR, tick=False)]


@pytest.fixture
def member(village_a):
    person = PersonFactory(name="王秀兰", village=village_a, is_party_member=True)
    person_account_create(person=person, password=PASSWORD)
    return person


@pytest.fixture
def both_sides_of_midnight(village_a, member):
    """Training on New Year's Eve (20:00–22:00) and the first training of 2027 (from 00:10),
    the member present at both."""
    eve = TrainingSessionFactory(
        village=village_a,
        topic="辞旧岁党课",
        track=Track.PARTY,
        starts_at=beijing(2026, 12, 31, 20, 0),
        study_hours=Decimal("1.5"),
    )
    first = TrainingSessionFactory(
        village=village_a,
        topic="新年第一课：冬季大棚管理",
        track=Track.SKILLS,
        starts_at=beijing(2027, 1, 1, 0, 10),
        study_hours=Decimal("2"),
    )
    for session in (eve, first):
        attendance_mark(
            session=session,
            person=member,
            status=AttendanceRecord.Status.PRESENT,
            method=AttendanceRecord.Method.ROLL_CALL,
        )
    return eve, first


def test_the_statistics_open_on_the_new_year(township_staff):
    assert timezone.now() == datetime.datetime(2026, 12, 31, 16, 30, tzinfo=datetime.UTC)

    form = StatsFilterForm(user=township_staff)

    assert form.is_valid(), form.errors
    assert (form.cleaned_data["date_from"], form.cleaned_data["date_to"]) == (
        datetime.date(2027, 1, 1),
        datetime.date(2027, 12, 31),
    )


def test_the_attendance_report_covers_the_new_year_and_its_first_session(
    both_sides_of_midnight,
):
    out = io.StringIO()

    call_command("attendance_report", "--format", "json", stdout=out)

    report = json.loads(out.getvalue())
    assert (report["from"], report["to"]) == ("2027-01-01", "2027-12-31")
    totals = report["totals"]
    assert (totals["sessions"], totals["person_times"], totals["people"]) == (1, 1, 1)
    assert [row["label"] for row in report["rows"]] == ["东沟村"]


def test_training_and_study_after_midnight_count_for_the_new_year(
    client, member, both_sides_of_midnight, time_machine
):
    eve, first = both_sides_of_midnight
    course = build.course("新年学党章", hours=Decimal("1"))
    lesson = build.lesson(course, media_seconds=60)
    enrollment_create(person=member, course=course, source=Enrollment.Source.SELF)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=member.user)}"}
    time_machine.move_to(beijing(2027, 1, 1, 0, 28, 30), tick=False)
    ticket = client.post(f"/api/v1/study/lessons/{lesson.pk}/ticket", **headers).json()["ticket"]
    beat = {"ticket": ticket, "position_seconds": 0, "playing": True}
    credited = []
    for position in (0, 30, 60):  # a minute of listening, done at 00:29:30
        beat["position_seconds"] = position
        response = client.post("/api/v1/study/heartbeat", beat, content_type="application/json")
        credited.append(response.json()["credited_seconds"])
        time_machine.shift(30)
    time_machine.move_to(NEW_YEAR, tick=False)

    assert credited == [0, 30, 30]

    entries = {
        (entry.source_kind, entry.source_id): entry.date for entry in StudyHoursEntry.objects.all()
    }
    completed = Enrollment.objects.get(person=member, course=course)
    assert entries == {
        ("attendance", AttendanceRecord.objects.get(session=eve).pk): datetime.date(2026, 12, 31),
        ("attendance", AttendanceRecord.objects.get(session=first).pk): datetime.date(2027, 1, 1),
        ("course", completed.pk): datetime.date(2027, 1, 1),
    }
    hours = client.get("/api/v1/study/hours", **headers).json()
    assert hours["year"] == 2027
    assert (Decimal(hours["party"]), Decimal(hours["skills"]), Decimal(hours["total"])) == (
        Decimal("1"),
        Decimal("2"),
        Decimal("3"),
    )
    client.force_login(member.user)
    page = client.get("/study/")
    assert page.context["year"] == 2027
    lines = {line["label"]: line["hours"] for line in page.context["standing"]["lines"]}
    assert lines == {"合计": Decimal("3"), "党性教育": Decimal("1"), "技能培训": Decimal("2")}


def test_the_secretarys_year_on_the_dashboard_is_the_new_one(
    client, secretary_a, both_sides_of_midnight
):
    client.force_login(secretary_a)

    response = client.get("/admin/")

    panel = next(p for p in response.context["panels"] if p.name == "sy_village_figures")
    context = panel.get_context_data()
    totals = context["totals"]
    assert context["year"] == 2027
    assert (totals.sessions, totals.person_times, totals.people) == (1, 1, 1)


def test_the_demo_loaded_after_midnight_is_the_new_years(client):
    out = io.StringIO()

    call_command("seed_demo", stdout=out)

    # The demo plans the year's 17 sessions; at 00:30 on 1 January none has been held yet.
    assert "17 training sessions and 0 attendance records added" in out.getvalue()
    assert set(TrainingSession.objects.values_list("starts_at__year", flat=True)) == {2027}
    assert not AttendanceRecord.objects.exists()
    requirement = AnnualRequirement.objects.get()
    assert (requirement.year, requirement.total_hours, requirement.party_hours) == (
        2027,
        Decimal("32"),
        Decimal("16"),
    )
    assert set(AnnualTarget.objects.values_list("year", flat=True)) == {2027}
    learner = Person.objects.get(user__isnull=False, user__role_assignment__isnull=True)
    client.force_login(learner.user)
    page = client.get("/study/")
    assert page.context["year"] == 2027
    lines = {
        line["label"]: (line["hours"], line["needed"]) for line in page.context["standing"]["lines"]
    }
    assert lines == {
        "合计": (Decimal("0"), Decimal("32")),
        "党性教育": (Decimal("0"), Decimal("16")),
        "技能培训": (Decimal("0"), None),
    }


def test_the_demos_online_study_is_this_years_even_after_midnight():
    from courses.demo import seed_courses
    from lms.people.demo import seed_people, seed_users

    people = seed_people()
    seed_users(people["township"], people["villages"])

    seed_courses(people["township"])

    entries = StudyHoursEntry.objects.filter(source_kind=StudyHoursEntry.Source.COURSE)
    assert set(entries.values_list("date__year", flat=True)) == {2027}
    assert entries.count() == 159
    assert sum(entries.values_list("hours", flat=True)) == Decimal("690")

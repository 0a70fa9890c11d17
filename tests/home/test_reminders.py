"""Weekly reminders to members behind on study hours: in-app, by email, once a week."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail

from lms.home.models import Notification
from lms.home.services import REMINDER_INTERVAL, study_reminders_send
from lms.home.tasks import study_reminders_task
from lms.ledger.models import AnnualRequirement, StudyHoursEntry, Track
from lms.ledger.services import ledger_record
from tests.conftest import beijing
from tests.factories.people import PersonFactory, TownshipFactory, UserFactory, VillageFactory

ON = datetime.date(2026, 7, 1)  # day 182: 36 h a year means 17.95 h due
# The clock stands still at 08:00 that day; a test lets a week pass with `time_machine.shift`.
pytestmark = [
    pytest.mark.django_db,
    pytest.mark.time_machine(beijing(2026, 7, 1, 8, 0), tick=False),
]


@pytest.fixture
def requirement(township):
    return AnnualRequirement.objects.create(township=township, year=2026, total_hours=Decimal("36"))


@pytest.fixture
def behind(village_a):
    person = PersonFactory(
        village=village_a,
        is_party_member=True,
        user=UserFactory(username="behind", email="behind@example.cn"),
    )
    ledger_record(
        person_id=person.pk,
        on=datetime.date(2026, 5, 1),
        hours=Decimal("4.5"),
        track=Track.PARTY,
        source_kind=StudyHoursEntry.Source.COURSE,
        source_id=1,
    )
    return person


@pytest.fixture
def behind_without_email(village_a):
    return PersonFactory(village=village_a, is_party_member=True)


@pytest.fixture
def on_pace(village_a):
    person = PersonFactory(
        village=village_a, is_party_member=True, user=UserFactory(username="ok", email="ok@x.cn")
    )
    ledger_record(
        person_id=person.pk,
        on=datetime.date(2026, 6, 1),
        hours=Decimal("20"),
        track=Track.PARTY,
        source_kind=StudyHoursEntry.Source.COURSE,
        source_id=2,
    )
    return person


def test_members_behind_get_one_notification_with_their_numbers(
    township, requirement, behind, behind_without_email, on_pace
):
    sent = study_reminders_send(township=township, year=2026, on=ON)

    assert sent == 2
    notes = Notification.objects.filter(kind="study_reminder")
    assert {note.person_id for note in notes} == {behind.pk, behind_without_email.pk}
    note = notes.get(person=behind)
    assert "4.5" in note.body and "36" in note.body and "17.95" in note.body
    assert note.url == "/study/"


def test_email_goes_only_where_there_is_an_address(
    township, requirement, behind, behind_without_email, on_pace
):
    study_reminders_send(township=township, year=2026, on=ON)

    assert [message.to for message in mail.outbox] == [["behind@example.cn"]]
    assert "4.5" in mail.outbox[0].body


def test_running_twice_reminds_nobody_twice(township, requirement, behind, behind_without_email):
    study_reminders_send(township=township, year=2026, on=ON)
    again = study_reminders_send(township=township, year=2026, on=ON)

    assert again == 0
    assert Notification.objects.filter(kind="study_reminder").count() == 2
    assert len(mail.outbox) == 1


def test_a_week_later_the_reminder_comes_again(township, requirement, behind, time_machine):
    study_reminders_send(township=township, year=2026, on=ON)
    time_machine.shift(REMINDER_INTERVAL - datetime.timedelta(seconds=1))
    too_soon = study_reminders_send(
        township=township, year=2026, on=ON + datetime.timedelta(days=5)
    )
    time_machine.shift(datetime.timedelta(days=1, seconds=1))  # a week after the first

    again = study_reminders_send(township=township, year=2026, on=ON + datetime.timedelta(days=7))

    assert (too_soon, again) == (0, 1)
    assert Notification.objects.filter(person=behind).count() == 2


def test_other_notifications_do_not_hold_back_a_reminder(township, requirement, behind):
    Notification.objects.create(person=behind, kind="course_assigned", title="新课程")
    assert study_reminders_send(township=township, year=2026, on=ON) == 1


def test_no_requirement_no_reminders(township, behind):
    assert study_reminders_send(township=township, year=2026, on=ON) == 0
    assert not Notification.objects.exists()


def test_task_reminds_every_township_with_a_requirement_this_year(township, village_a, behind):
    AnnualRequirement.objects.create(township=township, year=2026, total_hours=Decimal("1000"))
    other = TownshipFactory(name="西岭镇")
    AnnualRequirement.objects.create(township=other, year=2026, total_hours=Decimal("1000"))
    far = PersonFactory(village=VillageFactory(township=other, name="西岭村"), is_party_member=True)
    no_requirement = VillageFactory(township=TownshipFactory(name="北山乡"), name="北山村")
    PersonFactory(village=no_requirement, is_party_member=True)

    assert study_reminders_task() == 2
    assert study_reminders_task() == 0
    assert set(Notification.objects.values_list("person_id", flat=True)) == {behind.pk, far.pk}


def test_the_reminder_runs_weekly_on_monday_morning(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["home-study-reminders"]
    assert entry["task"] == "home.study_reminders"
    assert entry["schedule"].day_of_week == {1}
    assert entry["schedule"].hour == {8}

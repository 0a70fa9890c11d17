"""A large group's assignment survives a lost worker: recorded, worked a chunk per
transaction with its progress, failed with the error and retried from where it stopped, its
page shown only to those who may see it."""

import pytest
from django.conf import settings
from django.db import OperationalError

from courses import assignment as assignment_module
from courses.assignment import course_assign, course_assign_start
from courses.models import CourseAssignment, Enrollment
from courses.tasks import course_assign_task
from tests.conftest import PASSWORD
from tests.factories import courses as build
from tests.factories.people import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(db):
    return build.course("党的二十大精神", is_required=True)


@pytest.fixture
def members(village_a):
    return [PersonFactory(village=village_a, is_party_member=True) for _ in range(5)]


@pytest.fixture
def small_chunks(monkeypatch):
    """Groups over 2 are queued and worked 2 people a chunk: 5 members are 3 chunks."""
    monkeypatch.setattr(assignment_module, "QUEUE_THRESHOLD", 2)
    monkeypatch.setattr(assignment_module, "CHUNK_SIZE", 2)


@pytest.fixture
def queued(course, members, organizer_a, small_chunks):
    """A large assignment recorded, its task not yet run: the test's transaction never
    commits, so the task queued on commit is never sent."""
    return course_assign_start(course=course, people_ids=[p.pk for p in members], by=organizer_a)


class SecondChunkFails:
    """The database goes away while the second chunk is written, until `heal()`."""

    def __init__(self):
        self.calls = 0
        self.healed = False

    def heal(self):
        self.healed = True


@pytest.fixture
def second_chunk_fails(monkeypatch):
    real = assignment_module._assign_chunk
    failure = SecondChunkFails()

    def assign_chunk(**kwargs):
        failure.calls += 1
        if failure.calls == 2 and not failure.healed:
            raise OperationalError("server closed the connection unexpectedly")
        return real(**kwargs)

    monkeypatch.setattr(assignment_module, "_assign_chunk", assign_chunk)
    return failure


def status_url(assignment) -> str:
    return f"/admin/course_enrollments/assignments/{assignment.pk}/"


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def enrolled_ids(course) -> list[int]:
    return sorted(Enrollment.objects.filter(course=course).values_list("person_id", flat=True))


def test_a_large_assignment_is_recorded_and_its_task_queued_on_commit(
    course,
    members,
    village_a,
    organizer_a,
    small_chunks,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    queued = []
    monkeypatch.setattr(course_assign_task, "delay", lambda *args: queued.append(args))
    ids = [person.pk for person in members]

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assignment = course_assign_start(course=course, people_ids=ids, by=organizer_a)
    assert queued == []

    for callback in callbacks:
        callback()
    assert queued == [(assignment.pk,)]
    assignment.refresh_from_db()
    assert (assignment.status, assignment.total, assignment.done) == ("queued", 5, 0)
    assert assignment.person_ids == sorted(ids)
    assert assignment.village_ids == [village_a.pk]
    assert not Enrollment.objects.exists()  # the worker does the work


def test_the_task_enrols_everyone_and_records_the_counts(course, members, queued):
    assert course_assign_task(queued.pk) == "done"

    queued.refresh_from_db()
    assert (queued.status, queued.done, queued.total) == ("done", 5, 5)
    assert queued.counts == {"assigned": 5, "reenrolled": 0, "already": 0, "out_of_scope": 0}
    assert queued.finished_at is not None
    assert enrolled_ids(course) == sorted(p.pk for p in members)


def test_a_task_that_finds_its_assignment_done_does_nothing(
    course, queued, django_assert_num_queries
):
    course_assign_task(queued.pk)
    Enrollment.objects.filter(course=course).delete()

    with django_assert_num_queries(3):  # savepoint, the locked read, release
        assert course_assign_task(queued.pk) == "done"

    assert not Enrollment.objects.exists()


def test_a_task_delivered_again_after_a_lost_worker_goes_on_from_the_last_chunk_counted(
    course, members, queued, organizer_a
):
    """A worker killed after its first chunk committed leaves the record running with that
    chunk counted; the message delivered again finishes the rest and counts nobody twice."""
    first_chunk = queued.person_ids[:2]
    course_assign(course=course, people_ids=first_chunk, by=organizer_a)
    CourseAssignment.objects.filter(pk=queued.pk).update(
        status="running", done=2, counts={"assigned": 2, "reenrolled": 0, "already": 0}
    )

    assert course_assign_task(queued.pk) == "done"

    queued.refresh_from_db()
    assert queued.done == 5 and queued.counts["assigned"] == 5 and queued.counts["already"] == 0
    assert enrolled_ids(course) == sorted(p.pk for p in members)


def test_an_interrupted_assignment_is_failed_with_the_first_chunk_done_and_the_page_says_so(
    client, course, queued, organizer_a, second_chunk_fails
):
    assert course_assign_task(queued.pk) == "failed"

    queued.refresh_from_db()
    assert (queued.status, queued.done) == ("failed", 2)
    assert "server closed the connection" in queued.error
    assert enrolled_ids(course) == queued.person_ids[:2]

    login(client, organizer_a)
    page = client.get(status_url(queued)).content.decode()
    assert "失败" in page
    assert "server closed the connection" in page
    assert '<form method="POST"' in page and 'type="submit"' in page
    assert 'http-equiv="refresh"' not in page  # nothing left to wait for


def test_a_failed_assignment_waits_for_the_retry(course, queued, second_chunk_fails):
    course_assign_task(queued.pk)
    second_chunk_fails.heal()

    assert course_assign_task(queued.pk) == "failed"  # a stray delivery is not a retry
    assert len(enrolled_ids(course)) == 2


def test_the_retry_finishes_the_assignment_with_no_enrolment_twice(
    client, course, members, queued, organizer_a, second_chunk_fails, tasks_run_here
):
    course_assign_task(queued.pk)
    second_chunk_fails.heal()
    login(client, organizer_a)

    with tasks_run_here():
        response = client.post(status_url(queued))

    assert response.status_code == 302 and response.url == status_url(queued)
    queued.refresh_from_db()
    assert (queued.status, queued.done, queued.error) == ("done", 5, "")
    assert queued.counts == {"assigned": 5, "reenrolled": 0, "already": 0, "out_of_scope": 0}
    assert enrolled_ids(course) == sorted(p.pk for p in members)  # each once
    page = client.get(status_url(queued)).content.decode()
    assert "失败" not in page


def test_the_status_page_refreshes_itself_while_the_assignment_is_under_way(
    client, queued, organizer_a, django_assert_max_num_queries
):
    login(client, organizer_a)
    with django_assert_max_num_queries(15):
        page = client.get(status_url(queued)).content.decode()
    assert 'http-equiv="refresh"' in page
    assert "0 / 5" in page


def test_township_staff_see_the_status_page_of_their_villages(client, queued, township_staff):
    login(client, township_staff)
    assert client.get(status_url(queued)).status_code == 200


def test_secretary_of_another_village_cannot_see_or_retry_the_assignment(
    client, queued, secretary_b
):
    CourseAssignment.objects.filter(pk=queued.pk).update(status="failed")
    login(client, secretary_b)

    assert client.get(status_url(queued)).status_code == 404
    assert client.post(status_url(queued)).status_code == 404
    queued.refresh_from_db()
    assert queued.status == "failed"


def test_a_lost_worker_requeues_at_once_and_a_lost_machine_within_the_visibility_timeout():
    from lms.celery import app

    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    timeout = app.conf.broker_transport_options["visibility_timeout"]
    assert timeout == settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert timeout < 3600
    # A task still running when the timeout passes would be started a second time.
    assert app.conf.task_soft_time_limit < app.conf.task_time_limit < timeout
    # A message whose worker vanished is looked for every 10 s, not every 100 s.
    assert app.conf.broker_transport_options["unacked_restore_throttle"] == 1


def test_the_assign_form_links_the_organizers_recent_assignments(client, queued, organizer_a):
    login(client, organizer_a)
    page = client.get("/admin/course_enrollments/assign/").content.decode()
    assert status_url(queued) in page


def test_the_soft_time_limit_stops_the_assignment_as_failed_for_a_retry(
    course, queued, monkeypatch
):
    """Past the soft time limit (kept under the visibility timeout) the task stops itself,
    rather than run on while Redis hands its message to another worker."""
    from celery.exceptions import SoftTimeLimitExceeded
    from django.utils.translation import gettext as _

    real = assignment_module._assign_chunk

    def assign_chunk(**kwargs):
        if enrolled_ids(course):
            raise SoftTimeLimitExceeded()
        return real(**kwargs)

    monkeypatch.setattr(assignment_module, "_assign_chunk", assign_chunk)

    assert course_assign_task(queued.pk) == "failed"
    queued.refresh_from_db()
    assert queued.done == 2
    assert queued.error == _("The assignment stopped: %(error)s") % {
        "error": _("it ran out of time")
    }


def test_a_stalled_assignment_offers_the_retry_and_goes_on(
    client, course, members, queued, organizer_a, tasks_run_here
):
    """Queued or running with nothing counted for longer than a lost worker's task takes to
    come back: its message is gone too, so the organizer is offered to go on."""
    import datetime

    from django.utils import timezone

    course_assign(course=course, people_ids=queued.person_ids[:2], by=organizer_a)
    long_ago = timezone.now() - datetime.timedelta(minutes=20)
    CourseAssignment.objects.filter(pk=queued.pk).update(
        status="running", done=2, progressed_at=long_ago
    )
    login(client, organizer_a)
    page = client.get(status_url(queued)).content.decode()
    assert '<form method="POST"' in page and 'http-equiv="refresh"' not in page

    with tasks_run_here():
        client.post(status_url(queued))

    queued.refresh_from_db()
    assert (queued.status, queued.done) == ("done", 5)
    assert enrolled_ids(course) == sorted(p.pk for p in members)


def test_an_assignment_under_way_is_not_queued_again(client, queued, organizer_a, monkeypatch):
    sent = []
    monkeypatch.setattr(course_assign_task, "delay", lambda *args: sent.append(args))
    CourseAssignment.objects.filter(pk=queued.pk).update(status="running", done=2)
    login(client, organizer_a)

    assert '<form method="POST"' not in client.get(status_url(queued)).content.decode()
    client.post(status_url(queued))

    queued.refresh_from_db()
    assert queued.status == "running" and sent == []


def test_an_assignment_recorded_without_counts_shows_zeros_not_an_error(
    client, queued, organizer_a
):
    """Found by the URL rules: a record made without the counts (its model default) made the
    status page fail; its counts start at zero wherever it is made."""
    fresh = CourseAssignment.objects.create(
        course=queued.course,
        requested_by=organizer_a,
        person_ids=queued.person_ids,
        village_ids=queued.village_ids,
        total=queued.total,
    )
    login(client, organizer_a)

    response = client.get(status_url(fresh))

    assert response.status_code == 200
    assert fresh.counts == {"assigned": 0, "reenrolled": 0, "already": 0, "out_of_scope": 0}

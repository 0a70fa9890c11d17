"""The organizer's screens: the projector page and its JSON, roll-call, scanning, scope."""

import datetime

import pytest
from django.urls import reverse

from attendance import sign_in
from attendance.models import AttendanceRecord, PendingWalkIn, Registration
from attendance.services import attendance_sign_in
from lms.people.services import person_account_create
from tests.conftest import PASSWORD, beijing
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory

# The clock stands still 10 s into a 30-second window of the screen's codes (09:00:10 on
# 5 March 2026): the codes a test computes are the ones the page showed, 20 s before they change.
NOW = beijing(2026, 3, 5, 9, 0, 10)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=False)]
Method = AttendanceRecord.Method
Status = AttendanceRecord.Status


@pytest.fixture
def session(village_a):
    return TrainingSessionFactory(village=village_a, topic="设施蔬菜病虫害防治")


@pytest.fixture
def learner(village_a):
    person = PersonFactory(name="学员甲", village=village_a)
    person_account_create(person=person, password=PASSWORD)
    return person.user


def _screen_api(session) -> str:
    return f"/api/v1/attendance/sessions/{session.pk}/screen"


ORGANIZER_PAGES = ["session", "screen", "roll_call", "scan"]


@pytest.mark.parametrize("page", ORGANIZER_PAGES)
def test_secretary_of_another_village_gets_404_on_the_organizer_pages(
    client, session, secretary_b, page
):
    client.force_login(secretary_b)

    assert client.get(reverse(f"attendance:{page}", args=[session.pk])).status_code == 404
    assert client.get(_screen_api(session)).status_code == 404


@pytest.mark.parametrize("page", ORGANIZER_PAGES)
def test_a_learner_gets_404_and_a_visitor_is_asked_to_log_in(client, session, learner, page):
    url = reverse(f"attendance:{page}", args=[session.pk])
    assert reverse("accounts:login") in client.get(url).url

    client.force_login(learner)

    assert client.get(url).status_code == 404
    assert client.get(_screen_api(session)).status_code == 404


@pytest.mark.parametrize("page", ORGANIZER_PAGES)
def test_the_secretary_and_the_organizer_of_the_village_may_use_the_pages(
    client, session, secretary_a, organizer_a, page
):
    for user in (secretary_a, organizer_a):
        client.force_login(user)
        assert client.get(reverse(f"attendance:{page}", args=[session.pk])).status_code == 200


def test_the_screen_shows_this_windows_qr_code_and_numeric_code(client, session, organizer_a):
    client.force_login(organizer_a)

    response = client.get(reverse("attendance:screen", args=[session.pk]))

    page = response.content.decode()
    code = sign_in.sign_in_code_make(session=session)
    token = sign_in.sign_in_token_make(session=session)
    assert f"{code[:3]} {code[3:]}" in page
    assert f'data-url="http://testserver/training/s/{token}/"' in page
    assert "<svg" in page and "attendance-screen.js" in page


def test_the_pages_load_nothing_from_elsewhere(client, session, organizer_a):
    client.force_login(organizer_a)
    for page in ORGANIZER_PAGES:
        html = client.get(reverse(f"attendance:{page}", args=[session.pk])).content.decode()
        for attribute in ('src="http', "src='http", 'href="http', "href='//", 'src="//'):
            assert attribute not in html, (page, attribute)


def test_before_the_window_opens_the_screen_says_when_and_shows_no_code(
    client, village_a, organizer_a
):
    later = TrainingSessionFactory(village=village_a, starts_at=beijing(2026, 3, 5, 12, 0))
    client.force_login(organizer_a)

    state = client.get(_screen_api(later)).json()

    assert state["sign_in"] is None and state["sign_out"] is None
    assert state["message"] == "签到将于 2026年3月5日 11:30 开始。"


def test_the_screen_json_lists_arrivals_counts_and_walk_ins(client, session, organizer_a):
    invited = PersonFactory.create_batch(3, village=session.village)
    for person in invited:
        Registration.objects.create(session=session, person=person)
    attendance_sign_in(session=session, person=invited[0], method=Method.QR)
    PersonFactory.create_batch(2, name="张伟", village=session.village, phone="")
    pending = sign_in.walk_in_sign_in(session=session, name="张伟", village=session.village)
    client.force_login(organizer_a)

    state = client.get(_screen_api(session)).json()

    assert state["counts"]["came"] == 1 and state["counts"]["invited"] == 3
    assert [a["name"] for a in state["arrivals"]] == [invited[0].name]
    assert state["pending"][0]["id"] == pending.pending.pk
    assert state["sign_in"]["code"] == sign_in.sign_in_code_make(session=session)
    assert state["sign_in"]["qr_svg"].startswith("<svg")
    assert state["refresh_in"] == 20


def test_the_screen_json_costs_the_same_queries_however_many_arrive(
    client, session, organizer_a, django_assert_max_num_queries
):
    client.force_login(organizer_a)
    attendance_sign_in(
        session=session, person=PersonFactory(village=session.village), method=Method.QR
    )
    client.get(_screen_api(session))  # warm the session and role caches like a real screen

    with django_assert_max_num_queries(14) as few:
        client.get(_screen_api(session))
    for person in PersonFactory.create_batch(30, village=session.village):
        attendance_sign_in(session=session, person=person, method=Method.QR)
    with django_assert_max_num_queries(len(few)):
        state = client.get(_screen_api(session)).json()
    assert state["counts"]["came"] == 31


def test_the_sign_out_code_appears_only_for_sessions_that_require_it(
    client, village_a, session, organizer_a
):
    with_sign_out = TrainingSessionFactory(village=village_a, requires_sign_out=True)
    client.force_login(organizer_a)

    assert client.get(_screen_api(session)).json()["sign_out"] is None
    state = client.get(_screen_api(with_sign_out)).json()
    assert "/training/s/o" in state["sign_out"]["url"]
    page = client.get(reverse("attendance:screen", args=[with_sign_out.pk]) + "?show=out")
    assert page.context["shown"]["url"] == state["sign_out"]["url"]


# --- Roll-call -------------------------------------------------------------------------------


def test_roll_call_lists_the_invited_roster_and_everyone_recorded(client, session, organizer_a):
    invited = PersonFactory(name="受邀者", village=session.village)
    Registration.objects.create(session=session, person=invited)
    walked_in = PersonFactory(name="自来者", village=session.village)
    attendance_sign_in(session=session, person=walked_in, method=Method.WALK_IN)
    client.force_login(organizer_a)

    response = client.get(reverse("attendance:roll_call", args=[session.pk]))

    names = [row["person"].name for row in response.context["rows"]]
    assert names == ["受邀者", "自来者"]


def test_one_tap_sets_a_status_and_keeps_who_did_it(client, session, organizer_a):
    farmer = PersonFactory(village=session.village)
    Registration.objects.create(session=session, person=farmer)
    client.force_login(organizer_a)
    url = reverse("attendance:roll_call", args=[session.pk])

    response = client.post(url, {"person": farmer.pk, "status": "late", "excused_by": "x"})

    record = AttendanceRecord.objects.get(person=farmer)
    assert response.url.endswith(f"#person-{farmer.pk}")
    assert (record.status, record.method, record.recorded_by) == (
        Status.LATE,
        Method.ROLL_CALL,
        organizer_a,
    )
    assert record.excused_by == ""
    client.post(url, {"person": farmer.pk, "status": "late", "excused_by": "x"})
    assert record.changes.count() == 1  # tapping the same status again changes nothing


def test_leave_needs_who_approved_it(client, session, organizer_a):
    farmer = PersonFactory(village=session.village)
    Registration.objects.create(session=session, person=farmer)
    client.force_login(organizer_a)
    url = reverse("attendance:roll_call", args=[session.pk])

    refused = client.post(
        url,
        {"person": farmer.pk, "status": "excused", "excused_by": ""},
        HTTP_ACCEPT="application/json",
    )
    accepted = client.post(
        url,
        {"person": farmer.pk, "status": "excused", "excused_by": "村支书王明"},
        HTTP_ACCEPT="application/json",
    )

    assert refused.status_code == 422
    assert accepted.json()["status"] == "excused"
    assert AttendanceRecord.objects.get(person=farmer).excused_by == "村支书王明"


def test_roll_call_search_finds_people_in_the_organizers_villages_only(
    client, session, organizer_a, village_b
):
    PersonFactory(name="王家东", village=session.village)
    stranger = PersonFactory(name="王家西", village=village_b)
    client.force_login(organizer_a)
    url = reverse("attendance:roll_call", args=[session.pk])

    found = client.get(url, {"q": "王家"}).context["found"]
    marked = client.post(url, {"person": stranger.pk, "status": "present"})

    assert [row["person"].name for row in found] == ["王家东"]
    assert marked.status_code == 404
    assert not AttendanceRecord.objects.exists()


def test_an_invited_person_from_another_village_can_be_ticked_off(
    client, session, organizer_a, village_b
):
    guest = PersonFactory(village=village_b)
    Registration.objects.create(session=session, person=guest)
    client.force_login(organizer_a)

    client.post(
        reverse("attendance:roll_call", args=[session.pk]),
        {"person": guest.pk, "status": "present"},
    )

    assert AttendanceRecord.objects.get().person == guest


def test_roll_call_through_the_api(client, session, organizer_a, secretary_b):
    farmer = PersonFactory(village=session.village)
    url = f"/api/v1/attendance/sessions/{session.pk}/roll-call"

    client.force_login(secretary_b)
    assert (
        client.post(
            url, {"person_id": farmer.pk, "status": "absent"}, content_type="application/json"
        ).status_code
        == 404
    )
    client.force_login(organizer_a)
    response = client.post(
        url, {"person_id": farmer.pk, "status": "absent"}, content_type="application/json"
    )

    assert response.status_code == 200
    assert AttendanceRecord.objects.get().status == Status.ABSENT


def test_walk_ins_of_another_village_cannot_be_resolved(client, session, secretary_b):
    PersonFactory.create_batch(2, name="张伟", village=session.village, phone="")
    pending = sign_in.walk_in_sign_in(session=session, name="张伟", village=session.village).pending
    client.force_login(secretary_b)

    assert client.get(reverse("attendance:walk_in", args=[pending.pk])).status_code == 404
    response = client.post(
        f"/api/v1/attendance/walk-ins/{pending.pk}/resolve",
        {"new_person": True},
        content_type="application/json",
    )
    assert response.status_code == 404
    assert PendingWalkIn.objects.get().status == "pending"


def test_the_organizer_resolves_a_walk_in_through_the_api(client, session, organizer_a):
    first, _second = PersonFactory.create_batch(2, name="张伟", village=session.village, phone="")
    pending = sign_in.walk_in_sign_in(session=session, name="张伟", village=session.village).pending
    stranger = PersonFactory(village=session.village)
    client.force_login(organizer_a)
    url = f"/api/v1/attendance/walk-ins/{pending.pk}/resolve"

    wrong = client.post(url, {"person_id": stranger.pk}, content_type="application/json")
    right = client.post(url, {"person_id": first.pk}, content_type="application/json")

    assert wrong.status_code == 422
    assert right.status_code == 200
    assert AttendanceRecord.objects.get().person == first


def test_printed_cards_carry_each_persons_code(client, organizer_a, village_a, village_b):
    person = PersonFactory(name="卡片人", village=village_a)
    client.force_login(organizer_a)

    mine = client.get(reverse("attendance:cards"), {"village": village_a.pk})
    theirs = client.get(reverse("attendance:cards"), {"village": village_b.pk})

    assert sign_in.person_code_display(sign_in.person_code_make(person)) in mine.content.decode()
    assert theirs.context["people"] == []


def test_the_training_page_lists_the_organizers_sessions_and_a_learners_ways_in(
    client, session, organizer_a, learner, village_b
):
    elsewhere = TrainingSessionFactory(village=village_b, topic="西沟村的课")

    client.force_login(organizer_a)
    listed = client.get(reverse("attendance:index")).context["sessions"]
    client.force_login(learner)
    learner_page = client.get(reverse("attendance:index")).content.decode()

    assert session in listed and elsewhere not in listed
    assert reverse("attendance:code") in learner_page
    assert reverse("attendance:my_code") in learner_page


def test_the_api_schema_documents_the_attendance_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert "/api/v1/attendance/sign-in" in paths
    assert "/api/v1/attendance/sessions/{session_id}/screen" in paths


def test_when_sign_in_closes_the_screen_shows_the_sign_out_code(client, village_a, organizer_a):
    ending = TrainingSessionFactory(
        village=village_a,
        requires_sign_out=True,
        starts_at=NOW - datetime.timedelta(hours=2, minutes=10),
    )
    client.force_login(organizer_a)

    page = client.get(reverse("attendance:screen", args=[ending.pk]))

    assert page.context["show_out"] is True
    assert page.context["shown"]["url"].split("/s/")[1].startswith("o")

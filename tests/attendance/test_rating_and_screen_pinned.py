"""Rating a session, the organizer's roll-call and the projector screen, pinned (found by
mutation testing). The clock stands still at sign_in_support.NOW."""

import pytest

from attendance import sign_in
from attendance.exceptions import (
    EvaluationRefused,
)
from attendance.models import (
    Evaluation,
    PendingWalkIn,
    Registration,
)
from attendance.services import attendance_sign_in
from tests.attendance.sign_in_support import (
    ALREADY_RATED,
    END,
    MINUTE,
    NOW,
    ONLY_ATTENDEES,
    RATING_RANGE,
    SECOND,
    SIGN_IN_ENDED,
    Method,
    sign_in_early,
)
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=False)]


# --- Rating a session ------------------------------------------------------------------------


@pytest.fixture
def attendee(session, farmer):
    sign_in_early(session, farmer)
    return farmer


def _rate(session, person, satisfaction, **comment):
    return sign_in.evaluation_submit(
        session=session, person=person, satisfaction=satisfaction, **comment
    )


def test_the_lowest_rating_is_accepted_and_no_comment_is_stored_empty(session, attendee):
    evaluation = _rate(session, attendee, 1)

    assert (evaluation.satisfaction, evaluation.comment) == (1, "")
    assert Evaluation.objects.get().comment == ""


def test_a_missing_comment_is_stored_empty(session, attendee):
    assert _rate(session, attendee, 3, comment=None).comment == ""


def test_a_long_comment_keeps_its_first_thousand_characters(session, attendee):
    comment = "很" * 999 + "好" + "多" * 200

    _rate(session, attendee, 4, comment=f"  {comment}  ")

    assert Evaluation.objects.get().comment == "很" * 999 + "好"


@pytest.mark.parametrize("wrong", [0, 6])
def test_a_rating_outside_1_to_5_says_so(session, attendee, wrong):
    with pytest.raises(EvaluationRefused) as error:
        _rate(session, attendee, wrong)

    assert str(error.value) == RATING_RANGE
    assert not Evaluation.objects.exists()


def test_only_people_who_came_to_this_session_may_rate_it(session, village_a, attendee):
    elsewhere = TrainingSessionFactory(village=village_a, topic="另一期")
    came_elsewhere = PersonFactory(village=village_a)
    sign_in_early(elsewhere, came_elsewhere)
    stayed_home = PersonFactory(village=village_a)

    refusals = []
    for person in (came_elsewhere, stayed_home):
        with pytest.raises(EvaluationRefused) as error:
            _rate(session, person, 5)
        refusals.append(str(error.value))

    assert refusals == [ONLY_ATTENDEES, ONLY_ATTENDEES]
    assert not Evaluation.objects.exists()


def test_rating_twice_thanks_and_keeps_the_first(session, attendee):
    _rate(session, attendee, 5)

    with pytest.raises(EvaluationRefused) as error:
        _rate(session, attendee, 2)

    assert str(error.value) == ALREADY_RATED
    assert Evaluation.objects.get().satisfaction == 5


# --- The organizer's roll-call and screen ----------------------------------------------------


def test_roll_call_reaches_this_sessions_people_and_the_organizers_villages_only(
    session, village_a, village_b, organizer_a
):
    other = TrainingSessionFactory(village=village_b, topic="西沟村的课")
    invited, guest, stranger = PersonFactory.create_batch(3, village=village_b)
    invited_elsewhere, came_elsewhere = PersonFactory.create_batch(2, village=village_b)
    neighbour = PersonFactory(village=village_a)
    Registration.objects.create(session=session, person=invited)
    sign_in_early(session, guest)
    Registration.objects.create(session=other, person=invited_elsewhere)
    sign_in_early(other, came_elsewhere)

    def reach(person):
        return sign_in.roll_call_person(user=organizer_a, session=session, person_id=person.pk)

    assert [reach(p) for p in (invited, guest, neighbour)] == [invited, guest, neighbour]
    assert [reach(p) for p in (stranger, invited_elsewhere, came_elsewhere)] == [None] * 3


def test_the_screen_lists_the_latest_arrivals_by_their_time(session, village_a):
    people = PersonFactory.create_batch(4, village=village_a)
    for person, minutes_ago in zip(people, (1, 3, 2, 2), strict=True):
        attendance_sign_in(
            session=session, person=person, method=Method.QR, at=NOW - minutes_ago * MINUTE
        )

    arrivals = sign_in.session_arrivals(session)

    assert [record.person_id for record in arrivals] == [
        people[0].pk,
        people[3].pk,  # the same minute as people[2], recorded after
        people[2].pk,
        people[1].pk,
    ]


def test_the_screen_costs_the_same_queries_however_many_walk_ins_wait(
    client, session, village_a, village_b, organizer_a, django_assert_max_num_queries
):
    """The projector asks every 30 seconds; a queue at the desk must not make it slower."""
    url = f"/api/v1/attendance/sessions/{session.pk}/screen"
    PendingWalkIn.objects.create(session=session, name="张伟", village=village_a)
    client.force_login(organizer_a)
    client.get(url)  # warm the session and role caches like a real screen

    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for n, village in enumerate((village_a, village_b, village_b)):
        PendingWalkIn.objects.create(session=session, name=f"李{n}", village=village)
    with django_assert_max_num_queries(len(few)):
        state = client.get(url).json()

    assert [p["village"] for p in state["pending"]] == ["东沟村", "东沟村", "西沟村", "西沟村"]


def test_the_screen_shows_the_codes_of_the_moment_given(village_a):
    session = TrainingSessionFactory(village=village_a, requires_sign_out=True)
    at = NOW + 45 * SECOND  # the next window, 5 s before it changes

    state = sign_in.screen_state(session=session, at=at)

    assert state.sign_in_token == sign_in.sign_in_token_make(session=session, at=at)
    assert state.sign_in_token != sign_in.sign_in_token_make(session=session, at=NOW)
    assert state.sign_in_code == sign_in.sign_in_code_make(session=session, at=at)
    assert state.sign_out_token == sign_in.sign_in_token_make(
        session=session, direction=sign_in.SIGN_OUT, at=at
    )
    assert (state.seconds_left, state.message) == (5, "")
    assert sign_in.window_seconds_left(at) == 5


def test_before_sign_in_opens_the_screen_shows_no_code(tomorrow):
    state = sign_in.screen_state(session=tomorrow, at=NOW)

    assert (state.sign_in_token, state.sign_in_code, state.sign_out_token) == (None, None, None)
    assert state.message == "签到将于 2026年3月6日 08:30 开始。"


def test_after_the_end_the_screen_shows_only_the_sign_out_code(leaving):
    at = END + 10 * MINUTE

    state = sign_in.screen_state(session=leaving, at=at)

    assert (state.sign_in_token, state.sign_in_code) == (None, None)
    assert state.sign_out_token == sign_in.sign_in_token_make(
        session=leaving, direction=sign_in.SIGN_OUT, at=at
    )
    assert state.message == SIGN_IN_ENDED

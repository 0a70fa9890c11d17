"""Signing in, pinned where a small slip in the code would go unnoticed (found by mutation
testing): the screen's codes, the rotating token, the sign-out window, using a grant, the
numeric code and its guess limit.

The clock stands still at 09:00:10 on 5 March 2026 (sign_in_support.NOW), 10 s into a
30-second window of the screen's codes. A test that acts at another moment passes it as
`at=`, for a session that is open only then: a moment read from the clock instead of the
one given would show.
"""

import datetime
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import override_settings
from django.utils.http import int_to_base36

from attendance import sign_in, windows
from attendance.exceptions import (
    CodeGuessingBlocked,
    SignInExpired,
    SignInNotOpen,
    SignInRefused,
)
from attendance.models import (
    AttendanceChange,
    AttendanceRecord,
    TrainingSession,
)
from lms.outages import counters
from lms.people.models import Person
from tests.attendance.sign_in_support import (
    CANCELLED,
    CODE_FITS_TWO,
    CODE_LENGTH,
    CODE_NOT_VALID,
    END,
    MINUTE,
    NOT_A_TOKEN,
    NOTHING_TO_SIGN_OUT,
    NOW,
    SECOND,
    SIGN_OUT_CLOSED,
    TOMORROW,
    Method,
    SignInGrant,
    Status,
    refusal,
    sign_in_early,
)
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory

pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=False)]


# --- The screen's codes: the same on every server and after an upgrade ----------------------

KNOWN_KEY = "shuangyu-known-answer-key-0123456789-abcdefghijklmnop"
KNOWN_MOMENT = datetime.datetime(2026, 3, 5, 1, 0, 10, tzinfo=datetime.UTC)  # window 59089080


@override_settings(SECRET_KEY=KNOWN_KEY)
def test_the_screens_codes_are_a_fixed_function_of_the_key_the_session_and_the_window():
    """The screen is drawn by one app server and the phone's scan checked by another, also
    while a new release rolls out: both must derive the same codes (HMAC-SHA256 of
    'token|i|42|59089080' and 'code|42|59089080', salted 'attendance.sign_in')."""
    session = TrainingSession(pk=42)

    assert sign_in.sign_in_token_make(session=session, at=KNOWN_MOMENT) == "i16.z6hfc.OumMjQN11aH-"
    assert (
        sign_in.sign_in_token_make(session=session, direction=sign_in.SIGN_OUT, at=KNOWN_MOMENT)
        == "o16.z6hfc.AHAGWslgOFHP"
    )
    assert sign_in.sign_in_code_make(session=session, at=KNOWN_MOMENT) == "431216"


@override_settings(SECRET_KEY=KNOWN_KEY)
def test_a_printed_card_keeps_its_number_after_an_upgrade():
    codes = [sign_in.person_code_make(Person(pk=pk)) for pk in (7, 1234, 98765)]

    assert codes == ["79140", "12345380", "987656622"]
    assert sign_in.person_code_display(codes[1]) == "1234 5380"


# --- The rotating QR token -------------------------------------------------------------------


def test_the_token_is_short_and_has_nothing_a_url_would_escape(session):
    token = sign_in.sign_in_token_make(session=session)

    assert re.fullmatch(r"i[0-9a-z]+\.[0-9a-z]+\.[A-Za-z0-9_-]{12}", token)


def test_an_old_photo_with_its_window_changed_to_now_is_refused(session):
    photo = sign_in.sign_in_token_make(session=session, at=NOW - 2 * MINUTE)
    head, _old_window, signature = photo.split(".")
    now_window = int_to_base36(int(NOW.timestamp()) // sign_in.WINDOW_SECONDS)

    with pytest.raises(SignInRefused) as error:
        sign_in.sign_in_token_read(f"{head}.{now_window}.{signature}")

    assert not isinstance(error.value, SignInExpired)
    assert str(error.value) == NOT_A_TOKEN


def test_a_token_one_window_ahead_is_accepted_two_ahead_is_not(session):
    """App servers' clocks differ by a second or two, not by a minute."""
    next_window = sign_in.sign_in_token_make(session=session, at=NOW + 30 * SECOND)
    two_ahead = sign_in.sign_in_token_make(session=session, at=NOW + 60 * SECOND)

    assert sign_in.sign_in_token_read(next_window).session == session
    with pytest.raises(SignInRefused) as error:
        sign_in.sign_in_token_read(two_ahead)
    assert not isinstance(error.value, SignInExpired)


def test_a_token_is_read_at_the_moment_given(tomorrow):
    token = sign_in.sign_in_token_make(session=tomorrow, at=TOMORROW)

    grant = sign_in.sign_in_token_read(token, at=TOMORROW)

    assert grant == SignInGrant(session=tomorrow, direction=sign_in.SIGN_IN, method=Method.QR)


def test_the_sign_out_code_works_until_half_an_hour_after_the_end(leaving):
    closes = END + windows.SIGN_OUT_GRACE
    last = sign_in.sign_in_token_make(session=leaving, direction=sign_in.SIGN_OUT, at=closes)
    late = sign_in.sign_in_token_make(
        session=leaving, direction=sign_in.SIGN_OUT, at=closes + SECOND
    )

    grant = sign_in.sign_in_token_read(last, at=closes)
    with pytest.raises(SignInNotOpen) as error:
        sign_in.sign_in_token_read(late, at=closes + SECOND)

    assert grant == SignInGrant(session=leaving, direction=sign_in.SIGN_OUT, method=Method.QR)
    assert grant.signs_out
    assert str(error.value) == SIGN_OUT_CLOSED


# --- When signing out is open ----------------------------------------------------------------


def test_signing_out_opens_with_sign_in_and_closes_half_an_hour_after_the_end(leaving):
    opens = leaving.sign_in_opens_at  # 07:30
    closes = END + windows.SIGN_OUT_GRACE

    assert windows.sign_out_window_message(leaving, opens) is None
    assert windows.sign_out_window_message(leaving, END + MINUTE) is None
    assert windows.sign_out_window_message(leaving, closes) is None
    assert windows.sign_out_window_message(leaving, opens - SECOND) == (
        "签到将于 2026年3月5日 07:30 开始。"
    )
    assert windows.sign_out_window_message(leaving, closes + SECOND) == SIGN_OUT_CLOSED


def test_signing_out_of_a_cancelled_session_says_it_was_cancelled(village_a):
    cancelled = TrainingSessionFactory(village=village_a, status=TrainingSession.Status.CANCELLED)

    assert windows.sign_out_window_message(cancelled, NOW) == CANCELLED


# --- Using a grant: signing in and out -------------------------------------------------------


def test_a_grant_signs_in_at_the_moment_given(tomorrow, farmer):
    grant = SignInGrant(session=tomorrow, direction=sign_in.SIGN_IN, method=Method.QR)
    late = TOMORROW + 20 * MINUTE

    record, changed = sign_in.sign_in_grant_use(grant=grant, person=farmer, at=late)

    assert changed is True
    assert (record.signed_in_at, record.status) == (late, Status.LATE)


def test_signing_out_during_the_grace_half_hour_keeps_the_time_given(leaving, farmer):
    sign_in_early(leaving, farmer)
    grant = SignInGrant(session=leaving, direction=sign_in.SIGN_OUT, method=Method.QR)
    at_the_door = END + 10 * MINUTE

    record, changed = sign_in.sign_in_grant_use(grant=grant, person=farmer, at=at_the_door)

    assert changed is True
    stored = AttendanceRecord.objects.get(session=leaving, person=farmer)
    assert (stored.signed_out_at, stored.status) == (at_the_door, Status.PRESENT)
    assert record.pk == stored.pk


def test_signing_out_after_the_grace_half_hour_is_refused(leaving, farmer):
    sign_in_early(leaving, farmer)
    grant = SignInGrant(session=leaving, direction=sign_in.SIGN_OUT, method=Method.QR)

    with pytest.raises(SignInNotOpen) as error:
        sign_in.sign_in_grant_use(
            grant=grant, person=farmer, at=END + windows.SIGN_OUT_GRACE + SECOND
        )

    assert str(error.value) == SIGN_OUT_CLOSED
    assert AttendanceRecord.objects.get(person=farmer).signed_out_at is None


def test_signing_out_twice_keeps_the_first_time(leaving, farmer):
    sign_in_early(leaving, farmer)
    grant = SignInGrant(session=leaving, direction=sign_in.SIGN_OUT, method=Method.QR)
    first_time = END - 5 * MINUTE

    first, changed = sign_in.sign_in_grant_use(grant=grant, person=farmer, at=first_time)
    again, changed_again = sign_in.sign_in_grant_use(
        grant=grant, person=farmer, at=END + 5 * MINUTE
    )

    assert (changed, changed_again) == (True, False)
    assert again.pk == first.pk
    assert again.signed_out_at == first_time
    assert AttendanceRecord.objects.get(person=farmer).signed_out_at == first_time


def test_signing_out_finds_ones_own_record_of_this_session(village_a, leaving, farmer):
    other = TrainingSessionFactory(
        village=village_a, requires_sign_out=True, starts_at=leaving.starts_at, topic="另一期"
    )
    neighbour = PersonFactory(village=village_a)
    for session, person in ((leaving, farmer), (other, farmer), (leaving, neighbour)):
        sign_in_early(session, person)
    at_the_door = END + MINUTE
    sign_in.sign_in_grant_use(
        grant=SignInGrant(session=other, direction=sign_in.SIGN_OUT, method=Method.QR),
        person=farmer,
        at=at_the_door,
    )
    sign_in.sign_in_grant_use(
        grant=SignInGrant(session=leaving, direction=sign_in.SIGN_OUT, method=Method.QR),
        person=neighbour,
        at=at_the_door,
    )

    record, changed = sign_in.sign_in_grant_use(
        grant=SignInGrant(session=leaving, direction=sign_in.SIGN_OUT, method=Method.QR),
        person=farmer,
        at=at_the_door + MINUTE,
    )

    assert changed is True
    assert (record.session_id, record.person_id) == (leaving.pk, farmer.pk)
    stored = AttendanceRecord.objects.get(session=leaving, person=farmer)
    assert stored.signed_out_at == at_the_door + MINUTE


def test_who_signed_out_early_is_kept_in_the_history(leaving, learner):
    sign_in_early(leaving, learner)
    grant = SignInGrant(session=leaving, direction=sign_in.SIGN_OUT, method=Method.QR)

    sign_in.sign_in_grant_use(grant=grant, person=learner, by=learner.user, at=END - 30 * MINUTE)

    change = AttendanceChange.objects.get(record__person=learner, to_status=Status.LEFT_EARLY)
    assert (change.from_status, change.changed_by) == (Status.PRESENT, learner.user)


def test_signing_out_without_having_signed_in_says_so(leaving, farmer):
    grant = SignInGrant(session=leaving, direction=sign_in.SIGN_OUT, method=Method.QR)

    assert refusal(sign_in.sign_in_grant_use, grant=grant, person=farmer) == NOTHING_TO_SIGN_OUT


# --- The numeric code ------------------------------------------------------------------------


def test_a_code_is_checked_against_the_sessions_open_at_the_moment_given(session, tomorrow):
    code = sign_in.sign_in_code_make(session=tomorrow, at=TOMORROW)

    grant = sign_in.sign_in_code_read(code, at=TOMORROW)

    assert grant == SignInGrant(session=tomorrow, direction=sign_in.SIGN_IN, method=Method.CODE)
    assert sign_in.sessions_open_for_sign_in(TOMORROW) == [tomorrow]
    assert sign_in.sessions_open_for_sign_in(NOW) == [session]


def test_a_code_of_the_wrong_length_asks_for_six_digits(learner):
    assert refusal(sign_in.sign_in_code_read, "12345") == CODE_LENGTH
    assert (
        refusal(sign_in.sign_in_code_redeem, code="1234567", user=learner.user, address="1.2.3.4")
        == CODE_LENGTH
    )


def test_a_wrong_code_says_the_code_changes_every_30_seconds(session):
    right = {sign_in.sign_in_code_make(session=session, at=NOW - s * SECOND) for s in (0, 30)}
    wrong = next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in right)

    assert refusal(sign_in.sign_in_code_read, wrong) == CODE_NOT_VALID


def test_a_code_two_open_sessions_drew_at_once_asks_for_the_qr_code(village_a):
    """Two sessions' codes coincide about once in a million windows; find such a pair."""
    seen = {}
    for pk in range(100_000, 120_000):
        code = sign_in.sign_in_code_make(session=TrainingSession(pk=pk), at=NOW)
        if code in seen:
            break
        seen[code] = pk
    else:
        pytest.fail("no two sessions share a code")
    for session_pk in (seen[code], pk):
        TrainingSessionFactory(pk=session_pk, village=village_a)

    assert refusal(sign_in.sign_in_code_read, code, at=NOW) == CODE_FITS_TWO


# --- The guess limit -------------------------------------------------------------------------


def _wrong_code(session, at=NOW) -> str:
    right = {sign_in.sign_in_code_make(session=session, at=at - s * SECOND) for s in (0, 30)}
    return next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in right)


def _type(code, *, user=None, session_key="phone-1", address="10.0.0.1", at=None):
    return sign_in.sign_in_code_redeem(
        code=code,
        user=user or AnonymousUser(),
        session_key=session_key,
        address=address,
        at=at,
    )


def test_a_typed_code_is_checked_at_the_moment_given(tomorrow, learner):
    code = sign_in.sign_in_code_make(session=tomorrow, at=TOMORROW)

    grant = _type(code, user=learner.user, at=TOMORROW)

    assert grant == SignInGrant(session=tomorrow, direction=sign_in.SIGN_IN, method=Method.CODE)


def test_a_blocked_typist_may_try_again_ten_minutes_after_the_first_wrong_code(
    session, learner, time_machine
):
    wrong = _wrong_code(session)
    for _ in range(sign_in.CODE_FAILURES_PER_CLIENT):
        with pytest.raises(SignInRefused) as error:
            _type(wrong, user=learner.user)
        assert not isinstance(error.value, CodeGuessingBlocked)

    time_machine.shift(sign_in.CODE_FAILURE_SECONDS - 1)
    with pytest.raises(CodeGuessingBlocked):
        _type(sign_in.sign_in_code_make(session=session), user=learner.user)
    time_machine.shift(1)
    grant = _type(sign_in.sign_in_code_make(session=session), user=learner.user)

    assert grant.session == session


class _CountLapsesWhileCounted:
    """The cache as it is when a typist's count of wrong codes lapses between being found
    (so it cannot be added) and being incremented (so it cannot be found)."""

    def __init__(self):
        self.lapse = False

    def get_many(self, keys):
        return cache.get_many(keys)

    def add(self, key, value, timeout):
        if self.lapse and cache.get(key) is not None:
            cache.delete(key)
            return False
        return cache.add(key, value, timeout)

    def incr(self, key):
        return cache.incr(key)

    def set(self, key, value, timeout):
        return cache.set(key, value, timeout)


def test_a_wrong_code_as_the_count_lapses_starts_a_new_count_of_ten_minutes(
    session, learner, time_machine, monkeypatch
):
    racy = _CountLapsesWhileCounted()
    monkeypatch.setattr(counters, "strict_cache", lambda: racy)
    wrong = _wrong_code(session)
    for _ in range(sign_in.CODE_FAILURES_PER_CLIENT - 1):
        with pytest.raises(SignInRefused):
            _type(wrong, user=learner.user)
    time_machine.shift(sign_in.CODE_FAILURE_SECONDS - 1)
    wrong = _wrong_code(session, at=NOW + datetime.timedelta(seconds=599))

    racy.lapse = True
    with pytest.raises(SignInRefused):
        _type(wrong, user=learner.user)  # the old count lapses now: this is wrong code 1
    racy.lapse = False
    answers = []
    for _ in range(sign_in.CODE_FAILURES_PER_CLIENT):
        with pytest.raises(SignInRefused) as error:
            _type(wrong, user=learner.user)
        answers.append(isinstance(error.value, CodeGuessingBlocked))

    assert answers == [False] * (sign_in.CODE_FAILURES_PER_CLIENT - 1) + [True]
    time_machine.shift(sign_in.CODE_FAILURE_SECONDS - 1)
    with pytest.raises(CodeGuessingBlocked):
        _type(sign_in.sign_in_code_make(session=session), user=learner.user)
    time_machine.shift(1)
    assert _type(sign_in.sign_in_code_make(session=session), user=learner.user).session == session


def test_guessers_at_one_address_do_not_stop_another_address(session, monkeypatch):
    monkeypatch.setattr(sign_in, "CODE_FAILURES_PER_ADDRESS", 3)
    wrong = _wrong_code(session)
    for phone in ("phone-1", "phone-2", "phone-3"):
        with pytest.raises(SignInRefused):
            _type(wrong, session_key=phone, address="10.0.0.1")
    right = sign_in.sign_in_code_make(session=session)

    with pytest.raises(CodeGuessingBlocked):
        _type(right, session_key="phone-4", address="10.0.0.1")
    grant = _type(right, session_key="phone-5", address="10.0.0.2")

    assert grant.session == session

"""Signing in, pinned where a small slip in the code would go unnoticed (found by mutation
testing): the screen's codes, the guess limit, walk-ins, the sign-out window, the organizer's
desk and screen, a person's own code and the rating form.

The clock stands still at 09:00:10 on 5 March 2026, 10 s into a 30-second window of the
screen's codes. A test that acts at another moment passes it as `at=`, for a session that is
open only then: a moment read from the clock instead of the one given would show.
"""

import datetime
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.test import override_settings
from django.utils import translation
from django.utils.http import int_to_base36

from attendance import sign_in, windows
from attendance.exceptions import (
    CodeGuessingBlocked,
    EvaluationRefused,
    PersonCodeInvalid,
    SignInExpired,
    SignInNotOpen,
    SignInRefused,
    WalkInClosed,
)
from attendance.models import (
    AttendanceChange,
    AttendanceRecord,
    Evaluation,
    PendingWalkIn,
    Registration,
    TrainingSession,
)
from attendance.services import attendance_mark, attendance_sign_in
from lms.people.models import Person
from lms.people.services import person_account_create
from tests.conftest import PASSWORD, beijing
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory, TownshipFactory, VillageFactory

NOW = beijing(2026, 3, 5, 9, 0, 10)
TOMORROW = beijing(2026, 3, 6, 9, 0, 10)  # tomorrow's session is open then, not now
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=False)]
SECOND = datetime.timedelta(seconds=1)
MINUTE = datetime.timedelta(minutes=1)
Method = AttendanceRecord.Method
Status = AttendanceRecord.Status
SignInGrant = sign_in.SignInGrant

# What people read (Chinese, the site's language).
CANCELLED = "本期培训已取消。"
SIGN_IN_ENDED = "本期培训已结束，签到已关闭。请联系组织者为您登记。"
SIGN_OUT_CLOSED = "本期培训的签退已结束。"
NOT_A_TOKEN = "签到码无效，请重新扫描屏幕上的二维码。"
CODE_LENGTH = "请输入屏幕上显示的6位签到码。"
CODE_NOT_VALID = "签到码无效或已过期。请输入现场屏幕上的签到码，签到码每30秒更新一次。"
CODE_FITS_TWO = "该签到码同时对应多期培训，请改为扫描二维码。"
NOTHING_TO_SIGN_OUT = "您还没有签到本期培训，无法签退。"
ENTER_NAME = "请输入您的姓名。"
TOWNSHIP_VILLAGE = "请选择本乡镇的村。"
NO_SIGN_IN_FOUND = "没有找到您本期培训的签到记录，请到签到台找工作人员。"
CHOOSE_LISTED = "请从列出的人员中选择，或选择“新人员”。"
WALK_IN_DEALT_WITH = "这位现场登记人员已经处理过了。"
RATING_RANGE = "请选择1到5分。"
ALREADY_RATED = "您已经评价过本期培训，谢谢！"
ONLY_ATTENDEES = "只有参加了本期培训的人才能评价。"
PERSON_CODE_INVALID = "这不是有效的个人签到码，请核对号码。"


@pytest.fixture(autouse=True)
def _chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def session(village_a):
    """Running now: started 5 minutes ago, ends in 1 h 55 min."""
    return TrainingSessionFactory(village=village_a, topic="马铃薯种薯繁育")


@pytest.fixture
def tomorrow(village_a):
    """09:00–11:00 tomorrow: open at TOMORROW, not now."""
    return TrainingSessionFactory(village=village_a, starts_at=beijing(2026, 3, 6, 9, 0))


# A session with 签退, 08:00–10:00 today: signing out stays open until 10:30.
END = beijing(2026, 3, 5, 10, 0)


@pytest.fixture
def leaving(village_a):
    return TrainingSessionFactory(
        village=village_a, requires_sign_out=True, starts_at=beijing(2026, 3, 5, 8, 0)
    )


@pytest.fixture
def farmer(village_a):
    return PersonFactory(name="王大田", village=village_a, phone="13900000011")


@pytest.fixture
def learner(village_a):
    person = PersonFactory(name="张秀英", village=village_a, phone="13800138000")
    person_account_create(person=person, password=PASSWORD)
    return person


def _sign_in_early(session, person):
    record, _ = attendance_sign_in(
        session=session, person=person, method=Method.QR, at=session.starts_at
    )
    return record


def _refusal(call, *args, **kwargs) -> str:
    with pytest.raises(SignInRefused) as error:
        call(*args, **kwargs)
    return str(error.value)


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
    _sign_in_early(leaving, farmer)
    grant = SignInGrant(session=leaving, direction=sign_in.SIGN_OUT, method=Method.QR)
    at_the_door = END + 10 * MINUTE

    record, changed = sign_in.sign_in_grant_use(grant=grant, person=farmer, at=at_the_door)

    assert changed is True
    stored = AttendanceRecord.objects.get(session=leaving, person=farmer)
    assert (stored.signed_out_at, stored.status) == (at_the_door, Status.PRESENT)
    assert record.pk == stored.pk


def test_signing_out_after_the_grace_half_hour_is_refused(leaving, farmer):
    _sign_in_early(leaving, farmer)
    grant = SignInGrant(session=leaving, direction=sign_in.SIGN_OUT, method=Method.QR)

    with pytest.raises(SignInNotOpen) as error:
        sign_in.sign_in_grant_use(
            grant=grant, person=farmer, at=END + windows.SIGN_OUT_GRACE + SECOND
        )

    assert str(error.value) == SIGN_OUT_CLOSED
    assert AttendanceRecord.objects.get(person=farmer).signed_out_at is None


def test_signing_out_twice_keeps_the_first_time(leaving, farmer):
    _sign_in_early(leaving, farmer)
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
        _sign_in_early(session, person)
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
    _sign_in_early(leaving, learner)
    grant = SignInGrant(session=leaving, direction=sign_in.SIGN_OUT, method=Method.QR)

    sign_in.sign_in_grant_use(grant=grant, person=learner, by=learner.user, at=END - 30 * MINUTE)

    change = AttendanceChange.objects.get(record__person=learner, to_status=Status.LEFT_EARLY)
    assert (change.from_status, change.changed_by) == (Status.PRESENT, learner.user)


def test_signing_out_without_having_signed_in_says_so(leaving, farmer):
    grant = SignInGrant(session=leaving, direction=sign_in.SIGN_OUT, method=Method.QR)

    assert _refusal(sign_in.sign_in_grant_use, grant=grant, person=farmer) == NOTHING_TO_SIGN_OUT


# --- The numeric code ------------------------------------------------------------------------


def test_a_code_is_checked_against_the_sessions_open_at_the_moment_given(session, tomorrow):
    code = sign_in.sign_in_code_make(session=tomorrow, at=TOMORROW)

    grant = sign_in.sign_in_code_read(code, at=TOMORROW)

    assert grant == SignInGrant(session=tomorrow, direction=sign_in.SIGN_IN, method=Method.CODE)
    assert sign_in.sessions_open_for_sign_in(TOMORROW) == [tomorrow]
    assert sign_in.sessions_open_for_sign_in(NOW) == [session]


def test_a_code_of_the_wrong_length_asks_for_six_digits(learner):
    assert _refusal(sign_in.sign_in_code_read, "12345") == CODE_LENGTH
    assert (
        _refusal(sign_in.sign_in_code_redeem, code="1234567", user=learner.user, address="1.2.3.4")
        == CODE_LENGTH
    )


def test_a_wrong_code_says_the_code_changes_every_30_seconds(session):
    right = {sign_in.sign_in_code_make(session=session, at=NOW - s * SECOND) for s in (0, 30)}
    wrong = next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in right)

    assert _refusal(sign_in.sign_in_code_read, wrong) == CODE_NOT_VALID


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

    assert _refusal(sign_in.sign_in_code_read, code, at=NOW) == CODE_FITS_TWO


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
    monkeypatch.setattr(sign_in, "cache", racy)
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


# --- Walk-ins --------------------------------------------------------------------------------


def test_a_new_walk_in_is_created_and_signed_in_at_the_moment_given(tomorrow, village_b):
    first = sign_in.walk_in_sign_in(
        session=tomorrow, name="赵新来", village=village_b, phone="13700000009", at=TOMORROW
    )
    again = sign_in.walk_in_sign_in(
        session=tomorrow, name="赵新来", village=village_b, phone="13700000009", at=TOMORROW
    )

    assert (first.person_created, first.newly) == (True, True)
    assert (again.person_created, again.newly) == (False, False)
    assert again.person == first.person
    assert first.record.signed_in_at == TOMORROW
    assert (first.person.phone, first.person.village) == ("13700000009", village_b)


def test_a_walk_in_on_the_roster_is_not_reported_as_new(session, farmer):
    result = sign_in.walk_in_sign_in(session=session, name="王大田", village=farmer.village)

    assert (result.person, result.person_created, result.newly) == (farmer, False, True)
    assert result.pending is None


def test_a_walk_in_is_told_what_is_missing(session):
    elsewhere = VillageFactory(township=TownshipFactory(name="南山乡"), name="南山村")

    no_name = _refusal(sign_in.walk_in_sign_in, session=session, name=" ", village=session.village)
    wrong_village = _refusal(
        sign_in.walk_in_sign_in, session=session, name="王五", village=elsewhere
    )

    assert (no_name, wrong_village) == (ENTER_NAME, TOWNSHIP_VILLAGE)


def test_an_ambiguous_walk_in_waits_with_their_phone_and_arrival_time(tomorrow, village_a):
    PersonFactory.create_batch(2, name="张伟", village=village_a, phone="")

    result = sign_in.walk_in_sign_in(
        session=tomorrow, name="张伟", village=village_a, phone="13600000002", at=TOMORROW
    )

    pending = PendingWalkIn.objects.get()
    assert result.pending == pending
    assert (pending.phone, pending.arrived_at, pending.status) == (
        "13600000002",
        TOMORROW,
        PendingWalkIn.Status.PENDING,
    )


def test_the_same_name_walking_in_after_the_organizer_decided_is_asked_again(
    session, village_a, organizer_a
):
    first, second = PersonFactory.create_batch(2, name="张伟", village=village_a, phone="")
    earlier = sign_in.walk_in_sign_in(session=session, name="张伟", village=village_a).pending
    sign_in.walk_in_resolve(pending=earlier, person=first, by=organizer_a)

    later = sign_in.walk_in_sign_in(session=session, name="张伟", village=village_a).pending

    assert later.pk != earlier.pk
    assert later.status == PendingWalkIn.Status.PENDING
    assert PendingWalkIn.objects.filter(status=PendingWalkIn.Status.PENDING).get() == later


# --- Walk-ins signing out --------------------------------------------------------------------


def test_a_walk_in_signs_out_by_name_during_the_grace_half_hour(village_a, leaving, farmer):
    other = TrainingSessionFactory(village=village_a, starts_at=leaving.starts_at, topic="另一期")
    _sign_in_early(leaving, farmer)
    _sign_in_early(other, farmer)  # the same morning, another room
    _sign_in_early(leaving, PersonFactory(name="邻居", village=village_a))
    at_the_door = END + 10 * MINUTE

    record, changed = sign_in.walk_in_sign_out(
        session=leaving, name="王大田", village=village_a, at=at_the_door
    )

    assert changed is True
    assert (record.session_id, record.person_id) == (leaving.pk, farmer.pk)
    assert AttendanceRecord.objects.get(session=leaving, person=farmer).signed_out_at == (
        at_the_door
    )


def test_a_shared_name_is_told_apart_by_the_phone_when_signing_out(leaving, village_a):
    first = PersonFactory(name="张伟", village=village_a, phone="13600000001")
    second = PersonFactory(name="张伟", village=village_a, phone="13600000002")
    for person in (first, second):
        _sign_in_early(leaving, person)

    record, changed = sign_in.walk_in_sign_out(
        session=leaving, name="张伟", village=village_a, phone="136 0000 0002", at=END
    )

    assert changed and record.person_id == second.pk


def test_a_namesake_excused_from_the_session_does_not_confuse_signing_out(leaving, village_a):
    excused = PersonFactory(name="张伟", village=village_a, phone="")
    came = PersonFactory(name="张伟", village=village_a, phone="")
    attendance_mark(
        session=leaving,
        person=excused,
        status=Status.EXCUSED,
        method=Method.ROLL_CALL,
        excused_by="村支书王明",
    )
    _sign_in_early(leaving, came)

    record, _changed = sign_in.walk_in_sign_out(
        session=leaving, name="张伟", village=village_a, at=END
    )

    assert record.person_id == came.pk


def test_a_walk_in_who_never_signed_in_is_sent_to_the_desk(leaving, village_a, farmer):
    message = _refusal(
        sign_in.walk_in_sign_out, session=leaving, name="王大田", village=village_a, at=END
    )

    assert message == NO_SIGN_IN_FOUND


# --- The organizer decides who a walk-in is --------------------------------------------------


@pytest.fixture
def namesakes(village_a, village_b):
    """Two 张伟 of 东沟村 without a phone, and one of 西沟村."""
    here = PersonFactory.create_batch(2, name="张伟", village=village_a, phone="")
    return here, PersonFactory(name="张伟", village=village_b, phone="")


def test_only_people_of_the_walk_ins_village_are_offered(
    session, village_a, namesakes, organizer_a
):
    here, over_there = namesakes
    pending = sign_in.walk_in_sign_in(session=session, name="张伟", village=village_a).pending

    offered = sign_in.walk_in_candidates(pending)
    with pytest.raises(WalkInClosed) as error:
        sign_in.walk_in_resolve(pending=pending, person=over_there, by=organizer_a)

    assert offered == here
    assert str(error.value) == CHOOSE_LISTED
    assert not AttendanceRecord.objects.exists()


def test_a_walk_in_decided_later_is_signed_in_as_of_their_arrival(
    session, village_a, namesakes, organizer_a, time_machine
):
    here, _ = namesakes
    pending = sign_in.walk_in_sign_in(session=session, name="张伟", village=village_a).pending
    time_machine.shift(datetime.timedelta(minutes=25))  # the organizer gets to it

    record, person = sign_in.walk_in_resolve(pending=pending, person=here[1], by=organizer_a)

    assert (record.signed_in_at, record.status, person) == (NOW, Status.PRESENT, here[1])
    pending.refresh_from_db()
    assert (pending.status, pending.person, pending.resolved_by, pending.resolved_at) == (
        PendingWalkIn.Status.RESOLVED,
        here[1],
        organizer_a,
        NOW + datetime.timedelta(minutes=25),
    )


def test_a_walk_in_decided_to_be_new_keeps_the_phone_they_gave(session, village_a, namesakes):
    pending = sign_in.walk_in_sign_in(
        session=session, name="张伟", village=village_a, phone="13600000003"
    ).pending

    _record, person = sign_in.walk_in_resolve(pending=pending, person=None, by=None)

    assert (person.name, person.village, person.phone) == ("张伟", village_a, "13600000003")
    pending.refresh_from_db()
    assert (pending.person, pending.resolved_by) == (person, None)


def test_the_organizer_dismisses_a_walk_in_once(session, village_a, namesakes, organizer_a):
    pending = sign_in.walk_in_sign_in(session=session, name="张伟", village=village_a).pending

    dismissed = sign_in.walk_in_dismiss(pending=pending, by=organizer_a)
    with pytest.raises(WalkInClosed) as again:
        sign_in.walk_in_dismiss(pending=pending, by=organizer_a)
    with pytest.raises(WalkInClosed):
        sign_in.walk_in_resolve(pending=pending, person=None, by=organizer_a)

    stored = PendingWalkIn.objects.get()
    assert dismissed.pk == stored.pk
    assert (stored.status, stored.person, stored.resolved_by, stored.resolved_at) == (
        PendingWalkIn.Status.DISMISSED,
        None,
        organizer_a,
        NOW,
    )
    assert str(again.value) == WALK_IN_DEALT_WITH
    assert not AttendanceRecord.objects.exists()
    assert Person.objects.filter(name="张伟").count() == 3


def test_a_resolved_walk_in_cannot_be_dismissed(session, village_a, namesakes, organizer_a):
    here, _ = namesakes
    pending = sign_in.walk_in_sign_in(session=session, name="张伟", village=village_a).pending
    sign_in.walk_in_resolve(pending=pending, person=here[0], by=organizer_a)

    with pytest.raises(WalkInClosed):
        sign_in.walk_in_dismiss(pending=pending, by=organizer_a)

    assert PendingWalkIn.objects.get().status == PendingWalkIn.Status.RESOLVED


@pytest.mark.parametrize("by", [None, AnonymousUser()], ids=["nobody", "anonymous"])
def test_a_walk_in_closed_without_a_logged_in_user_names_nobody(session, village_a, namesakes, by):
    pending = sign_in.walk_in_sign_in(session=session, name="张伟", village=village_a).pending

    sign_in.walk_in_dismiss(pending=pending, by=by)

    stored = PendingWalkIn.objects.get()
    assert (stored.status, stored.resolved_by) == (PendingWalkIn.Status.DISMISSED, None)


# --- A person's own code ---------------------------------------------------------------------


def test_another_persons_id_with_my_check_digits_names_nobody(village_a):
    mine, theirs = PersonFactory.create_batch(2, village=village_a)
    check_digits = sign_in.person_code_make(mine)[-sign_in.PERSON_CHECK_DIGITS :]

    with pytest.raises(PersonCodeInvalid) as error:
        sign_in.person_code_read(f"{theirs.pk}{check_digits}")

    assert str(error.value) == PERSON_CODE_INVALID


def test_the_longest_code_a_card_carries_is_read(village_a):
    person = PersonFactory(pk=10**13 + 7, village=village_a)  # an id of 14 digits
    code = sign_in.person_code_make(person)

    assert len(code) == 18
    assert sign_in.person_code_read(code) == person


def test_a_scanned_person_code_signs_in_at_the_moment_given(tomorrow, farmer, organizer_a):
    record, changed = sign_in.person_code_sign_in(
        session=tomorrow, code=sign_in.person_code_make(farmer), by=organizer_a, at=TOMORROW
    )

    assert changed is True
    assert (record.person, record.signed_in_at, record.method) == (
        farmer,
        TOMORROW,
        Method.PERSON_QR,
    )


# --- Rating a session ------------------------------------------------------------------------


@pytest.fixture
def attendee(session, farmer):
    _sign_in_early(session, farmer)
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
    _sign_in_early(elsewhere, came_elsewhere)
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
    _sign_in_early(session, guest)
    Registration.objects.create(session=other, person=invited_elsewhere)
    _sign_in_early(other, came_elsewhere)

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

"""Signing in from a phone: the rotating QR code, the numeric code, walk-ins, own codes."""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.http import int_to_base36

from attendance import sign_in
from attendance.exceptions import (
    PersonCodeInvalid,
    SignInExpired,
    SignInNotOpen,
    SignInRefused,
)
from attendance.models import AttendanceRecord, PendingWalkIn, TrainingSession
from lms.people.models import Person
from lms.people.services import api_token_create, person_account_create
from tests.conftest import PASSWORD, beijing
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory, TownshipFactory, VillageFactory

# The clock stands still 10 s into a 30-second window of the screen's codes (09:00:10 on
# 5 March 2026): a code made 25 s ago is from the previous window, one made 61 s ago is older.
NOW = beijing(2026, 3, 5, 9, 0, 10)
pytestmark = [pytest.mark.django_db, pytest.mark.time_machine(NOW, tick=False)]
Method = AttendanceRecord.Method
Status = AttendanceRecord.Status


@pytest.fixture
def session(village_a):
    return TrainingSessionFactory(village=village_a, topic="马铃薯种薯繁育")


@pytest.fixture
def learner(village_a):
    person = PersonFactory(name="张秀英", village=village_a, phone="13800138000")
    person_account_create(person=person, password=PASSWORD)
    return person


def _token_url(token: str) -> str:
    return reverse("attendance:token", args=[token])


def _seconds_ago(seconds: int) -> datetime.datetime:
    return NOW - datetime.timedelta(seconds=seconds)


# What the attendee reads (Chinese, the site's language).
EXPIRED = "二维码已过期，请扫描现场屏幕上的最新二维码"
GUESSING_BLOCKED = "签到码输错次数过多，请十分钟后再试，或直接扫描屏幕上的二维码。"
PERSON_CODE_INVALID = "这不是有效的个人签到码，请核对号码。"


# --- The rotating QR code --------------------------------------------------------------------


def test_scanning_the_screen_signs_a_logged_in_learner_in_at_once(client, session, learner):
    client.force_login(learner.user)

    response = client.get(_token_url(sign_in.sign_in_token_make(session=session)), follow=True)

    record = AttendanceRecord.objects.get(session=session, person=learner)
    assert (record.status, record.method) == (Status.PRESENT, Method.QR)
    assert record.recorded_by == learner.user
    assert response.redirect_chain[-1][0] == reverse("attendance:done")
    assert "张秀英" in response.content.decode()
    assert "马铃薯种薯繁育" in response.content.decode()


def test_the_qr_link_is_short_for_cheap_phone_cameras(session):
    token = sign_in.sign_in_token_make(session=session)

    assert len(_token_url(token)) <= 45
    assert "/" not in token


def test_a_forwarded_photo_stops_working_within_a_minute(client, session, learner):
    client.force_login(learner.user)
    photo = sign_in.sign_in_token_make(session=session, at=_seconds_ago(61))

    response = client.get(_token_url(photo))

    assert response.status_code == 403
    assert EXPIRED in response.content.decode()
    assert not AttendanceRecord.objects.exists()


def test_the_code_keeps_working_for_the_seconds_a_phone_needs(session):
    token = sign_in.sign_in_token_make(session=session, at=_seconds_ago(25))  # previous window

    assert sign_in.sign_in_token_read(token).session == session


def test_an_altered_token_or_one_for_another_session_is_refused(client, session, village_a):
    other = TrainingSessionFactory(village=village_a)
    token = sign_in.sign_in_token_make(session=session)
    head, window, signature = token.split(".")
    for_other = f"i{int_to_base36(other.pk)}.{window}.{signature}"
    sign_out_in_disguise = "o" + token[1:]

    for forged in (for_other, sign_out_in_disguise, token[:-2] + "AA", "nonsense"):
        with pytest.raises(SignInRefused) as error:
            sign_in.sign_in_token_read(forged)
        assert not isinstance(error.value, SignInExpired)
        assert client.get(_token_url(forged)).status_code == 403
    assert not AttendanceRecord.objects.exists()


@pytest.mark.parametrize(
    ("when", "refusal"),
    [
        ("future", "签到将于 2026年3月6日 08:30 开始。"),  # 30 minutes before the start
        ("ended", "本期培训已结束，签到已关闭。请联系组织者为您登记。"),
        ("cancelled", "本期培训已取消。"),
    ],
)
def test_a_session_that_is_not_open_refuses_its_code_and_says_when_it_opens(
    client, village_a, learner, when, refusal
):
    session = {
        "future": lambda: TrainingSessionFactory(
            village=village_a, starts_at=beijing(2026, 3, 6, 9, 0)
        ),
        "ended": lambda: TrainingSessionFactory(
            village=village_a, starts_at=NOW - datetime.timedelta(hours=5)
        ),
        "cancelled": lambda: TrainingSessionFactory(
            village=village_a, status=TrainingSession.Status.CANCELLED
        ),
    }[when]()
    client.force_login(learner.user)

    response = client.get(_token_url(sign_in.sign_in_token_make(session=session)))

    assert response.status_code == 403
    assert refusal in response.content.decode()
    assert not AttendanceRecord.objects.exists()
    with pytest.raises(SignInNotOpen) as error:
        sign_in.sign_in_token_read(sign_in.sign_in_token_make(session=session))
    assert str(error.value) == refusal


def test_without_a_login_the_scan_offers_log_in_or_the_walk_in_form(
    client, session, village_a, village_b
):
    elsewhere = VillageFactory(township=TownshipFactory(name="南山乡"), name="南山村")

    response = client.get(_token_url(sign_in.sign_in_token_make(session=session)), follow=True)

    page = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("attendance:sign_in")
    assert f"{reverse('accounts:login')}?next={reverse('attendance:sign_in')}" in page
    assert 'name="name"' in page and 'name="phone"' in page
    assert [v.pk for v in response.context["form"].fields["village"].queryset] == [
        village_a.pk,
        village_b.pk,
    ]
    assert elsewhere.name not in page
    assert response.context["form"]["village"].value() == village_a.pk


def test_logging_in_after_the_scan_signs_in_even_when_the_code_has_moved_on(
    client, session, learner
):
    client.get(_token_url(sign_in.sign_in_token_make(session=session, at=_seconds_ago(20))))
    client.post(reverse("accounts:login"), {"username": "13800138000", "password": PASSWORD})

    response = client.get(reverse("attendance:sign_in"))

    assert response.status_code == 302
    assert AttendanceRecord.objects.get(person=learner).method == Method.QR


def test_the_walk_in_page_without_a_scan_sends_people_to_the_screen(client):
    response = client.get(reverse("attendance:sign_in"))

    assert response.status_code == 400
    assert 'name="name"' not in response.content.decode()


def test_scanning_twice_keeps_one_record(client, session, learner):
    client.force_login(learner.user)
    client.get(_token_url(sign_in.sign_in_token_make(session=session)))
    client.get(_token_url(sign_in.sign_in_token_make(session=session)))

    assert AttendanceRecord.objects.filter(person=learner).count() == 1


def test_signing_out_early_with_the_sign_out_code_shows_as_left_early(client, village_a, learner):
    session = TrainingSessionFactory(village=village_a, requires_sign_out=True)
    client.force_login(learner.user)
    client.get(_token_url(sign_in.sign_in_token_make(session=session)))

    response = client.get(
        _token_url(sign_in.sign_in_token_make(session=session, direction=sign_in.SIGN_OUT)),
        follow=True,
    )

    record = AttendanceRecord.objects.get(person=learner)
    assert record.signed_out_at is not None
    assert record.status == Status.LEFT_EARLY
    assert response.context["signed_out"] is True


def test_signing_out_without_having_signed_in_is_refused(client, village_a, learner):
    session = TrainingSessionFactory(village=village_a, requires_sign_out=True)
    client.force_login(learner.user)

    response = client.get(
        _token_url(sign_in.sign_in_token_make(session=session, direction=sign_in.SIGN_OUT))
    )

    assert response.status_code == 403
    assert not AttendanceRecord.objects.exists()


# --- The numeric code ------------------------------------------------------------------------


def test_typing_the_code_signs_in_like_scanning(client, session, learner):
    client.force_login(learner.user)
    code = sign_in.sign_in_code_make(session=session)

    response = client.post(reverse("attendance:code"), {"code": f"{code[:3]} {code[3:]}"})

    assert response.status_code == 302
    assert AttendanceRecord.objects.get(person=learner).method == Method.CODE


def test_the_code_finds_its_session_among_those_open_now(session, village_b):
    TrainingSessionFactory.create_batch(3, village=village_b)

    grant = sign_in.sign_in_code_read(sign_in.sign_in_code_make(session=session))

    assert (grant.session, grant.method) == (session, Method.CODE)
    previous_window = sign_in.sign_in_code_make(session=session, at=_seconds_ago(30))
    assert sign_in.sign_in_code_read(previous_window).session == session
    two_windows_ago = sign_in.sign_in_code_make(session=session, at=_seconds_ago(60))
    with pytest.raises(SignInRefused):
        sign_in.sign_in_code_read(two_windows_ago)


def test_a_code_of_a_session_that_is_not_open_or_a_wrong_code_is_refused(client, village_a):
    future = TrainingSessionFactory(village=village_a, starts_at=NOW + datetime.timedelta(days=1))
    stale = TrainingSessionFactory(village=village_a)
    stale_code = sign_in.sign_in_code_make(session=stale, at=_seconds_ago(90))

    for code in (sign_in.sign_in_code_make(session=future), stale_code, "12345"):
        response = client.post(reverse("attendance:code"), {"code": code})
        assert response.status_code == 200
        assert response.context["form"].errors["code"]
    assert "attendance_pass" not in client.session


def test_without_a_login_the_code_leads_to_the_walk_in_form(client, session):
    response = client.post(
        reverse("attendance:code"), {"code": sign_in.sign_in_code_make(session=session)}
    )

    assert response.url == reverse("attendance:sign_in")
    assert client.get(response.url).context["session"] == session


def _api_code(client, learner, code):
    return client.post(
        "/api/v1/attendance/sign-in",
        {"code": code},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=learner.user)}",
    )


def _wrong_code(session) -> str:
    right = {sign_in.sign_in_code_make(session=session, at=_seconds_ago(s)) for s in (0, 30)}
    return next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in right)


def test_guessing_codes_through_the_api_is_stopped_for_the_account(client, session, learner):
    wrong = _wrong_code(session)
    answers = [_api_code(client, learner, wrong) for _ in range(sign_in.CODE_FAILURES_PER_CLIENT)]

    blocked = _api_code(client, learner, sign_in.sign_in_code_make(session=session))

    assert [answer.status_code for answer in answers] == [409] * sign_in.CODE_FAILURES_PER_CLIENT
    assert blocked.status_code == 429
    assert blocked.json()["detail"] == GUESSING_BLOCKED
    assert not AttendanceRecord.objects.filter(person=learner).exists()


def test_the_form_and_the_api_count_against_one_guess_limit(client, session, learner):
    client.force_login(learner.user)
    wrong = _wrong_code(session)
    half = sign_in.CODE_FAILURES_PER_CLIENT // 2
    for _ in range(half):
        client.post(reverse("attendance:code"), {"code": wrong})
    for _ in range(sign_in.CODE_FAILURES_PER_CLIENT - half):
        _api_code(client, learner, wrong)

    right = sign_in.sign_in_code_make(session=session)
    by_form = client.post(reverse("attendance:code"), {"code": right})
    by_api = _api_code(client, learner, right)

    assert by_form.status_code == 200
    assert by_form.context["form"].non_field_errors() == [GUESSING_BLOCKED]
    assert by_api.status_code == 429
    assert not AttendanceRecord.objects.filter(person=learner).exists()


def test_one_villagers_typos_do_not_lock_out_the_village(client, session):
    wrong = _wrong_code(session)
    for _ in range(3 * sign_in.CODE_FAILURES_PER_CLIENT):
        client.post(reverse("attendance:code"), {"code": wrong})
    stopped = client.post(
        reverse("attendance:code"), {"code": sign_in.sign_in_code_make(session=session)}
    )

    neighbour = Client()  # another phone behind the same carrier address
    response = neighbour.post(
        reverse("attendance:code"), {"code": sign_in.sign_in_code_make(session=session)}
    )

    assert stopped.context["form"].non_field_errors() == [GUESSING_BLOCKED]
    assert response.status_code == 302
    assert response.url == reverse("attendance:sign_in")


def test_many_guessers_from_one_address_are_stopped(session, monkeypatch):
    monkeypatch.setattr(sign_in, "CODE_FAILURES_PER_ADDRESS", 3)
    wrong = _wrong_code(session)
    for _ in range(3):  # three browsers, one wrong code each
        Client().post(reverse("attendance:code"), {"code": wrong})

    response = Client().post(
        reverse("attendance:code"), {"code": sign_in.sign_in_code_make(session=session)}
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [GUESSING_BLOCKED]


def test_a_code_of_the_wrong_length_costs_no_guess(client, session, learner):
    for _ in range(2 * sign_in.CODE_FAILURES_PER_CLIENT):
        assert _api_code(client, learner, "12345").status_code == 409

    response = _api_code(client, learner, sign_in.sign_in_code_make(session=session))

    assert response.status_code == 200


def test_a_learners_code_finds_only_their_own_townships_sessions(client, learner):
    elsewhere = TrainingSessionFactory(
        village=VillageFactory(township=TownshipFactory(name="西山乡"))
    )

    response = _api_code(client, learner, sign_in.sign_in_code_make(session=elsewhere))

    assert response.status_code == 409
    assert not AttendanceRecord.objects.filter(person=learner).exists()


# --- Walk-ins --------------------------------------------------------------------------------


def _walk_in(client, session, **data):
    client.get(_token_url(sign_in.sign_in_token_make(session=session)))
    return client.post(reverse("attendance:sign_in"), data, follow=True)


def test_a_walk_in_who_is_on_the_roster_is_signed_in_as_that_person(client, session, village_a):
    farmer = PersonFactory(name="李大山", village=village_a, phone="13900000001")

    response = _walk_in(
        client, session, name="李 大山", village=village_a.pk, phone="139-0000-0001"
    )

    record = AttendanceRecord.objects.get(session=session)
    assert (record.person, record.method) == (farmer, Method.WALK_IN)
    assert Person.objects.filter(name="李大山").count() == 1
    assert "李大山" in response.content.decode()


def test_an_unknown_walk_in_is_added_to_their_village_with_their_phone(client, session, village_b):
    response = _walk_in(client, session, name="赵新来", village=village_b.pk, phone="13700000009")

    person = Person.objects.get(name="赵新来")
    assert (person.village, person.phone) == (village_b, "13700000009")
    assert AttendanceRecord.objects.get(session=session).person == person
    assert response.context["record"].person == person
    # The same person tapping again (or signing in from a second phone) is the same person.
    _walk_in(client, session, name="赵新来", village=village_b.pk, phone="13700000009")
    assert Person.objects.filter(name="赵新来").count() == 1
    assert AttendanceRecord.objects.filter(session=session).count() == 1


def test_an_ambiguous_walk_in_creates_nobody_and_asks_the_organizer(client, session, village_a):
    PersonFactory(name="张伟", village=village_a, phone="")
    PersonFactory(name="张伟", village=village_a, phone="")

    response = _walk_in(client, session, name="张伟", village=village_a.pk, phone="")
    _walk_in(client, session, name="张伟", village=village_a.pk, phone="")

    assert Person.objects.filter(name="张伟").count() == 2
    assert not AttendanceRecord.objects.exists()
    pending = PendingWalkIn.objects.get()
    assert (pending.name, pending.village, pending.status) == ("张伟", village_a, "pending")
    assert response.context["pending"] == pending
    assert "result-wait" in response.content.decode()


def test_the_organizer_resolves_an_ambiguous_walk_in_to_the_right_person(
    client, session, village_a, organizer_a
):
    PersonFactory(name="张伟", village=village_a, phone="")
    second = PersonFactory(name="张伟", village=village_a, phone="")
    result = sign_in.walk_in_sign_in(session=session, name="张伟", village=village_a)
    client.force_login(organizer_a)

    url = reverse("attendance:walk_in", args=[result.pending.pk])
    page = client.get(url)
    client.post(url, {"person": second.pk})

    assert page.status_code == 200 and len(page.context["candidates"]) == 2
    record = AttendanceRecord.objects.get()
    assert (record.person, record.method, record.recorded_by) == (
        second,
        Method.WALK_IN,
        organizer_a,
    )
    assert record.signed_in_at == result.pending.arrived_at
    result.pending.refresh_from_db()
    assert (result.pending.status, result.pending.person) == ("resolved", second)
    assert client.post(url, {"action": "new"}).status_code == 302  # already dealt with
    assert Person.objects.filter(name="张伟").count() == 2


def test_the_organizer_may_decide_an_ambiguous_walk_in_is_someone_new(
    session, village_a, organizer_a
):
    PersonFactory.create_batch(2, name="张伟", village=village_a, phone="")
    pending = sign_in.walk_in_sign_in(
        session=session, name="张伟", village=village_a, phone=""
    ).pending

    record, person = sign_in.walk_in_resolve(pending=pending, person=None, by=organizer_a)

    assert Person.objects.filter(name="张伟").count() == 3
    assert record.person == person


def test_a_walk_in_from_another_township_or_without_a_name_is_refused(session):
    elsewhere = VillageFactory(township=TownshipFactory(name="南山乡"), name="南山村")

    with pytest.raises(SignInRefused):
        sign_in.walk_in_sign_in(session=session, name="王五", village=elsewhere)
    with pytest.raises(SignInRefused):
        sign_in.walk_in_sign_in(session=session, name="  ", village=session.village)
    assert not Person.objects.filter(name="王五").exists()


def test_a_walk_in_signs_out_with_one_tap_from_the_same_phone(client, village_a):
    session = TrainingSessionFactory(village=village_a, requires_sign_out=True)
    _walk_in(client, session, name="钱二", village=village_a.pk, phone="")

    client.get(_token_url(sign_in.sign_in_token_make(session=session, direction="o")))
    page = client.get(reverse("attendance:sign_in"))
    client.post(reverse("attendance:sign_in"), {"remembered": "1"})

    assert page.context["remembered"].name == "钱二"
    assert AttendanceRecord.objects.get(session=session).signed_out_at is not None


def test_a_shared_name_signs_out_as_the_one_who_signed_in(village_a):
    session = TrainingSessionFactory(village=village_a, requires_sign_out=True)
    PersonFactory(name="张伟", village=village_a, phone="")
    came = PersonFactory(name="张伟", village=village_a, phone="")
    sign_in.attendance_sign_in(session=session, person=came, method=Method.ROLL_CALL)

    record, changed = sign_in.walk_in_sign_out(session=session, name="张伟", village=village_a)

    assert changed and record.person == came and record.signed_out_at


# --- A person's own code ---------------------------------------------------------------------


def test_a_person_code_names_that_person_and_refuses_typos(village_a):
    person = PersonFactory(village=village_a)
    code = sign_in.person_code_make(person)

    assert sign_in.person_code_read(sign_in.person_code_display(code)) == person
    wrong_check = code[:-1] + str((int(code[-1]) + 1) % 10)
    for bad in (wrong_check, "1", "", "abc", str(person.pk)):
        with pytest.raises(PersonCodeInvalid):
            sign_in.person_code_read(bad)


def test_a_learner_sees_their_own_code_to_show_or_print(client, learner):
    client.force_login(learner.user)

    response = client.get(reverse("attendance:my_code"))

    code = sign_in.person_code_make(learner)
    page = response.content.decode()
    assert sign_in.person_code_display(code) in page
    assert "<svg" in page and "张秀英" in page


def test_my_code_needs_a_login(client):
    response = client.get(reverse("attendance:my_code"))

    assert response.status_code == 302
    assert reverse("accounts:login") in response.url


def test_the_organizer_scans_a_person_code_to_sign_them_in(client, session, organizer_a, village_a):
    farmer = PersonFactory(name="孙老汉", village=village_a)
    client.force_login(organizer_a)
    code = sign_in.person_code_make(farmer)

    typed = client.post(reverse("attendance:scan", args=[session.pk]), {"code": code})
    scanned = client.post(
        f"/api/v1/attendance/sessions/{session.pk}/person-code",
        {"code": code},
        content_type="application/json",
    )

    record = AttendanceRecord.objects.get()
    assert typed.status_code == 302
    assert (record.person, record.method, record.recorded_by) == (
        farmer,
        Method.PERSON_QR,
        organizer_a,
    )
    assert scanned.status_code == 200 and scanned.json()["changed"] is False
    bad = client.post(
        f"/api/v1/attendance/sessions/{session.pk}/person-code",
        {"code": code[:-1]},
        content_type="application/json",
    )
    assert bad.status_code == 409 and bad.json()["detail"] == PERSON_CODE_INVALID


# --- The API for the mobile client -----------------------------------------------------------


def test_the_mobile_client_signs_in_with_a_token_or_a_code(client, session, learner, village_a):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {api_token_create(user=learner.user)}"}
    other = TrainingSessionFactory(village=village_a)

    by_token = client.post(
        "/api/v1/attendance/sign-in",
        {"token": sign_in.sign_in_token_make(session=session)},
        content_type="application/json",
        **headers,
    )
    by_code = client.post(
        "/api/v1/attendance/sign-in",
        {"code": sign_in.sign_in_code_make(session=other)},
        content_type="application/json",
        **headers,
    )
    expired = client.post(
        "/api/v1/attendance/sign-in",
        {"token": sign_in.sign_in_token_make(session=session, at=_seconds_ago(120))},
        content_type="application/json",
        **headers,
    )

    assert by_token.status_code == 200 and by_token.json()["method"] == "qr"
    assert by_code.status_code == 200 and by_code.json()["method"] == "code"
    assert expired.status_code == 409
    assert expired.json()["detail"] == EXPIRED
    assert AttendanceRecord.objects.filter(person=learner).count() == 2

"""Demo sessions for the demo township: 17 trainings and meetings over this year, across the
villages, with invitations and attendance for those already held ("举办各类农民科技培训17期").

Deterministic (a fixed random seed) and idempotent: sessions are keyed by their reference
(DEMO-01 … DEMO-17), so running it again adds nothing. Called by `seed_demo` after the people.
"""

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from lms.ledger.models import Track

from .models import AttendanceRecord, SessionKind, TrainingSession
from .registrations import registration_invite
from .scheduling import session_create
from .services import attendance_mark, session_cancel, session_close

CODE_PREFIX = "DEMO-"
# (month, day, hour, topic, kind, track, village index, venue, trainer, hours)
PLAN = [
    (
        1,
        12,
        9,
        "冬季大棚蔬菜管理",
        "农民科技培训",
        Track.SKILLS,
        0,
        "村委会会议室",
        "县农业技术推广站",
        "3",
    ),
    (2, 9, 14, "党课：学习贯彻党的二十大精神", "党课", Track.PARTY, 1, "党员活动室", "乡党委", "2"),
    (
        3,
        5,
        9,
        "马铃薯脱毒种薯繁育",
        "农民科技培训",
        Track.SKILLS,
        2,
        "村委会会议室",
        "县农业技术推广站",
        "3",
    ),
    (3, 18, 9, "春季果树修剪", "农民科技培训", Track.SKILLS, 3, "果园示范点", "县林业站", "2"),
    (4, 8, 9, "肉牛科学养殖", "农民科技培训", Track.SKILLS, 4, "村文化室", "县畜牧兽医站", "3"),
    (4, 22, 14, "“两委”会议：春耕生产安排", "“两委”会议", Track.PARTY, 0, "村委会会议室", "", "1"),
    (
        5,
        13,
        9,
        "农村电商与直播带货",
        "集中培训",
        Track.SKILLS,
        5,
        "电商服务站",
        "县电商服务中心",
        "4",
    ),
    (5, 27, 9, "病虫害绿色防控", "农民科技培训", Track.SKILLS, 6, "村委会会议室", "县植保站", "2"),
    (6, 10, 15, "支部会议：发展党员", "支部会议", Track.PARTY, 7, "党员活动室", "", "1"),
    (
        6,
        24,
        9,
        "中药材规范化种植",
        "农民科技培训",
        Track.SKILLS,
        8,
        "村委会会议室",
        "县农业技术推广站",
        "3",
    ),
    (
        7,
        15,
        9,
        "家禽养殖与疫病防控",
        "农民科技培训",
        Track.SKILLS,
        9,
        "村文化室",
        "县畜牧兽医站",
        "2",
    ),
    (
        8,
        19,
        9,
        "小杂粮高产栽培",
        "农民科技培训",
        Track.SKILLS,
        10,
        "村委会会议室",
        "县农业技术推广站",
        "2",
    ),
    (9, 9, 14, "党员大会：学习党章", "党员会议", Track.PARTY, 11, "党员活动室", "乡党委", "2"),
    (
        10,
        14,
        9,
        "农产品质量安全",
        "集中培训",
        Track.SKILLS,
        12,
        "村委会会议室",
        "县农产品质量检测站",
        "2",
    ),
    (
        11,
        4,
        9,
        "农机安全使用与维护",
        "农民科技培训",
        Track.SKILLS,
        13,
        "农机合作社",
        "县农机推广站",
        "2",
    ),
    (11, 25, 14, "群众大会：冬季防火", "群众大会", Track.PARTY, 14, "村广场", "", "1"),
    (
        12,
        9,
        9,
        "冬季设施农业",
        "农民科技培训",
        Track.SKILLS,
        15,
        "村委会会议室",
        "县农业技术推广站",
        "3",
    ),
]
# One session was called off (rain), to show a cancellation: it has invitations, no records.
CANCELLED_NUMBER = 8
STATUS_WEIGHTS = [
    (AttendanceRecord.Status.PRESENT, 70),
    (AttendanceRecord.Status.LATE, 10),
    (AttendanceRecord.Status.EXCUSED, 8),
    (AttendanceRecord.Status.ABSENT, 12),
]
METHODS = [
    AttendanceRecord.Method.QR,
    AttendanceRecord.Method.QR,
    AttendanceRecord.Method.CODE,
    AttendanceRecord.Method.ROLL_CALL,
    AttendanceRecord.Method.IMPORT,
]


def _aware(year: int, month: int, day: int, hour: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour))


@transaction.atomic
def seed_sessions(township, *, year: int | None = None) -> dict:
    """Create the demo year's sessions (those missing) and their attendance; returns counts."""
    rng = random.Random(20260305)
    year = year or timezone.localdate().year
    villages = list(township.villages.order_by("pk"))
    organizer = get_user_model().objects.filter(username="organizer").first()
    now = timezone.now()
    created = records = 0
    for number, row in enumerate(PLAN, start=1):
        month, day, hour, topic, kind_name, track, village_index, venue, trainer, hours = row
        code = f"{CODE_PREFIX}{number:02d}"
        if TrainingSession.objects.filter(code=code).exists():
            continue
        village = villages[village_index % len(villages)]
        starts_at = _aware(year, month, day, hour)
        session = session_create(
            kind=SessionKind.objects.get_or_create(name=kind_name)[0],
            topic=topic,
            track=track,
            village=village,
            venue=venue,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=max(1, int(Decimal(hours)))),
            trainer_name=trainer,
            study_hours=Decimal(hours),
            capacity=60 if kind_name == "集中培训" else None,
            audience=TrainingSession.Audience.PARTY_MEMBERS
            if track == Track.PARTY and kind_name != "群众大会"
            else TrainingSession.Audience.EVERYONE,
            code=code,
            by=organizer,
        )
        created += 1
        registration_invite(
            session=session,
            village=village,
            party_members_only=session.audience == TrainingSession.Audience.PARTY_MEMBERS,
            by=organizer,
        )
        if number == CANCELLED_NUMBER:
            session_cancel(session=session, by=organizer)
            continue
        if session.ends_at > now:
            continue
        statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
        for registration in session.registrations.select_related("person"):
            status = rng.choices(statuses, weights)[0]
            attendance_mark(
                session=session,
                person=registration.person,
                status=status,
                method=rng.choice(METHODS),
                by=organizer,
                at=starts_at + datetime.timedelta(minutes=rng.randint(-20, 25)),
                excused_by="村支书" if status == AttendanceRecord.Status.EXCUSED else "",
            )
            records += 1
        session_close(session=session)
    return {"created": created, "records": records}


def seed_sessions_near(township, *, now: datetime.datetime | None = None) -> TrainingSession:
    """A session today, open for sign-in now, and one tomorrow morning, in the demo
    organizer's first village (东沟村), so that QR sign-in and the projector screen can be
    tried at once whatever the day. Made once per day (their codes carry the date);
    returns today's."""
    now = timezone.localtime(now or timezone.now())
    village = township.villages.order_by("pk").first()
    organizer = get_user_model().objects.filter(username="organizer").first()
    kind = SessionKind.objects.get_or_create(name="农民科技培训")[0]
    start_today = now.replace(minute=0, second=0, microsecond=0)
    tomorrow = timezone.make_aware(
        datetime.datetime.combine(now.date() + datetime.timedelta(days=1), datetime.time(9))
    )
    made = []
    for starts_at, topic, venue in (
        (start_today, "今日培训：冬季大棚管理", "村委会会议室"),
        (tomorrow, "明日培训：农产品电商入门", "村文化活动室"),
    ):
        code = f"{CODE_PREFIX}{timezone.localtime(starts_at):%Y%m%d}"
        session = TrainingSession.objects.filter(code=code).first()
        if session is None:
            session = session_create(
                kind=kind,
                topic=topic,
                track=Track.SKILLS,
                village=village,
                venue=venue,
                starts_at=starts_at,
                ends_at=starts_at + datetime.timedelta(hours=3),
                trainer_name="县农业技术推广站",
                study_hours=Decimal("2"),
                audience=TrainingSession.Audience.EVERYONE,
                code=code,
                by=organizer,
                allow_clashes=True,  # a demo's own plan may share the hall with these
            )
            registration_invite(
                session=session, village=village, party_members_only=False, by=organizer
            )
        made.append(session)
    return made[0]

"""A small township month with every tricky case the figures must get right.

东沟乡, March 2026 (the range), on a clock fixed at 2026-04-15:
- s1  3月1日 09:00 东沟村, skills, 农民科技培训: 张一 present, 张二 late (both of household 1),
      王三 excused, 李四 (西沟村, household 2) present, 赵五 present then corrected to absent
- s2  3月31日 23:30 东沟村, party, 党课: 张一 present (a person in two sessions)
- s3  3月10日 西沟村, cancelled, 王三 absent
- s4  3月20日 西沟村, planned and over, nobody recorded: it still counts as held
- before  2月28日 23:39 and after 4月1日 00:10 东沟村: 张一 present at both (outside the range)
"""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from attendance.models import AttendanceRecord, TrainingSession
from attendance.services import attendance_mark
from lms.ledger.models import Track
from tests.factories.attendance import TrainingSessionFactory, kind
from tests.factories.people import HouseholdFactory, PersonFactory

Status = AttendanceRecord.Status
Method = AttendanceRecord.Method
NOW = timezone.make_aware(datetime.datetime(2026, 4, 15, 12, 0))
MARCH = (datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))


def local(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


def session_at(village, starts, **fields):
    return TrainingSessionFactory(
        village=village,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(minutes=20),
        study_hours=Decimal("2.0"),
        **fields,
    )


@pytest.fixture
def month(village_a, village_b):
    """The month above; returns its sessions and people by name."""
    household_1 = HouseholdFactory(village=village_a, number="1")
    household_2 = HouseholdFactory(village=village_b, number="2")
    people = {
        "张一": PersonFactory(
            name="张一", village=village_a, household=household_1, is_party_member=True
        ),
        "张二": PersonFactory(name="张二", village=village_a, household=household_1),
        "王三": PersonFactory(name="王三", village=village_a, is_party_member=True),
        "李四": PersonFactory(name="李四", village=village_b, household=household_2),
        "赵五": PersonFactory(name="赵五", village=village_a),
    }
    sessions = {
        "s1": session_at(village_a, local(2026, 3, 1, 9, 0), track=Track.SKILLS),
        "s2": session_at(
            village_a, local(2026, 3, 31, 23, 30), track=Track.PARTY, kind=kind("党课")
        ),
        "s3": session_at(village_b, local(2026, 3, 10, 9, 0)),
        "s4": session_at(village_b, local(2026, 3, 20, 9, 0)),
        "before": session_at(village_a, local(2026, 2, 28, 23, 39)),
        "after": session_at(village_a, local(2026, 4, 1, 0, 10)),
    }

    def mark(session, name, status):
        attendance_mark(
            session=sessions[session],
            person=people[name],
            status=status,
            method=Method.ROLL_CALL,
            at=sessions[session].starts_at,
        )

    mark("s1", "张一", Status.PRESENT)
    mark("s1", "张二", Status.LATE)
    mark("s1", "王三", Status.EXCUSED)
    mark("s1", "李四", Status.PRESENT)
    mark("s1", "赵五", Status.PRESENT)
    mark("s1", "赵五", Status.ABSENT)  # corrected
    mark("s2", "张一", Status.PRESENT)
    mark("s3", "王三", Status.ABSENT)
    TrainingSession.objects.filter(pk=sessions["s3"].pk).update(
        status=TrainingSession.Status.CANCELLED
    )
    mark("before", "张一", Status.PRESENT)
    mark("after", "张一", Status.PRESENT)
    return {"people": people, "sessions": sessions}

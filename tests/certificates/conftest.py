import pytest

from attendance.models import AttendanceRecord
from attendance.services import attendance_mark
from certificates.models import Kind
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.certificates import published_template
from tests.factories.people import PersonFactory

Status = AttendanceRecord.Status


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_ROOT = str(tmp_path / "private")


@pytest.fixture
def coded_township(township):
    township.code = "DG"
    township.save()
    return township


@pytest.fixture
def training_template(db):
    return published_template(Kind.TRAINING)


@pytest.fixture
def training(coded_township, village_a):
    """A held training: 张秀英 present, 李四 late, 王五 left early, 赵六 absent."""
    session = TrainingSessionFactory(village=village_a, topic="马铃薯脱毒种薯繁育")
    people = {}
    for name, status in (
        ("张秀英", Status.PRESENT),
        ("李四", Status.LATE),
        ("王五", Status.LEFT_EARLY),
        ("赵六", Status.ABSENT),
    ):
        people[name] = PersonFactory(name=name, village=village_a)
        attendance_mark(
            session=session,
            person=people[name],
            status=status,
            method=AttendanceRecord.Method.ROLL_CALL,
        )
    return session, people

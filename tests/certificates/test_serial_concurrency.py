"""Two organizers issuing at the same moment never draw the same serial (PostgreSQL, threads)."""

from attendance.models import AttendanceRecord
from attendance.services import attendance_mark
from certificates import services
from certificates.models import Certificate, Kind, SerialCounter
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.certificates import published_template
from tests.factories.people import PersonFactory
from tests.parallel import (  # noqa: F401  (fixtures, used by name)
    fail_in_ci_without_postgresql,
    in_parallel,
    postgresql_only,
    restore_migrated_data,
)

pytestmark = postgresql_only
PEOPLE = 40


def test_forty_simultaneous_issues_draw_forty_distinct_serials_in_order(village_a):
    published_template(Kind.TRAINING)
    session = TrainingSessionFactory(village=village_a)
    people = [PersonFactory(village=village_a) for _ in range(PEOPLE)]
    for person in people:
        attendance_mark(
            session=session,
            person=person,
            status=AttendanceRecord.Status.PRESENT,
            method=AttendanceRecord.Method.ROLL_CALL,
        )

    def issue(index):
        # Each person twice at once, as two organizers pressing the button together.
        person = people[index % PEOPLE]
        return services.training_certificate_issue(session=session, person=person)[0].serial

    serials = in_parallel(issue, 2 * PEOPLE)

    assert Certificate.objects.count() == PEOPLE
    stored = sorted(Certificate.objects.values_list("serial", flat=True))
    assert sorted(set(serials)) == stored
    year = session.local_date.year
    numbers = sorted(int(serial.rsplit("-", 1)[1]) for serial in stored)
    assert numbers[0] == 1 and len(set(numbers)) == PEOPLE
    assert SerialCounter.objects.get(year=year).last >= numbers[-1]

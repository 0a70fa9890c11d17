"""Issuing: who earns which certificate, serials, issuing twice, revoking, and the program's
certificate noticed from the ledger."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from attendance.models import AttendanceRecord
from attendance.services import attendance_mark
from certificates import content, services
from certificates.exceptions import NotEligible, NoTemplate
from certificates.models import Certificate, Kind
from courses.models import CoursePage
from lms.ledger.models import AnnualRequirement, Track
from tests.conftest import beijing
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.certificates import published_template
from tests.factories.people import PersonFactory, TownshipFactory, VillageFactory

pytestmark = pytest.mark.django_db
Status = AttendanceRecord.Status


def test_a_training_certificate_goes_to_those_who_earned_its_hours(training, training_template):
    session, people = training

    issued = [person.name for person in services.training_certificate_people(session)]

    assert sorted(issued) == sorted(["张秀英", "李四"])  # not 王五 (left early), not 赵六
    with pytest.raises(NotEligible, match="王五"):
        services.training_certificate_issue(session=session, person=people["王五"])
    with pytest.raises(NotEligible, match="赵六"):
        services.training_certificate_issue(session=session, person=people["赵六"])


def test_serials_are_readable_sequential_and_issuing_twice_issues_nothing_new(
    training, training_template
):
    session, people = training

    first, new_first = services.training_certificate_issue(session=session, person=people["张秀英"])
    second, new_second = services.training_certificate_issue(session=session, person=people["李四"])
    again, new_again = services.training_certificate_issue(session=session, person=people["张秀英"])

    year = session.local_date.year
    assert (first.serial, second.serial) == (f"DG-{year}-000001", f"DG-{year}-000002")
    assert (new_first, new_second, new_again) == (True, True, False)
    assert again.pk == first.pk
    assert Certificate.objects.count() == 2
    assert first.subject == "农民科技培训“马铃薯脱毒种薯繁育”"
    assert (first.hours, first.issuer) == (Decimal("2.0"), "中共东沟乡委员会")


def test_a_township_without_a_code_uses_the_platforms_prefix(village_b, training_template):
    other = VillageFactory(township=TownshipFactory(name="西山乡"), name="西山村")
    session = TrainingSessionFactory(village=other)
    person = PersonFactory(village=other)
    attendance_mark(session=session, person=person, status=Status.PRESENT, method="roll_call")

    certificate, _new = services.training_certificate_issue(session=session, person=person)

    assert certificate.serial == f"SY-{session.local_date.year}-000001"


def test_a_revoked_serial_is_never_reused_nor_reissued(training, training_template, superuser):
    session, people = training
    first, _ = services.training_certificate_issue(session=session, person=people["张秀英"])

    services.certificate_revoke(certificate=first, by=superuser, reason="签到记录有误")
    again, new = services.training_certificate_issue(session=session, person=people["张秀英"])
    other, _ = services.training_certificate_issue(session=session, person=people["李四"])

    assert (again.pk, new, again.status) == (first.pk, False, Certificate.Status.REVOKED)
    assert other.serial.endswith("000002")


def test_revoking_needs_a_reason_and_is_logged(training, training_template, superuser):
    from wagtail.models import ModelLogEntry

    session, people = training
    certificate, _ = services.training_certificate_issue(session=session, person=people["李四"])

    with pytest.raises(NotEligible):
        services.certificate_revoke(certificate=certificate, by=superuser, reason="  ")
    services.certificate_revoke(certificate=certificate, by=superuser, reason="重复发放")

    entry = ModelLogEntry.objects.get(action="certificates.revoke")
    assert (entry.user, entry.data["reason"]) == (superuser, "重复发放")


def test_without_a_published_template_nothing_is_issued(training):
    session, people = training

    with pytest.raises(NoTemplate):
        services.training_certificate_issue(session=session, person=people["李四"])
    assert not Certificate.objects.exists()


def test_a_certificate_keeps_the_template_revision_it_was_issued_with(training, training_template):
    session, people = training
    certificate, _ = services.training_certificate_issue(session=session, person=people["李四"])

    training_template.title = "荣誉证书"
    training_template.save_revision().publish()

    assert content.certificate_content(certificate).title == "培训证书"
    newer, _ = services.training_certificate_issue(session=session, person=people["张秀英"])
    assert content.certificate_content(newer).title == "荣誉证书"


def test_the_program_certificate_arrives_when_the_last_session_is_attended(
    coded_township, village_a, tasks_run_here
):
    published_template(Kind.PROGRAM)
    year = 2026
    AnnualRequirement.objects.create(
        township=coded_township,
        year=year,
        total_hours=Decimal("4"),
        party_hours=Decimal("2"),
        skills_hours=Decimal("2"),
        party_sessions=1,
        skills_sessions=1,
    )
    member = PersonFactory(name="刘䶮", village=village_a, is_party_member=True)
    starts = datetime.datetime(year, 5, 1, 1, 0, tzinfo=datetime.UTC)
    sessions = [
        TrainingSessionFactory(
            village=village_a,
            track=track,
            starts_at=starts + datetime.timedelta(days=n),
            ends_at=starts + datetime.timedelta(days=n, hours=2),
        )
        for n, track in enumerate((Track.PARTY, Track.SKILLS))
    ]

    with tasks_run_here() as queued:
        attendance_mark(
            session=sessions[0], person=member, status=Status.PRESENT, method="roll_call"
        )
    assert len(queued) == 1  # the check is queued once the credit commits
    assert not Certificate.objects.filter(kind=Kind.PROGRAM).exists()
    with tasks_run_here():
        attendance_mark(
            session=sessions[1], person=member, status=Status.PRESENT, method="roll_call"
        )

    certificate = Certificate.objects.get(kind=Kind.PROGRAM, person=member)
    assert (certificate.year, certificate.serial) == (year, f"DG-{year}-000001")
    assert certificate.hours == Decimal("4.0")


def test_the_command_prints_serial_tab_name_once(training, training_template):
    session, _people = training
    first, second = io.StringIO(), io.StringIO()

    call_command("issue_certificates", "--session", str(session.pk), stdout=first, verbosity=0)
    call_command("issue_certificates", "--session", str(session.pk), stdout=second, verbosity=0)

    lines = first.getvalue().splitlines()
    year = session.local_date.year
    assert sorted(line.split("\t")[1] for line in lines) == sorted(["李四", "张秀英"])
    assert sorted(line.split("\t")[0] for line in lines) == [
        f"DG-{year}-000001",
        f"DG-{year}-000002",
    ]
    assert second.getvalue() == ""


def test_a_record_corrected_after_issuing_revokes_and_restores_the_certificate(
    training, training_template, organizer_a, tasks_run_here
):
    session, people = training
    person = people["李四"]
    certificate, _ = services.training_certificate_issue(session=session, person=person)

    with tasks_run_here():
        attendance_mark(session=session, person=person, status=Status.ABSENT, method="manual")
    certificate.refresh_from_db()
    assert (certificate.status, certificate.revoked_by_rule) == ("revoked", True)
    assert certificate.revoked_reason == "出勤记录已更正为“缺席”。"

    with tasks_run_here():
        attendance_mark(session=session, person=person, status=Status.PRESENT, method="manual")
    certificate.refresh_from_db()
    assert (certificate.status, certificate.revoked_reason) == ("valid", "")


def test_a_certificate_revoked_by_staff_stays_revoked_when_records_change(
    training, training_template, superuser, tasks_run_here
):
    session, people = training
    person = people["李四"]
    certificate, _ = services.training_certificate_issue(session=session, person=person)
    services.certificate_revoke(certificate=certificate, by=superuser, reason="重复发放")

    with tasks_run_here():
        attendance_mark(session=session, person=person, status=Status.ABSENT, method="manual")
        attendance_mark(session=session, person=person, status=Status.PRESENT, method="manual")

    certificate.refresh_from_db()
    assert (certificate.status, certificate.revoked_reason) == ("revoked", "重复发放")


def test_the_command_issues_the_years_program_to_those_who_met_it(coded_township, village_a):
    from lms.ledger.models import StudyHoursEntry
    from lms.ledger.services import ledger_record

    published_template(Kind.PROGRAM)
    AnnualRequirement.objects.create(
        township=coded_township, year=2026, total_hours=Decimal("3"), party_hours=Decimal("1")
    )
    met = PersonFactory(name="王𫖯", village=village_a, is_party_member=True)
    short = PersonFactory(name="差一点", village=village_a, is_party_member=True)
    for n, (person, hours) in enumerate(((met, "3"), (short, "2.5"))):
        ledger_record(
            person_id=person.pk,
            on=datetime.date(2026, 6, 1),
            hours=Decimal(hours),
            track=Track.PARTY,
            source_kind=StudyHoursEntry.Source.COURSE,
            source_id=900 + n,
        )
    out = io.StringIO()

    call_command("issue_certificates", "--program", "2026", stdout=out, verbosity=0)

    assert out.getvalue() == "DG-2026-000001\t王𫖯\n"


def test_a_session_moved_into_the_next_year_takes_its_credit_out_of_the_old_years_program(
    coded_township, village_a, tasks_run_here
):
    """Corrected from 31 December to 2 January, the session no longer counts for the old
    year: that year's 结业证书, which rested on it, is revoked by the rule."""
    from attendance.scheduling import session_update

    published_template(Kind.PROGRAM)
    AnnualRequirement.objects.create(
        township=coded_township,
        year=2025,
        total_hours=Decimal("2"),
        party_hours=Decimal("2"),
        party_sessions=1,
    )
    member = PersonFactory(name="阿依古丽·买买提", village=village_a, is_party_member=True)
    starts = datetime.datetime(2025, 12, 31, 1, 0, tzinfo=datetime.UTC)  # 09:00 in Beijing
    session = TrainingSessionFactory(
        village=village_a,
        track=Track.PARTY,
        starts_at=starts,
        ends_at=starts + datetime.timedelta(hours=2),
    )
    with tasks_run_here():
        attendance_mark(session=session, person=member, status=Status.PRESENT, method="manual")
    certificate = Certificate.objects.get(kind=Kind.PROGRAM, person=member, year=2025)
    assert certificate.is_valid

    moved = starts + datetime.timedelta(days=2)
    with tasks_run_here():
        session_update(
            session=session,
            data={"starts_at": moved, "ends_at": moved + datetime.timedelta(hours=2)},
        )

    certificate.refresh_from_db()
    assert (certificate.status, certificate.revoked_by_rule) == ("revoked", True)
    assert "1 次集中培训" in certificate.revoked_reason  # what the old year now lacks


@pytest.mark.time_machine(beijing(2026, 5, 20, 10), tick=False)
def test_the_command_refuses_a_course_slug_two_catalogues_share(village_a):
    """Slugs are unique within one catalogue only: the command names the candidates by id and
    issues nothing rather than guess; given the id, it issues that course's certificates."""
    from django.core.management.base import CommandError
    from django.utils import timezone
    from wagtail.models import Page

    from courses.models import CourseIndexPage, Enrollment
    from tests.factories.courses import catalogue

    published_template(Kind.COURSE)
    this_year = CoursePage(title="学习党章", slug="dangzhang", track=Track.PARTY)
    catalogue().add_child(instance=this_year)
    home = Page.objects.get(depth=2)
    archive = home.add_child(instance=CourseIndexPage(title="2025年课程", slug="courses-2025"))
    last_year = CoursePage(title="学习党章（2025）", slug="dangzhang", track=Track.PARTY)
    archive.add_child(instance=last_year)
    person = PersonFactory(name="张秀英", village=village_a)
    Enrollment.objects.create(
        person=person,
        course=last_year,
        source=Enrollment.Source.SELF,
        status=Enrollment.Status.COMPLETED,
        completed_at=timezone.now(),
    )

    with pytest.raises(CommandError) as refused:
        call_command("issue_certificates", "--course", "dangzhang", verbosity=0)
    assert not Certificate.objects.exists()
    message = str(refused.value)
    assert "dangzhang" in message
    assert f"--course {this_year.pk}" in message and f"--course {last_year.pk}" in message
    assert "/courses-2025/dangzhang/" in message
    assert "课程" in message  # translated, not the English text

    out = io.StringIO()
    call_command("issue_certificates", "--course", str(last_year.pk), stdout=out, verbosity=0)
    certificate = Certificate.objects.get()
    assert out.getvalue() == f"{certificate.serial}\t张秀英\n"
    assert certificate.enrollment.course_id == last_year.pk


# --- Each township's own template ---------------------------------------------------------------


def test_each_certificate_carries_its_holders_townships_issuing_body(
    client, training, coded_township, organizer_a, tasks_run_here
):
    """In a county, 西沟乡's template published last does not print 东沟乡's certificates;
    a township without its own template gets the county-wide one."""
    from certificates import batches

    session, people = training
    xigou = TownshipFactory(name="西沟乡", code="XG")
    nanshan = TownshipFactory(name="南山乡")
    from_xigou = PersonFactory(name="西沟来人", village=VillageFactory(township=xigou))
    from_nanshan = PersonFactory(name="南山来人", village=VillageFactory(township=nanshan))
    for visitor in (from_xigou, from_nanshan):
        attendance_mark(session=session, person=visitor, status=Status.PRESENT, method="roll_call")
    published_template(Kind.TRAINING, name="县通用", issuer="中共某县委组织部")
    published_template(
        Kind.TRAINING, name="东沟", issuer="中共东沟乡委员会", township=coded_township
    )
    published_template(Kind.TRAINING, name="西沟", issuer="中共西沟乡委员会", township=xigou)

    with tasks_run_here():
        batch = batches.training_batch_request(session=session, by=organizer_a)
    batch.refresh_from_db()

    def shown(person) -> str:
        certificate = Certificate.objects.get(session=session, person=person)
        return client.get(f"/verify/{certificate.serial}/").content.decode()

    assert (batch.done, batch.errors) == (4, [])
    assert "中共东沟乡委员会" in shown(people["张秀英"])
    assert "中共西沟乡委员会" not in shown(people["张秀英"])
    assert "中共西沟乡委员会" in shown(from_xigou)
    assert "中共某县委组织部" in shown(from_nanshan)


def test_without_its_own_or_a_shared_template_a_township_issues_nothing(training):
    session, people = training
    published_template(
        Kind.TRAINING, issuer="中共西沟乡委员会", township=TownshipFactory(name="西沟乡")
    )

    with pytest.raises(NoTemplate) as refused:
        services.training_certificate_issue(session=session, person=people["张秀英"])

    assert "东沟乡" in str(refused.value)
    assert not Certificate.objects.exists()


def test_an_administrator_gives_a_template_its_township_in_the_admin(
    client, administrator, coded_township
):
    published_template(Kind.TRAINING, name="东沟乡培训证书", township=coded_township)
    published_template(Kind.COURSE, name="全县课程证书")
    client.force_login(administrator)

    form = client.get("/admin/snippets/certificates/certificatetemplate/add/").content.decode()
    listing = client.get("/admin/snippets/certificates/certificatetemplate/").content.decode()

    assert 'name="township"' in form and "东沟乡" in form
    assert "东沟乡培训证书" in listing and "全县通用" in listing

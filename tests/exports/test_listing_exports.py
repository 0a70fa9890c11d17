"""Every admin listing's export holds exactly the rows the listing holds (scope, filters and
search applied), says so in its last line, and costs the same number of queries for 5 rows
as for 20."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from attendance.models import AttendanceRecord
from certificates.models import Certificate, Kind
from courses.models import Enrollment
from tests.conftest import beijing
from tests.exports.support import export_rows
from tests.factories import courses as build
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory, TownshipFactory, VillageFactory

pytestmark = pytest.mark.django_db
_serials = itertools.count(1)


def people(village, n):
    return [PersonFactory(village=village, name=f"{village.name}{i}号") for i in range(n)]


def make_records(village, n):
    session = TrainingSessionFactory(village=village, starts_at=beijing(2026, 3, 5, 9, 0))
    for i, person in enumerate(people(village, n)):
        AttendanceRecord.objects.create(
            session=session,
            person=person,
            status="present" if i % 3 else "absent",
            method="qr",
            signed_in_at=beijing(2026, 3, 5, 8, 50) if i % 3 else None,
        )


def make_sessions(village, n):
    for i in range(n):
        TrainingSessionFactory(
            village=village,
            topic=f"{village.name}培训{i}",
            starts_at=beijing(2026, 3, 5 + i, 9, 0),
            status="held" if i % 2 else "planned",
        )


def make_people(village, n):
    for i, person in enumerate(people(village, n)):
        person.is_party_member = bool(i % 2)
        person.save()


def make_enrollments(village, n):
    course = build.course(f"{village.name}课程")
    for i, person in enumerate(people(village, n)):
        Enrollment.objects.create(
            person=person,
            course=course,
            source="self",
            status="completed" if i % 2 else "active",
            completed_at=beijing(2026, 3, 5, 9, 0) if i % 2 else None,
        )


def make_certificates(village, n):
    session = TrainingSessionFactory(village=village)
    for i, person in enumerate(people(village, n)):
        Certificate.objects.create(
            serial=f"DG-2026-{next(_serials):06d}",
            person=person,
            kind=Kind.TRAINING if i % 2 else Kind.RECORD,
            session=session if i % 2 else None,
            year=2026,
            subject="大棚蔬菜",
            hours=Decimal("2.0"),
            issuer="东沟乡",
        )


# (URL, a filter the listing offers, rows of a village, the exported column naming the
# row's village or its person's name)
LISTINGS = {
    "attendance records": ("/admin/attendance/records/", {"status": "present"}, make_records),
    "sessions": ("/admin/attendance/sessions/", {"status": "held"}, make_sessions),
    "people": ("/admin/people/", {"is_party_member": "true"}, make_people),
    "enrollments": ("/admin/course_enrollments/", {"status": "completed"}, make_enrollments),
    "certificates": ("/admin/certificates/issued/", {"kind": Kind.TRAINING}, make_certificates),
}


def listing_count(client, url, params) -> int:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.context["items_count"]


@pytest.fixture
def both_villages(village_a, village_b):
    def make(listing, n_a=7, n_b=4):
        maker = LISTINGS[listing][2]
        maker(village_a, n_a)
        maker(village_b, n_b)

    return make


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
@pytest.mark.parametrize("listing", LISTINGS)
def test_export_holds_the_listings_rows_filtered_and_in_scope(
    client, organizer_a, both_villages, listing, export_format
):
    url, params, _make = LISTINGS[listing]
    both_villages(listing)
    client.force_login(organizer_a)

    for query in ({}, params, {"q": "1"}):
        rows = export_rows(client.get(url, {**query, "export": export_format}))
        assert len(rows) - 1 == listing_count(client, url, query) > 0
        text = "\n".join(",".join(row) for row in rows)
        assert "西沟村" not in text  # the organizer's villages only: 东沟村


def test_a_secretary_exports_only_their_village_even_asking_for_another(
    client, secretary_a, village_b, both_villages
):
    both_villages("attendance records")
    client.force_login(secretary_a)

    rows = export_rows(
        client.get(
            "/admin/attendance/records/", {"session__village": village_b.pk, "export": "csv"}
        )
    )

    assert rows[1:] == [] or {row[4] for row in rows[1:]} == {"东沟村"}


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
@pytest.mark.parametrize("listing", LISTINGS)
def test_export_queries_do_not_grow_with_rows(
    client, township_staff, village_a, django_assert_max_num_queries, listing, export_format
):
    url, _params, make = LISTINGS[listing]
    make(village_a, 5)
    client.force_login(township_staff)
    export_rows(client.get(url, {"export": export_format}))  # warm caches (content types)
    with CaptureQueriesContext(connection) as few:
        export_rows(client.get(url, {"export": export_format}))
    make(village_a, 15)

    with django_assert_max_num_queries(len(few)):
        rows = export_rows(client.get(url, {"export": export_format}))

    assert len(rows) - 1 == listing_count(client, url, {})


def test_records_export_names_labels_and_local_times(client, organizer_a, village_a):
    make_records(village_a, 2)
    client.force_login(organizer_a)

    for export_format in ("csv", "xlsx"):
        header, *rows = export_rows(
            client.get("/admin/attendance/records/", {"export": export_format})
        )
        by_name = {row[header.index("姓名")]: dict(zip(header, row, strict=True)) for row in rows}
        assert by_name["东沟村1号"] == {
            "开始时间": "2026-03-05 09:00",
            "培训主题": by_name["东沟村1号"]["培训主题"],
            "培训村": "东沟村",
            "姓名": "东沟村1号",
            "村": "东沟村",
            "签到状态": "出席",
            "签到方式": "扫码签到",
            "签到时间": "2026-03-05 08:50",
            "准假人": "",
            "记录人": "",
        }
        assert by_name["东沟村0号"]["签到时间"] == ""


def test_people_export_reads_back_through_the_roster_import(client, administrator, village_a):
    """The end line has nothing under the import's columns, so the import leaves it out."""
    from lms.imports.tables import read_table
    from lms.people.roster import COLUMN_ALIASES, REQUIRED_COLUMNS

    PersonFactory(village=village_a, name="张东沟", birth_date=datetime.date(1980, 5, 17))
    client.force_login(administrator)

    for export_format in ("csv", "xlsx"):
        response = client.get("/admin/people/", {"export": export_format})
        data = b"".join(response.streaming_content)

        rows = read_table(
            data, f"people.{export_format}", aliases=COLUMN_ALIASES, required=REQUIRED_COLUMNS
        )

        assert [row.values["name"] for row in rows] == ["张东沟"]


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_villages_export_holds_the_township_staffs_villages(
    client, township_staff, village_a, village_b, export_format
):
    VillageFactory(name="河口村", township=TownshipFactory(name="西河镇"))
    client.force_login(township_staff)

    rows = export_rows(client.get("/admin/villages/", {"export": export_format}))

    assert len(rows) - 1 == listing_count(client, "/admin/villages/", {})
    assert sorted(rows[1:]) == [["东沟乡", "东沟村"], ["东沟乡", "西沟村"]]

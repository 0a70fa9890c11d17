"""The same figures on the statistics page, in the exports, the command and the API, each
within the asker's villages."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from openpyxl import load_workbook

from lms.people.models import Village
from lms.people.services import api_token_create, person_account_create
from lms.stats.models import StatsExport
from lms.stats.services import stats_export_build
from tests.conftest import PASSWORD
from tests.factories.people import PersonFactory

from .conftest import MARCH

pytestmark = pytest.mark.django_db
RANGE = {"date_from": MARCH[0].isoformat(), "date_to": MARCH[1].isoformat()}


# --- The statistics page ----------------------------------------------------------------------


def test_the_page_shows_the_townships_figures_to_township_staff(
    client, month, township_staff, django_assert_max_num_queries
):
    client.force_login(township_staff)

    with django_assert_max_num_queries(40):
        response = client.get(reverse("stats:index"), RANGE)

    assert response.status_code == 200
    overview = response.context["overview"]
    assert overview.totals.as_dict() == {
        "sessions": 3,
        "person_times": 4,
        "people": 3,
        "households": 2,
    }
    page = response.content.decode()
    assert "东沟村" in page and "西沟村" in page
    for chart in ("各村参加人次", "逐月参加人次", "党性教育与技能培训"):
        assert f'aria-label="{chart}"' in page


def test_the_pages_queries_do_not_grow_with_the_data(
    client, month, township_staff, village_a, django_assert_num_queries
):
    client.force_login(township_staff)
    client.get(reverse("stats:index"), RANGE)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(reverse("stats:index"), RANGE)
    for n in range(30):
        Village.objects.create(township=village_a.township, name=f"新村{n}")
        PersonFactory(village=village_a, is_party_member=True)

    with django_assert_num_queries(len(small.captured_queries)):
        client.get(reverse("stats:index"), RANGE)


def test_a_secretary_sees_only_her_villages_figures(client, month, secretary_a, village_b):
    client.force_login(secretary_a)

    mine = client.get(reverse("stats:index"), RANGE)
    theirs = client.get(reverse("stats:index"), {**RANGE, "village": village_b.pk})

    assert [row.key for row in mine.context["overview"].breakdowns["village"]] == ["东沟村"]
    assert mine.context["overview"].totals.person_times == 3
    assert "西沟村" not in mine.content.decode()
    # Another village is not a choice she has: the form refuses it, nothing is shown.
    assert "overview" not in theirs.context


def test_learners_are_kept_out_of_the_statistics(client, month):
    learner = PersonFactory()
    person_account_create(person=learner, password=PASSWORD)
    client.force_login(learner.user)

    assert client.get(reverse("stats:index"), RANGE).status_code in (302, 403)
    assert client.get(reverse("stats:download"), {**RANGE, "format": "csv"}).status_code in (
        302,
        403,
    )


def test_a_reversed_range_says_so(client, township_staff):
    client.force_login(township_staff)

    response = client.get(
        reverse("stats:index"), {"date_from": "2026-03-31", "date_to": "2026-03-01"}
    )

    assert "overview" not in response.context
    assert "结束日期早于开始日期" in response.content.decode()


# --- Exports ------------------------------------------------------------------------------------


def test_the_xlsx_is_the_countys_form(client, month, township_staff, village_a):
    village_a.name = "=HYPERLINK(1)"
    village_a.save()
    client.force_login(township_staff)

    response = client.get(reverse("stats:download"), {**RANGE, "format": "xlsx"})

    book = load_workbook(io.BytesIO(response.content))
    sheet = book["村"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][0] == "培训统计（按村）"
    assert values[1][0] == "填报单位：东沟乡"
    assert values[2][0].startswith("填报时间：")
    assert values[4] == ["村", "举办期数", "参加人次", "参加人数", "参加户数"]
    assert values[5:] == [
        ["=HYPERLINK(1)", 2, 3, 2, 1],
        ["西沟村", 1, 1, 1, 1],
        ["合计", 3, 4, 3, 2],
    ]
    assert sheet.cell(row=6, column=1).data_type == "s"  # text, never a formula
    assert book.sheetnames == ["村", "月份", "类别", "类型", "培训场次"]


def test_the_csv_has_chinese_columns_and_a_totals_row(client, month, township_staff):
    client.force_login(township_staff)

    response = client.get(reverse("stats:download"), {**RANGE, "format": "csv", "by": "month"})

    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [
        ["月份", "举办期数", "参加人次", "参加人数", "参加户数"],
        ["2026-03", "3", "4", "3", "2"],
        ["合计", "3", "4", "3", "2"],
    ]


def test_the_pdf_prints_the_figures_and_charts(client, month, township_staff, tmp_path):
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils is not installed (make test installs it)")
    client.force_login(township_staff)

    response = client.get(reverse("stats:download"), {**RANGE, "format": "pdf"})

    assert response["Content-Type"] == "application/pdf"
    path = tmp_path / "stats.pdf"
    path.write_bytes(response.content)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "培训统计" in text and "东沟村" in text and "合计" in text


def test_a_year_is_exported_by_a_task_with_progress(
    client, month, township_staff, django_capture_on_commit_callbacks
):
    client.force_login(township_staff)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.get(
            reverse("stats:download"),
            {"date_from": "2026-01-01", "date_to": "2026-12-31", "format": "xlsx"},
        )

    export = StatsExport.objects.get()
    assert response.url == reverse("stats:export", args=[export.pk])
    assert len(callbacks) == 1 and export.status == StatsExport.Status.QUEUED
    waiting = client.get(response.url)
    assert '<progress id="export-progress"' in waiting.content.decode()

    stats_export_build(export_id=export.pk)
    stats_export_build(export_id=export.pk)  # a second run changes nothing

    export.refresh_from_db()
    assert (export.status, export.progress) == (StatsExport.Status.READY, 100)
    ready = client.get(response.url)
    download = client.get(reverse("stats:export_file", args=[export.pk]))
    assert reverse("stats:export_file", args=[export.pk]) in ready.content.decode()
    book = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    assert book["村"].cell(row=8, column=1).value == "合计"


def test_nobody_else_downloads_my_export(client, month, township_staff, secretary_a):
    client.force_login(township_staff)
    client.get(
        reverse("stats:download"),
        {"date_from": "2026-01-01", "date_to": "2026-12-31", "format": "csv"},
    )
    export = StatsExport.objects.get()
    client.force_login(secretary_a)

    assert client.get(reverse("stats:export_file", args=[export.pk])).status_code in (302, 403)


# --- The command ---------------------------------------------------------------------------------


def test_the_command_prints_the_reports_json(month):
    out = io.StringIO()

    call_command(
        "attendance_report",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--format",
        "json",
        stdout=out,
    )

    data = json.loads(out.getvalue())
    assert data["from"] == "2026-03-01" and data["to"] == "2026-03-31"
    assert data["totals"] == {"sessions": 3, "person_times": 4, "people": 3, "households": 2}
    assert [(row["key"], row["person_times"]) for row in data["rows"]] == [
        ("东沟村", 3),
        ("西沟村", 1),
    ]


def test_the_command_writes_xlsx_by_session(month, tmp_path):
    path = tmp_path / "report.xlsx"

    call_command(
        "attendance_report",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--by",
        "session",
        "-o",
        str(path),
        verbosity=0,
    )

    sheet = load_workbook(path).active
    assert sheet.cell(row=5, column=1).value == "培训场次"
    assert [sheet.cell(row=r, column=3).value for r in range(6, 10)] == [3, 0, 1, 4]


def test_the_command_refuses_a_bad_date_in_chinese(month):
    with pytest.raises(CommandError, match="不是日期"):
        call_command("attendance_report", "--from", "2026-13-01")


def test_the_command_keeps_the_pages_limit_of_five_years(month):
    """The range rule is the page's and the API's: the command asks the same question."""
    with pytest.raises(CommandError, match="五年"):
        call_command("attendance_report", "--from", "2020-01-01", "--to", "2026-12-31")
    with pytest.raises(CommandError, match="结束日期早于开始日期"):
        call_command("attendance_report", "--from", "2026-03-01", "--to", "2026-02-01")


# --- The API -----------------------------------------------------------------------------------


def _api(client, user, path, **params):
    return client.get(
        f"/api/v1/stats/{path}",
        params,
        HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user)}",
    )


def test_the_api_gives_the_same_report_scoped_by_role(client, month, township_staff, secretary_a):
    staff = _api(client, township_staff, "report", **{"from": "2026-03-01", "to": "2026-03-31"})
    secretary = _api(client, secretary_a, "report", **{"from": "2026-03-01", "to": "2026-03-31"})

    assert staff.status_code == 200
    assert staff.json()["totals"] == {
        "sessions": 3,
        "person_times": 4,
        "people": 3,
        "households": 2,
    }
    assert [row["key"] for row in secretary.json()["rows"]] == ["东沟村"]
    assert secretary.json()["totals"]["person_times"] == 3


def test_the_api_overview_and_refusals(client, month, township_staff):
    learner = PersonFactory()
    person_account_create(person=learner, password=PASSWORD)

    overview = _api(
        client, township_staff, "overview", **{"from": "2026-03-01", "to": "2026-03-31"}
    )
    refused = _api(client, learner.user, "overview", **{"from": "2026-03-01", "to": "2026-03-31"})
    reversed_range = _api(
        client, township_staff, "report", **{"from": "2026-03-31", "to": "2026-03-01"}
    )

    assert overview.json()["online_study"]["members"] == 2
    assert overview.json()["study_hours"]["total"]["total"] == 8.0
    assert refused.status_code == 403
    assert reversed_range.status_code == 422
    assert reversed_range.json()["detail"] == "结束日期早于开始日期。"


def test_the_api_refuses_a_range_longer_than_five_years_as_the_page_does(
    client, month, township_staff
):
    """The five-year limit lived in the page's form alone; the API asked for a century."""
    century = _api(client, township_staff, "report", **{"from": "2000-01-01", "to": "2099-12-31"})
    client.force_login(township_staff)
    page = client.get("/admin/stats/", {"date_from": "2000-01-01", "date_to": "2099-12-31"})

    assert century.status_code == 422
    assert century.json()["detail"] == str(page.context["form"].non_field_errors()[0])


def test_a_day_at_the_calendars_edge_is_counted_not_a_crash(client, month, township_staff):
    """0001-01-01 and 9999-12-31 have no midnight in Beijing that the database can store in
    UTC (found by fuzzing the API): they stand for the first and the last moment."""
    for day in ("0001-01-01", "9999-12-31"):
        answer = _api(client, township_staff, "overview", **{"from": day, "to": day})

        assert answer.status_code == 200, day
        assert answer.json()["totals"]["sessions"] == 0


def test_the_last_month_of_the_calendar_has_its_row_not_a_crash(client, month, township_staff):
    """By month, December 9999 was followed by a month that cannot be: an error page."""
    answer = _api(
        client, township_staff, "report", by="month", **{"from": "9999-12-01", "to": "9999-12-31"}
    )

    assert answer.status_code == 200
    assert [row["key"] for row in answer.json()["rows"]] == ["9999-12"]


def test_a_secretarys_export_holds_only_her_village(client, month, secretary_a):
    client.force_login(secretary_a)

    response = client.get(reverse("stats:download"), {**RANGE, "format": "csv", "by": "village"})

    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8").lstrip("\ufeff"))))
    assert rows[1:] == [["东沟村", "2", "3", "2", "1"], ["合计", "2", "3", "2", "1"]]


def test_the_api_shows_targets_to_township_staff_only(
    client, month, township, township_staff, secretary_a
):
    from lms.stats.models import AnnualTarget
    from tests.factories.attendance import kind

    AnnualTarget.objects.create(
        township=township, year=2026, kind=kind("农民科技培训"), sessions=17, person_times=2500
    )

    staff = _api(client, township_staff, "targets", year=2026)
    secretary = _api(client, secretary_a, "targets", year=2026)

    assert [(t["kind"], t["sessions_target"], t["person_times_target"]) for t in staff.json()] == [
        ("农民科技培训", 17, 2500)
    ]
    assert secretary.json() == []


def test_the_command_narrows_to_a_village(month):
    out = io.StringIO()

    call_command(
        "attendance_report",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--township",
        "东沟乡",
        "--village",
        "西沟",
        "--format",
        "json",
        stdout=out,
    )

    data = json.loads(out.getvalue())
    assert data["totals"] == {"sessions": 1, "person_times": 1, "people": 1, "households": 1}

"""A listing too long for a request is exported by a task: the admin shows its progress, then
the file, which holds the listing's rows (scope and filters as when asked) and no one
else's download."""

import pytest
from django.urls import reverse
from django.utils import translation

from lms.exports import views as export_views
from lms.exports.models import ListingExport
from lms.exports.services import listing_export_build, listing_export_request
from lms.exports.tasks import listing_export_task
from tests.exports.support import complete_rows, export_file_rows, export_rows
from tests.exports.test_listing_exports import make_records

pytestmark = pytest.mark.django_db
RECORDS = "/admin/attendance/records/"


@pytest.fixture
def small_requests(settings):
    """Answered at once up to 3 rows: more become a task."""
    settings.EXPORT_DIRECT_MAX_ROWS = 3


@pytest.fixture
def records(village_a, village_b):
    make_records(village_a, 9)  # 6 present, 3 absent
    make_records(village_b, 5)


def ask(client, params, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.get(RECORDS, params)
    return response, callbacks


def downloaded_rows(client, export) -> list[list[str]]:
    response = client.get(reverse("listing_exports:file", args=[export.pk]))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    return complete_rows(export_file_rows(response["Content-Type"], data))


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_a_long_listing_is_exported_by_a_task_with_progress_then_a_link(
    client,
    organizer_a,
    records,
    small_requests,
    django_capture_on_commit_callbacks,
    export_format,
):
    client.force_login(organizer_a)

    response, callbacks = ask(
        client, {"status": "present", "export": export_format}, django_capture_on_commit_callbacks
    )

    export = ListingExport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("listing_exports:status", args=[export.pk])
    assert len(callbacks) == 1
    assert (export.status, export.rows, export.format) == ("queued", 6, export_format)
    waiting = client.get(response.url).content.decode()
    assert '<progress id="export-progress"' in waiting
    assert f"{RECORDS}?status=present" in waiting  # back to the listing as it was filtered

    listing_export_build(export_id=export.pk)
    listing_export_build(export_id=export.pk)  # a second run changes nothing

    export.refresh_from_db()
    assert (export.status, export.progress, export.rows) == ("ready", 100, 6)
    assert export.file.name.endswith(f"/attendance-records.{export_format}")
    ready = client.get(response.url).content.decode()
    assert reverse("listing_exports:file", args=[export.pk]) in ready
    header, *rows = downloaded_rows(client, export)
    assert len(rows) == 6
    assert {row[header.index("村")] for row in rows} == {"东沟村"}
    assert {row[header.index("签到状态")] for row in rows} == {"出席"}


def test_a_short_listing_is_still_answered_at_once(client, organizer_a, records):
    client.force_login(organizer_a)

    rows = export_rows(client.get(RECORDS, {"export": "csv"}))

    assert len(rows) - 1 == 9
    assert not ListingExport.objects.exists()


def test_nobody_else_opens_or_downloads_my_export(
    client, organizer_a, township_staff, records, small_requests, django_capture_on_commit_callbacks
):
    client.force_login(organizer_a)
    ask(client, {"export": "csv"}, django_capture_on_commit_callbacks)
    export = ListingExport.objects.get()
    listing_export_task(export.pk)
    client.force_login(township_staff)

    assert client.get(reverse("listing_exports:status", args=[export.pk])).status_code == 404
    assert client.get(reverse("listing_exports:file", args=[export.pk])).status_code == 404


def test_a_user_who_lost_the_listing_gets_no_file_and_may_retry(
    client, organizer_a, records, small_requests, django_capture_on_commit_callbacks
):
    client.force_login(organizer_a)
    ask(client, {"export": "xlsx"}, django_capture_on_commit_callbacks)
    export = ListingExport.objects.get()
    groups = list(organizer_a.groups.all())
    organizer_a.groups.clear()

    assert listing_export_task(export.pk) == "failed"

    export.refresh_from_db()
    assert not export.file
    assert export.error == "导出失败：您已无权打开该列表。"
    organizer_a.groups.set(groups)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("listing_exports:status", args=[export.pk]))
    export.refresh_from_db()
    assert (export.status, len(callbacks)) == ("queued", 1)

    assert listing_export_task(export.pk) == "ready"
    export.refresh_from_db()
    assert export.rows == 9


def test_the_task_writes_in_the_language_of_the_request(organizer_a, records):
    with translation.override("en"):
        export = listing_export_request(
            user=organizer_a, path=RECORDS, query="export=csv", format="csv", title="x", rows=9
        )

    listing_export_build(export_id=export.pk)

    export.refresh_from_db()
    with export.file.open("rb") as file:
        header, *rows = complete_rows(export_file_rows("text/csv", file.read()))
    assert {row[header.index("签到状态")] for row in rows} == {"present", "absent"}


def test_more_rows_than_a_sheet_holds_are_refused_as_xlsx(
    client, organizer_a, records, monkeypatch
):
    monkeypatch.setattr(export_views, "XLSX_MAX_ROWS", 5)
    client.force_login(organizer_a)

    response = client.get(RECORDS, {"status": "present", "export": "xlsx"}, follow=True)

    assert response.redirect_chain[-1][0] == f"{RECORDS}?status=present"
    assert "超过一张工作表能容纳的行数" in response.content.decode()
    assert not ListingExport.objects.exists()

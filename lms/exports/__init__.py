"""Spreadsheet exports, shared by every one of them: the admin listings' CSV and XLSX (read as
plain values, streamed, ending with a line that counts the rows) and the export too long for
a request, built by a Celery task with progress (`QueuedExport`: the listings' `ListingExport`
and the statistics' `StatsExport`).

Knows no domain: each listing says which columns it exports and how each is shown.
"""

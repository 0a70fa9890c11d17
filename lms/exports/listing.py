"""The spreadsheet export of every admin listing: the rows the listing holds (its scope, filters,
search and order), read as plain values, written as CSV or XLSX.

Wagtail's own export builds a model instance per row (with its related rows) and, before
writing the first line, counts the listing with `len()`, which loads every row: a
township's 64,000 attendance records took 18–23 s and 530 MB in one worker, and the app
server's timeout cut the file short without a word. Here a listing says how each exported column is
read from `.values_list()` and shown (`ExportColumn`); labels (choices, village names) are
looked up once per export, not once per row; the rows come through a server-side cursor on
PostgreSQL (`.iterator()`), a few thousand at a time.

The listing is counted first. Up to `settings.EXPORT_DIRECT_MAX_ROWS` rows (100,000) are
answered at once (CSV streamed, XLSX written to a temporary file and sent with its length);
more become a `ListingExport`, built by a Celery task with progress, whose page links to the
file when it is ready. The task replays the listing's own request (same path, same query
string, same user), so the file holds what the listing showed, through the same scope.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, transaction
from django.db.models import CharField, F, Func, Value
from django.http import HttpRequest, QueryDict
from django.urls import Resolver404, resolve
from django.utils import timezone, translation

from .spreadsheets import (
    csv_chunks,
    write_xlsx,
)

CHUNK_SIZE = 2000
# Up to this size an XLSX being built stays in memory; a larger one goes to a temporary file.
IN_MEMORY_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class ExportColumn:
    """How one exported column is read and shown.

    `source`: the `.values()` path, or several, the cell is made of; `show`: a function of
    those values giving the cell (labels from a dict looked up once); without it the value
    itself is the cell. A column made with `ExportColumn.moment_of(path)` shows a moment on the
    request's clock (the township's, or the user's own), to the minute: "2026-03-05 09:00".
    """

    source: str | tuple[str, ...]
    show: Callable[..., object] | None = None
    moment: bool = False

    @classmethod
    def moment_of(cls, path: str) -> "ExportColumn":
        return cls(path, moment=True)

    @property
    def sources(self) -> tuple[str, ...]:
        return (self.source,) if isinstance(self.source, str) else self.source


def choice_labels(choices) -> dict[str, str]:
    """{value: label} in the active language, so that no row translates a lazy label."""
    return {value: str(label) for value, label in choices.choices}


def local_minutes(zone) -> Callable[[object], str]:
    """A moment on `zone`'s clock, to the minute ("" for none): 2 µs a value, where
    `timezone.localtime(v).strftime(...)` costs 8 µs."""

    def show(value) -> str:
        return "" if value is None else value.astimezone(zone).isoformat(" ", "minutes")[:16]

    return show


def local_minutes_text(path: str, zone_name: str) -> Func:
    """PostgreSQL writes the moment as text on the zone's clock. Django reads a timestamptz
    with psycopg's Python loader (5 µs a value, half the time of a 64,000-row export with
    two moments a row); text comes through psycopg's C loader."""
    return Func(
        F(path),
        Value(zone_name),
        template="to_char(%(expressions)s, 'YYYY-MM-DD HH24:MI')",
        arg_joiner=" AT TIME ZONE ",
        output_field=CharField(),
    )


class ExportPlan:
    """The headings and the rows of one listing's export, on the clock and in the language of
    the request that asked (a streamed CSV is written after the view has returned)."""

    def __init__(self, view, queryset):
        columns = view.export_columns()
        missing = [field for field in view.list_export if field not in columns]
        if missing:
            raise ImproperlyConfigured(
                f"{type(view).__name__}.export_columns() does not say how to export {missing}"
            )
        self.headings = [view.get_heading(queryset, field) for field in view.list_export]
        self.columns = [columns[field] for field in view.list_export]
        self.queryset = queryset
        self.chunk_size = getattr(view, "export_chunk_size", CHUNK_SIZE)
        self.language = translation.get_language()
        self.zone = timezone.get_current_timezone()

    def csv(self) -> Iterator[bytes]:
        with translation.override(self.language):
            yield from csv_chunks(self.headings, self.rows())

    def xlsx(self, file) -> int:
        with translation.override(self.language):
            return write_xlsx(file, self.headings, self.rows())

    def rows(self) -> Iterator[list]:
        queryset, columns = self.queryset, self.columns
        connection = connections[queryset.db]
        if connection.vendor == "postgresql":
            texts = {
                f"export_moment_{index}": local_minutes_text(column.source, str(self.zone))
                for index, column in enumerate(columns)
                if column.moment
            }
            queryset = queryset.annotate(**texts)
            names = iter(texts)
            columns = [ExportColumn(next(names)) if c.moment else c for c in columns]
        else:
            show = local_minutes(self.zone)
            columns = [ExportColumn(c.source, show) if c.moment else c for c in columns]
        sources = list(dict.fromkeys(s for column in columns for s in column.sources))
        position = {source: index for index, source in enumerate(sources)}
        cells = [self._cell(column, position) for column in columns]
        values = queryset.values_list(*sources).iterator(chunk_size=self.chunk_size)
        # In a transaction the server-side cursor is a plain one, read as the file is
        # written; in autocommit Django declares it WITH HOLD, and PostgreSQL computes every
        # row before the first is fetched. An export reads every row, so the query is
        # planned for all of them, not for the first tenth as a cursor is by default: a
        # township's 64,000 records take 0.4 s instead of 3.2 s.
        with transaction.atomic(using=queryset.db):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL cursor_tuple_fraction = 1.0")
            for row in values:
                yield [cell(row) for cell in cells]

    @staticmethod
    def _cell(column: ExportColumn, position: dict[str, int]) -> Callable[[tuple], object]:
        indexes = [position[source] for source in column.sources]
        show = column.show
        if len(indexes) == 1:
            (index,) = indexes
            if show is None:
                return lambda row: row[index]
            return lambda row: show(row[index])
        return lambda row: show(*(row[index] for index in indexes))


def listing_view_replayed(*, path: str, query: str, user):
    """The index view that answered `path?query` for `user`, set up again outside a request
    (for the export task). None if the path is no longer a listing with an export."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    view_class = getattr(match.func, "view_class", None)
    if view_class is None or not callable(getattr(view_class, "export_columns", None)):
        return None  # not a listing with our export (views.ListingExportMixin)
    request = HttpRequest()
    request.method, request.path, request.path_info = "GET", path, path
    request.GET = QueryDict(query)
    request.user = user
    request.resolver_match = match
    view = view_class(**match.func.view_initkwargs)
    view.setup(request, *match.args, **match.kwargs)
    return view


def listing_view_allows(view) -> bool:
    """Whether the user still may open the listing (the checks its dispatch makes)."""
    user = view.request.user
    if not (user.is_active and user.has_perm("wagtailadmin.access_admin")):
        return False
    required = getattr(view, "any_permission_required", None)
    return required is None or view.user_has_any_permission(required)

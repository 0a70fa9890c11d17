"""What an import refuses a whole file with (a refused row is a plans.RowError instead)."""

from lms.errors import UserFacingError


class TableError(UserFacingError):
    """The file as a whole cannot be read (not a row error)."""


class TableTooLarge(TableError):
    """The file is larger than an import reads: too many bytes, rows or cells (limits.py)."""

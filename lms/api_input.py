"""Input types the API's operations share (django-ninja reads them as pydantic types)."""

import datetime
from typing import Annotated

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

DATABASE_INT_MAX = 2**63 - 1  # BigAutoField, and SQLite's and PostgreSQL's bigint
PAGE_MAX = 500  # rows in one page of a listing

# A record's id as the databases keep it (BigAutoField: signed 64 bits). A larger number is
# refused as invalid input (422) before any query, instead of overflowing the database's
# integer (a 500 on SQLite and PostgreSQL alike); the schema says so to its clients.
RecordId = Annotated[int, Field(ge=1, le=DATABASE_INT_MAX)]

# A calendar year Python's dates can hold.
Year = Annotated[int, Field(ge=datetime.MINYEAR, le=datetime.MAXYEAR)]


class LimitOffset(LimitOffsetPagination):
    """ninja's limit and offset, bounded: a page of at most PAGE_MAX rows (ninja's default
    has no bound: one request could carry a township's roster), and an offset the database's
    integer holds (a larger one was a 500)."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=PAGE_MAX)
        offset: int = Field(0, ge=0, le=DATABASE_INT_MAX)

"""Input types the API's operations share (django-ninja reads them as pydantic types)."""

import datetime
from typing import Annotated

from pydantic import Field

# A record's id as the databases keep it (BigAutoField: signed 64 bits). A larger number is
# refused as invalid input (422) before any query, instead of overflowing the database's
# integer (a 500 on SQLite and PostgreSQL alike); the schema says so to its clients.
RecordId = Annotated[int, Field(ge=1, le=2**63 - 1)]

# A calendar year Python's dates can hold.
Year = Annotated[int, Field(ge=datetime.MINYEAR, le=datetime.MAXYEAR)]

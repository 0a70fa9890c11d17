"""What an import plans before it writes: each row with the action it will take, and the
rows refused with their reasons. Every import's plan (the roster, the training plan, a paper
sheet) is an ImportPlan with its own rows; a plan with any refused row writes nothing."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _


@dataclass
class RowError:
    """A refused row: its number as the spreadsheet program shows it, and why."""

    number: int
    messages: list[str]

    def __str__(self):
        reason = "；".join(self.messages)
        return _("Row %(row)s: %(reason)s") % {"row": self.number, "reason": reason}


@dataclass(kw_only=True)
class ImportPlan:
    """The rows to write (each with an `action`: create, update or unchanged) and the rows
    refused."""

    rows: list = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)

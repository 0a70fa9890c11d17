"""Who is this? Matching a name, a village and maybe a phone to the roster.

The walk-in form and the paper-sheet import ask the same question, so they share this one
answer (the roster import's rule, DESIGN.md): same name in the same village; a phone tells
two people of one name apart; a different phone on record means a different person. The
matcher never writes: the caller decides to create, to ask the organizer, or to refuse.
"""

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from lms.people.identity import normalize_name, normalize_phone
from lms.people.models import Person, Village


@dataclass
class Match:
    person: Person | None = None  # the one person this is
    candidates: list[Person] = field(default_factory=list)  # set when ambiguous
    name: str = ""
    phone: str = ""

    @property
    def is_ambiguous(self) -> bool:
        return self.person is None and len(self.candidates) > 1

    @property
    def is_unknown(self) -> bool:
        return self.person is None and not self.candidates


def clean_phone(raw) -> str:
    """The normalised phone, or "" if the cell holds no valid number (never an error here)."""
    try:
        return normalize_phone(raw)
    except ValidationError:
        return ""


def match_person(*, name, village: Village, phone="", people=None) -> Match:
    """Find the person a (name, village, phone) names. `people` may be a prefetched list of
    the village's people of that name, to avoid a query per row in an import."""
    name = normalize_name(name)
    phone = clean_phone(phone) if phone else ""
    if people is None:
        people = list(Person.objects.filter(name=name, village=village).order_by("pk"))
    if phone:
        same_phone = [p for p in people if p.phone == phone]
        if len(same_phone) == 1:
            return Match(person=same_phone[0], name=name, phone=phone)
        if len(same_phone) > 1:
            return Match(candidates=same_phone, name=name, phone=phone)
        # Nobody of that name has this phone: only someone with no phone on record can be
        # the same person; a different phone on record is a different person.
        people = [p for p in people if not p.phone]
    if len(people) == 1:
        return Match(person=people[0], name=name, phone=phone)
    return Match(candidates=people, name=name, phone=phone)

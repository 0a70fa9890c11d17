"""The demo township's yearly targets, as a township party committee sets them."""

from django.utils import timezone

from attendance.models import SessionKind
from lms.ledger.models import Track

from .models import AnnualTarget

# (kind name or None for every kind, track, 期, 人次)
DEMO_TARGETS = [
    ("农民科技培训", "", 17, 2500),
    (None, Track.PARTY, 12, 1200),
]


def seed_targets(township, *, year: int | None = None) -> int:
    """Set the year's targets that are missing; returns how many were added (idempotent)."""
    year = year or timezone.localdate().year
    added = 0
    for kind_name, track, sessions, person_times in DEMO_TARGETS:
        kind = SessionKind.objects.filter(name=kind_name).first() if kind_name else None
        _target, created = AnnualTarget.objects.get_or_create(
            township=township,
            year=year,
            kind=kind,
            track=track,
            defaults={"sessions": sessions, "person_times": person_times},
        )
        added += created
    return added

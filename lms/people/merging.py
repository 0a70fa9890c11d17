"""What a merge does with a row of the duplicate's that the kept person already has.

A unique constraint says when the kept person already has an equivalent row: a record of
the same session, an enrolment in the same course. One of the two must go, and it should be
the one a user would let go: a model says which of two equivalent rows is worth more by
defining `merge_rank()` (a value to compare; the higher is kept, a tie keeps the kept
person's). Without it the kept person's row wins, as it always did.

The kept person's row always survives as a row, so its id and what hangs off it stay; where
the duplicate's ranks higher, the kept row takes over the duplicate's values. Then
`merge_row_dropped` is sent and the duplicate's row is deleted. People knows nothing of the
apps built on it: each listens for its own models and carries over what hangs off the
dropped row, and puts right what was derived from the two rows (study hours). Merging is
the one time such a row is dropped on purpose, so it is the one time they act: a row deleted
any other way (a course page deleted with its enrolments) takes nothing with it.

A row that must never be deleted (an issued certificate: its serial stays verifiable) is
kept by its app instead: `merge_row_conflict` is sent first, and an app that answers True
has put the row on the kept person itself.
"""

import copy

from django.db import IntegrityError, transaction
from django.dispatch import Signal

merge_row_dropped = Signal()
"""Sent (sender: the model) inside the merge's transaction, once per row dropped, with:
kept: the kept person's equivalent row, saved as it now stands (None if it cannot be told);
kept_before: an unsaved copy of that row as it was before the merge;
dropped: the duplicate's row, still in the database, deleted right after the receivers ran;
by: the user merging."""

person_merged = Signal()
"""Sent (sender: Person) inside the merge's transaction once every row of the duplicate's has
moved to the kept person, with keep and by: for what only the rows together can tell (two
records that each studied some lessons of a course have, together, studied all of them)."""

merge_row_conflict = Signal()
"""Sent (sender: the model) when a row of the duplicate's cannot simply move to the kept
person, with row (still the duplicate's), field_name, keep and by. A receiver that moves the
row itself (and keeps both, in a state its constraints allow) returns True; then nothing is
dropped."""


def row_move(row, *, field_name: str, keep, by) -> str:
    """Point one row at `keep`, or where `keep` has an equivalent row, drop the one worth
    less. Returns "moved" or "dropped"."""
    model = type(row)
    attname = model._meta.get_field(field_name).attname
    original = getattr(row, attname)
    try:
        with transaction.atomic():
            setattr(row, field_name, keep)
            row.save()
        return "moved"
    except IntegrityError:
        setattr(row, attname, original)  # the row still belongs to the duplicate
    answers = merge_row_conflict.send(
        sender=model, row=row, field_name=field_name, keep=keep, by=by
    )
    if any(answer for _receiver, answer in answers):
        return "moved"
    kept = equivalent_row(row, field_name=field_name, keep=keep)
    kept_before = copy.copy(kept)
    if kept is not None and _ranks_higher(row, kept):
        for field in model._meta.concrete_fields:
            if not field.primary_key and field.name != field_name:
                setattr(kept, field.attname, getattr(row, field.attname))
        kept.save()
    merge_row_dropped.send(sender=model, kept=kept, kept_before=kept_before, dropped=row, by=by)
    row.delete()
    return "dropped"


def equivalent_row(row, *, field_name: str, keep):
    """The row of `keep` that a unique constraint on `row`'s model says is the same thing
    as `row` (same session, same course), or None."""
    model = type(row)
    for fields in _unique_field_sets(model):
        if field_name not in fields:
            continue
        lookup = {
            name: getattr(row, model._meta.get_field(name).attname)
            for name in fields
            if name != field_name
        }
        found = (
            model._base_manager.filter(**lookup, **{field_name: keep}).exclude(pk=row.pk).first()
        )
        if found is not None:
            return found
    return None


def _unique_field_sets(model):
    opts = model._meta
    for field in opts.concrete_fields:
        if field.unique and not field.primary_key:
            yield (field.name,)
    yield from (tuple(fields) for fields in opts.unique_together)
    yield from (tuple(constraint.fields) for constraint in opts.total_unique_constraints)


def _ranks_higher(row, kept) -> bool:
    if not hasattr(row, "merge_rank"):
        return False
    return row.merge_rank() > kept.merge_rank()

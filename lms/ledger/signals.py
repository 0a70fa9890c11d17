"""What the ledger tells others: a person's hours changed (a credit written or withdrawn).

Sent with person_id, year, source_kind and source_id after the write, inside its
transaction; receivers that do real work queue a task with `delay_on_commit`. The dual
program's completion (certificates) listens, so meeting it is noticed as it happens, not
by a nightly sweep; the ledger knows nothing of who listens.
"""

from django.dispatch import Signal

ledger_changed = Signal()

"""Listening to the ledger: meeting the program or completing a course is noticed when the
hours change, by a task queued once the change commits."""


def ledger_changed_queue_check(sender, *, person_id, year, source_kind, source_id, **kwargs):
    from .tasks import certificates_on_ledger_change_task

    certificates_on_ledger_change_task.delay_on_commit(person_id, year, source_kind, source_id)

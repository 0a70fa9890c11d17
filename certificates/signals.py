"""Listening to the ledger: meeting the program or completing a course is noticed when the
hours change, by a task queued once the change commits. Listening to merges of two records
of one person: their certificates move to the kept person and none is ever deleted."""


def ledger_changed_queue_check(sender, *, person_id, year, source_kind, source_id, **kwargs):
    from .tasks import certificates_on_ledger_change_task

    certificates_on_ledger_change_task.delay_on_commit(person_id, year, source_kind, source_id)


def certificate_merge_conflict(sender, *, row, field_name, keep, by, **kwargs) -> bool:
    """The duplicate's certificate for something the kept person also holds one for."""
    from .services import certificate_merge_fold

    if field_name != "person":
        return False
    certificate_merge_fold(certificate=row, person=keep, by=by)
    return True


def enrollment_merge_dropped(sender, *, kept, dropped, by, **kwargs) -> None:
    """The duplicate's enrolment in a course the kept person is also enrolled in goes: its
    course certificate moves to the kept enrolment first."""
    from .models import Certificate
    from .services import certificate_merge_fold

    if kept is None:
        return
    for certificate in Certificate.objects.filter(enrollment=dropped):
        certificate_merge_fold(certificate=certificate, person=kept.person, enrollment=kept, by=by)

"""A deleted attendance record takes its study-hours credit with it.

Records are never deleted in the course of attendance (a session or person with records is
protected); one goes when two records of a person are merged and the duplicate's record of a
session the kept person also has is dropped. Its ledger row names it as its source: left
behind it would credit the session's hours a second time, and count as a second session
attended in the year's program.
"""

from django.db.models.signals import post_delete
from django.dispatch import receiver

from lms.ledger.models import StudyHoursEntry
from lms.ledger.services import ledger_withdraw

from .models import AttendanceRecord


@receiver(post_delete, sender=AttendanceRecord, dispatch_uid="attendance_record_withdraw")
def _record_deleted(sender, instance, **kwargs):
    ledger_withdraw(source_kind=StudyHoursEntry.Source.ATTENDANCE, source_id=instance.pk)

"""A merge of two records of one person dropped one of their two records of a session.

lms.people merges and knows nothing of attendance; it says which row it dropped and which it
kept (`merge_row_dropped`), and attendance settles the history and the study hours
(services.attendance_merge_settle). Records are never deleted otherwise (a session or person
with records is protected), so nothing listens for deletions as such.
"""

from django.dispatch import receiver

from lms.people.merging import merge_row_dropped

from .models import AttendanceRecord
from .services import attendance_merge_settle


@receiver(merge_row_dropped, sender=AttendanceRecord, dispatch_uid="attendance_record_merged")
def _record_dropped(sender, *, kept, kept_before, dropped, by, **kwargs):
    attendance_merge_settle(kept=kept, kept_before=kept_before, dropped=dropped, by=by)

"""The Celery app. Tasks live in each app's tasks.py as shared_task.

Without CELERY_BROKER_URL the settings make every task run in-process (embedded mode).
Worker: `celery -A lms worker -l info`; beat: `celery -A lms beat -l info`.
"""

import os

from celery import Celery
from celery.contrib.django.task import DjangoTask
from celery.utils import uuid

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")


class ShuangyuTask(DjangoTask):
    """DjangoTask adds delay_on_commit: work is queued only once the transaction that asked
    for it has committed, so a worker never looks for rows that are not there yet.

    While the broker is away a task is kept in the database and sent when it returns
    (lms.outages.deferred), so the request that queued it answers as usual instead of
    failing after its transaction committed."""

    def apply_async(self, args=None, kwargs=None, task_id=None, **options):
        if self.app.conf.task_always_eager:
            return super().apply_async(args, kwargs, task_id=task_id, **options)
        from lms.outages.deferred import (
            QUEUEING_ERRORS,
            broker_outage,
            broker_unreachable,
            error_summary,
            task_defer,
        )

        task_id = task_id or uuid()
        if not broker_outage.resting():
            try:
                result = super().apply_async(args, kwargs, task_id=task_id, **options)
            except QUEUEING_ERRORS as error:
                if not broker_unreachable(error):
                    raise
                broker_outage.begin(error)
                reason = error_summary(error)
            else:
                broker_outage.end()
                return result
        else:
            reason = "broker unreachable moments ago"
        # Only what survives JSON is kept (the project's tasks pass none of the rest).
        kept = {
            key: value
            for key, value in options.items()
            if isinstance(value, (str, int, float, bool)) and key != "producer"
        }
        task_defer(
            task_id=task_id, name=self.name, args=args, kwargs=kwargs, options=kept, reason=reason
        )
        return self.AsyncResult(task_id)


app = Celery("lms", task_cls="lms.celery:ShuangyuTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

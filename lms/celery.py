"""The Celery app. Tasks live in each app's tasks.py as shared_task.

Without CELERY_BROKER_URL the settings make every task run in-process (embedded mode).
Worker: `celery -A lms worker -l info`; beat: `celery -A lms beat -l info`.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")

# DjangoTask adds delay_on_commit: work is queued only once the transaction that asked
# for it has committed, so a worker never looks for rows that are not there yet.
app = Celery("lms", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

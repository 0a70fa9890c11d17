"""The Celery app. Tasks live in each app's tasks.py as shared_task.

Without CELERY_BROKER_URL the settings make every task run in-process (embedded mode).
Worker: `celery -A lms worker -l info`; beat: `celery -A lms beat -l info`.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")

app = Celery("lms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

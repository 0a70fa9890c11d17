from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from lms.home.tasks import service_health_task


class Command(BaseCommand):
    help = (
        "Check the database, the broker and a Celery worker end to end: sends a task and waits"
        " for a worker's answer. Without CELERY_BROKER_URL the task runs in-process."
    )

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait")

    def handle(self, *args, timeout, **options):
        connection.ensure_connection()
        self.stdout.write(f"database: {connection.vendor} ok")
        if not settings.CELERY_BROKER_URL:
            result = service_health_task.apply().get()
            self.stdout.write(f"tasks: in-process (no broker configured) ok {result}")
            return
        try:
            result = service_health_task.delay().get(timeout=timeout)
        except Exception as error:  # a timeout or a broker error: say which
            raise CommandError(
                f"no Celery worker answered within {timeout:g}s ({type(error).__name__}: {error})."
                " Start one with: celery -A lms worker -l info"
            ) from error
        self.stdout.write(f"broker + worker: ok {result}")

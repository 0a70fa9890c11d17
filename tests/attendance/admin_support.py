"""What the sessions-admin tests share: the admin's URLs, moments in March 2026, a
session form and a photo to upload. Their fixtures (secretary_b,
session_a, session_b) are in tests/attendance/conftest.py."""

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from attendance.models import (
    TrainingSession,
)
from lms.ledger.models import Track
from tests.factories.attendance import kind

SESSIONS = "/admin/attendance/sessions/"
CALENDAR = "/admin/attendance/calendar/"
RECORDS = "/admin/attendance/records/"


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(2026, month, day, hour, minute))


def session_form(village, **overrides) -> dict:
    data = {
        "topic": "马铃薯脱毒种薯",
        "kind": kind().pk,
        "track": Track.SKILLS,
        "audience": TrainingSession.Audience.EVERYONE,
        "starts_at": "2026-03-05 10:00",
        "ends_at": "2026-03-05 12:00",
        "village": village.pk,
        "venue": "村委会会议室",
        "trainer_person": "",
        "trainer_name": "",
        "study_hours": "2",
        "capacity": "",
        "code": "",
        "sign_in_opens_before": "30",
        "late_after": "15",
    }
    return {**data, **{key: str(value) for key, value in overrides.items()}}


def photo_upload(name="sheet.jpg", size=(40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")

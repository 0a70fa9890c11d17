"""The uploaded file between preview and confirmation.

A preview stores the file (only when there is something to confirm) and hands the browser
a signed token naming it, the user, the import's target (a township, a session) and the
fingerprint of what was shown. The confirmation reads the file back through the token, plans
it again against today's records, and writes only if the plan is still the one previewed.
Files older than MAX_AGE are deleted at the next upload.
"""

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePosixPath

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms.errors import UserFacingError

FOLDER = "imports"
# Long enough to check a preview against the paper; stored files older than this are
# deleted at the next upload.
MAX_AGE = timedelta(hours=2)

# What a preview says each row will do.
ACTION_LABELS = {
    "create": gettext_lazy("New"),
    "update": gettext_lazy("Update"),
    "unchanged": gettext_lazy("Unchanged"),
}


class UploadExpired(UserFacingError):
    """The token is forged, belongs to someone else, or is too old, or the file is gone."""

    default_message = gettext_lazy("This import is not valid; upload the file again.")


@dataclass
class StoredUpload:
    """An uploaded file as named by its token: where it is kept, for what (`target`: the
    township or the session), and the fingerprint of the plan as previewed."""

    path: str
    filename: str
    target: int | None
    fingerprint: str = ""


def uploads_sweep() -> None:
    """Delete uploads whose preview was never confirmed nor cancelled (best effort)."""
    cutoff = timezone.now() - MAX_AGE
    try:
        _folders, files = default_storage.listdir(FOLDER)
        for name in files:
            stored = f"{FOLDER}/{name}"
            if default_storage.get_modified_time(stored) < cutoff:
                default_storage.delete(stored)
    except (FileNotFoundError, NotImplementedError, OSError):
        pass


def upload_keep(stored: StoredUpload, data: bytes) -> None:
    """Keep the file for the confirmation (after sweeping old ones); sets `stored.path`."""
    uploads_sweep()
    suffix = PurePosixPath(stored.filename).suffix.lower()
    stored.path = default_storage.save(f"{FOLDER}/{uuid.uuid4().hex}{suffix}", ContentFile(data))


def upload_token(stored: StoredUpload, *, user, salt: str) -> str:
    return signing.dumps(
        {
            "user": user.pk,
            "path": stored.path,
            "filename": stored.filename,
            "target": stored.target,
            "plan": stored.fingerprint,
        },
        salt=salt,
        compress=True,
    )


def upload_from_token(token: str, *, user, salt: str) -> StoredUpload:
    """The upload a token names, for this user; UploadExpired otherwise."""
    try:
        data = signing.loads(token, salt=salt)
    except signing.BadSignature as error:
        raise UploadExpired() from error
    if data.get("user") != user.pk or not data["path"].startswith(f"{FOLDER}/"):
        raise UploadExpired()
    stored = StoredUpload(data["path"], data["filename"], data["target"], data["plan"])
    try:
        signing.loads(token, salt=salt, max_age=MAX_AGE)
    except signing.SignatureExpired as error:
        upload_discard(stored)
        raise UploadExpired(
            _("The preview is more than two hours old; upload the file again.")
        ) from error
    return stored


def upload_read(stored: StoredUpload) -> bytes:
    try:
        with default_storage.open(stored.path, "rb") as handle:
            return handle.read()
    except (FileNotFoundError, OSError) as error:
        raise UploadExpired(_("The uploaded file is no longer kept; upload it again.")) from error


def upload_discard(stored: StoredUpload) -> None:
    if stored.path:
        default_storage.delete(stored.path)


def fingerprint(shown: list) -> str:
    """A short digest of what the user was shown (each row's action, target and changes,
    and the rows refused): a confirmation writes only if the plan now gives the same."""
    return hashlib.sha256(json.dumps(shown, default=str).encode()).hexdigest()[:32]

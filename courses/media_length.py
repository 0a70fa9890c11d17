"""A lesson media file's length, read from the file itself (mutagen: MP3, M4A/AAC, MP4/MOV,
OGG, WAV): an editor no longer times a video by hand, and a typed length is only an
override. WebM is not read; its length is typed."""

import logging
import math

import mutagen

logger = logging.getLogger(__name__)


def media_length_seconds(document) -> int | None:
    """Whole seconds (rounded up) of a document's audio or video, or None if unreadable."""
    try:
        with document.file.open("rb") as file:
            found = mutagen.File(file)
    except (OSError, ValueError, mutagen.MutagenError):
        logger.info("Could not read the length of document %s", document.pk, exc_info=True)
        return None
    length = getattr(getattr(found, "info", None), "length", None)
    return math.ceil(length) if length and length > 0 else None

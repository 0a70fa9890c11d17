"""Photos of the signed paper sheet, kept with the session as evidence of who came."""

import io
import uuid

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from .exceptions import SheetPhotoRefused
from .models import SheetPhoto, TrainingSession

# Phone photos of a paper sheet: refused above this size, stored at most this wide/high.
SHEET_PHOTO_MAX_BYTES = 15 * 1024 * 1024
SHEET_PHOTO_MAX_SIDE = 2400
SHEET_PHOTO_FORMATS = {"JPEG", "PNG", "WEBP", "HEIF", "HEIC", "MPO"}


def _photo_jpeg(data: bytes) -> bytes:
    """The photo upright, at most SHEET_PHOTO_MAX_SIDE pixels, as JPEG, without its
    metadata (a phone photo carries where it was taken)."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        from pillow_heif import register_heif_opener

        register_heif_opener()  # iPhones send HEIC
    except ImportError:  # pragma: no cover
        pass
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in SHEET_PHOTO_FORMATS:
                raise SheetPhotoRefused(_("Upload a photo (JPEG, PNG, WebP or HEIC)."))
            image = ImageOps.exif_transpose(image).convert("RGB")
            image.thumbnail((SHEET_PHOTO_MAX_SIDE, SHEET_PHOTO_MAX_SIDE))
            output = io.BytesIO()
            image.save(output, "JPEG", quality=85, optimize=True)
            return output.getvalue()
    except (UnidentifiedImageError, OSError, ValueError) as error:
        raise SheetPhotoRefused(_("This file is not a photo that can be read.")) from error


def sheet_photo_attach(*, session: TrainingSession, upload, by=None) -> SheetPhoto:
    """Keep a photo of the paper sign-in sheet with the session."""
    if upload.size > SHEET_PHOTO_MAX_BYTES:
        raise SheetPhotoRefused(
            _("The photo is larger than %(size)d MB.")
            % {"size": SHEET_PHOTO_MAX_BYTES // (1024 * 1024)}
        )
    data = _photo_jpeg(upload.read())
    photo = SheetPhoto(
        session=session, uploaded_by=by if by is not None and by.is_authenticated else None
    )
    photo.image.save(f"session-{session.pk}-{uuid.uuid4().hex[:8]}.jpg", ContentFile(data))
    return photo

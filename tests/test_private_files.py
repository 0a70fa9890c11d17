"""Files that hold personal data (certificates, exports) are never under the public media
folder, which nginx serves to whoever guesses an address; views that check who asks hand
them out."""

from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from certificates.models import Certificate
from lms.exports.models import ListingExport
from lms.stats.models import StatsExport
from lms.storage import files_move_to_private, private_storage


@pytest.fixture(autouse=True)
def _folders(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_ROOT = str(tmp_path / "private")


@pytest.mark.parametrize(
    ("model", "field"),
    [(Certificate, "pdf"), (ListingExport, "file"), (StatsExport, "file")],
)
def test_certificates_and_exports_are_stored_outside_the_public_media_folder(
    settings, model, field
):
    storage = model._meta.get_field(field).storage

    name = storage.save("certificates/2026/DG-2026-000123.pdf", ContentFile(b"%PDF-1.7"))

    path = Path(storage.path(name))
    assert path.is_relative_to(settings.PRIVATE_ROOT)
    assert not path.is_relative_to(settings.MEDIA_ROOT)
    with pytest.raises(ValueError, match="private"):
        storage.url(name)  # no address to hand to anyone


def test_files_written_before_are_moved_out_of_the_media_folder_keeping_their_names():
    default_storage.save("certificates/2026/DG-2026-000001.pdf", ContentFile(b"%PDF-1.7 one"))

    moved = files_move_to_private(["certificates/2026/DG-2026-000001.pdf", "", "gone.pdf"])

    assert moved == 1
    assert not default_storage.exists("certificates/2026/DG-2026-000001.pdf")
    with private_storage().open("certificates/2026/DG-2026-000001.pdf") as file:
        assert file.read() == b"%PDF-1.7 one"

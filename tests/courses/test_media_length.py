"""An editor adds a video or audio file and its length is read from the file: typed only to
correct it, and asked for in plain words when the file cannot be read."""

import pytest
from django.core.files.base import ContentFile
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.models import Document

from courses.blocks import MediaBlock
from courses.media_length import media_length_seconds
from tests.factories.media import silent_mp3

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _document(name: str, content: bytes) -> Document:
    document = Document(title=name)
    document.file.save(name, ContentFile(content), save=False)
    document.save()
    return document


def _cleaned(document, duration=None):
    block = MediaBlock()
    value = block.to_python(
        {"kind": "audio", "file": document.pk, "duration_seconds": duration, "caption": ""}
    )
    return block.clean(value)


def test_the_length_is_read_from_the_file_rounded_up_to_whole_seconds():
    assert media_length_seconds(_document("dangzhang.mp3", silent_mp3(12))) == 12


def test_a_media_block_left_without_a_length_gets_the_files():
    value = _cleaned(_document("dangzhang.mp3", silent_mp3(7)))

    assert value["duration_seconds"] == 7


def test_a_length_the_editor_types_wins_over_the_files():
    value = _cleaned(_document("dangzhang.mp3", silent_mp3(12)), duration=6)

    assert value["duration_seconds"] == 6


def test_a_file_whose_length_cannot_be_read_asks_for_it_in_words():
    with pytest.raises(StructBlockValidationError) as refused:
        _cleaned(_document("notes.txt", "这不是音频".encode()))

    message = str(refused.value.block_errors["duration_seconds"].messages[0])
    assert message == "无法从此文件读取时长，请以秒为单位填写。"

"""The StreamField blocks editors build lessons and quizzes from."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageBlock

from .media_length import media_length_seconds


class MediaBlock(blocks.StructBlock):
    """A video or audio file from the document library, with its length for honest progress."""

    kind = blocks.ChoiceBlock(
        choices=[("video", _("video")), ("audio", _("audio"))], label=_("kind"), default="video"
    )
    file = DocumentChooserBlock(label=_("file"))
    duration_seconds = blocks.IntegerBlock(
        label=_("length in seconds"),
        min_value=1,
        required=False,
        help_text=_(
            "Read from the file when the lesson is saved; type a length only to correct it."
            " Study time credited for this file never exceeds its length."
        ),
    )
    caption = blocks.CharBlock(label=_("caption"), required=False)

    class Meta:
        icon = "media"
        label = _("Video or audio")
        template = "blocks/media_block.html"

    def clean(self, value):
        value = super().clean(value)
        if value.get("duration_seconds") or value.get("file") is None:
            return value
        seconds = media_length_seconds(value["file"])
        if seconds is None:
            raise StructBlockValidationError(
                block_errors={
                    "duration_seconds": ValidationError(
                        _("The length could not be read from this file: type it in seconds.")
                    )
                }
            )
        value["duration_seconds"] = seconds
        return value


class PdfBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("PDF document"))
    title = blocks.CharBlock(label=_("title"), required=False)

    class Meta:
        icon = "doc-full"
        label = _("PDF document")
        template = "blocks/pdf_block.html"


class LessonBodyBlock(blocks.StreamBlock):
    text = blocks.RichTextBlock(label=_("text"), features=["h2", "h3", "bold", "ol", "ul", "link"])
    media = MediaBlock()
    pdf = PdfBlock()
    image = ImageBlock(label=_("image"))

    class Meta:
        block_counts = {"media": {"max_num": 3}}


class OptionBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("option"))
    correct = blocks.BooleanBlock(label=_("correct"), required=False)

    class Meta:
        icon = "tick"


class QuestionBlock(blocks.StructBlock):
    """A single-choice, multiple-choice or true/false question."""

    KINDS = [
        ("single", _("single choice")),
        ("multiple", _("multiple choice")),
        ("true_false", _("true / false")),
    ]
    kind = blocks.ChoiceBlock(choices=KINDS, label=_("kind"), default="single")
    # "Question text" (题干), not "question": the block itself is labelled "Question" (题目).
    text = blocks.TextBlock(label=_("question text"))
    # A question needs two options, so a new one starts with two blank ones, not ListBlock's one.
    options = blocks.ListBlock(
        OptionBlock(),
        label=_("options"),
        min_num=2,
        default=[{"text": "", "correct": False}, {"text": "", "correct": False}],
    )

    class Meta:
        icon = "help"
        label = _("Question")


class QuizBlock(blocks.StreamBlock):
    question = QuestionBlock()

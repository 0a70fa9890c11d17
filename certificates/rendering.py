"""Certificates as PDF: the HTML template laid out by WeasyPrint, one A4 page per certificate.

Callers (the issuing services, `render_certificate`) hand over plain `CertificateContent`
values, so nothing here touches the database. Three ways out:

- `certificate_pdf`: one certificate, when one is issued alone or re-rendered on request;
- `certificate_pdfs`: a training's worth at once, one PDF per person. Laying out one
  document of N pages costs a fraction of N separate renders (Pango, the font subset and the
  images are set up once), so the pages are laid out and written together and the written
  document is then cut into one complete PDF per page (`split_pdf`);
- `certificates_booklet_pdf`: all of them in one printable PDF.

Images (background, seal) are read only from MEDIA_ROOT and the static folders, through
`url_fetcher()`; anything else is refused and the certificate is drawn without it. A heavy
background is scaled to A4 at 150 dpi and the seal made slightly translucent, once per file
version. The staff-written body is escaped.

Every PDF written here goes through `pdf_split.finish_pdf`, which stores the embedded CJK font with
a PNG "Up" predictor: WeasyPrint keeps glyph ids in its subset, so a Noto CJK subset still
holds a table of ~63,000 increasing offsets that plain Flate compresses to ~120-150 KB; after
the predictor it is ~20-30 KB. This is standard PDF (ISO 32000-1, 7.4.4.4) that every reader
decodes. One font face (Noto Serif CJK SC, regular) serves all the text: each further face
would cost another subset, ~20 ms per PDF.
"""

import base64
import datetime
import gc
import io
import logging
import mimetypes
import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .pdf_split import finish_pdf, split_pdf

logger = logging.getLogger(__name__)

TEMPLATE = "certificates/pdf/certificate.html"
FRAME_TEMPLATE = "certificates/pdf/frame.svg"
PAGE_SIZES_MM = {"landscape": (297, 210), "portrait": (210, 297)}
ORIENTATIONS = tuple(PAGE_SIZES_MM)
# The placeholders staff may write in a certificate's body.
PLACEHOLDERS = ("name", "what", "hours", "dates", "serial", "issuer")


@dataclass(frozen=True)
class CertificateContent:
    """Everything printed on one certificate, already decided by the issuing service."""

    serial: str  # "DG-2026-000123"
    title: str  # "结业证书" / "培训证书"
    body: str  # staff-written, with {name}, {what}, {hours}, {dates}, {serial}, {issuer}
    values: dict[str, str]  # what fills the placeholders
    name: str  # the person's full name, shown large
    issuer: str  # "中共东沟乡委员会"
    issued_on: datetime.date
    signatory_name: str
    signatory_title: str
    orientation: str  # "landscape" | "portrait" (A4)
    background_path: str | None  # absolute path of an image inside MEDIA_ROOT
    seal_path: str | None  # absolute path of the seal (PNG with transparency) inside MEDIA_ROOT
    verify_url: str  # absolute URL of /verify/<serial>/, printed as a QR code and as text


class FetchRefusedError(ValueError):
    """A resource the certificate asked for lies outside MEDIA_ROOT and the static folders."""


# --- The body and the page's values ---------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill_body(*, body: str, values: dict[str, str]) -> SafeString:
    """The body as HTML: known placeholders filled, everything escaped, newlines as <br>.

    Only `{name}`, `{what}`, `{hours}`, `{dates}`, `{serial}` and `{issuer}` are filled, in
    one pass, so a value that itself reads "{name}" is printed as it is. A placeholder with
    no value, or one we do not know ("{date}"), stays as written: a visible mistake is
    better than a silent gap on a printed certificate.
    """
    pieces = []
    position = 0
    for match in _PLACEHOLDER.finditer(body):
        pieces.append(escape(body[position : match.start()]))
        key = match.group(1)
        if key in PLACEHOLDERS and key in values:
            pieces.append(escape(str(values[key])))
        else:
            pieces.append(escape(match.group(0)))
        position = match.end()
    pieces.append(escape(body[position:]))
    html = "".join(pieces).replace("\r\n", "\n").replace("\r", "\n")
    return mark_safe(html.replace("\n", "<br>\n"))  # noqa: S308 — every piece escaped above


def chinese_date(day: datetime.date) -> str:
    """2026年11月29日, as a Chinese certificate prints its date."""
    return f"{day.year}年{day.month}月{day.day}日"


def _file_url(path: str | None) -> str:
    """A file: URL for a path, or "" when there is no usable path (whether the file may be
    read is for `allowed_file` to say)."""
    if not path:
        return ""
    if not os.path.isabs(path):
        logger.warning("certificate image path is not absolute, left out: %s", path)
        return ""
    return Path(path).as_uri()


# Images the renderer prepares from a file before embedding it, under a "prepared:" URL that
# names the preparation and the file's URL. The URL fetcher checks the file like any other,
# then returns the prepared bytes, cached while the file is unchanged. (A data: URL would do
# the same job, but WeasyPrint's CSS tokenizer reads a long one character by character.)
PREPARED = "prepared:"

# A background is printed full-bleed at A4: 150 dpi is plenty (1754 px on the long side), and
# every certificate's PDF carries it, so a larger or heavier file is scaled and re-encoded.
BACKGROUND_LONG_SIDE = 1754
BACKGROUND_MAX_BYTES = 200 * 1024
BACKGROUND_JPEG_QUALITY = 80
SEAL_OPACITY = 0.85  # ink, not paint: the paper and the print show through a little
SEAL_LONG_SIDE = 450  # 38 mm at 300 dpi


def _image_url(path: str | None, *, kind: str) -> str:
    """The URL the template uses for a background or a seal, or "" (logged) if refused."""
    url = _file_url(path)
    if not url:
        return ""
    try:
        real = allowed_file(url)
        if kind == "background" and real.stat().st_size <= BACKGROUND_MAX_BYTES:
            return url  # light enough: embedded as it is
    except (FetchRefusedError, OSError) as refusal:
        logger.warning("certificate %s left out: %s", kind, refusal)
        return ""
    return f"{PREPARED}{kind}:{url}"


def _prepared(url: str) -> tuple[bytes, str]:
    """The bytes and type behind a "prepared:" URL (its file checked by allowed_file)."""
    kind, _, file_url = url.removeprefix(PREPARED).partition(":")
    if kind not in PREPARATIONS:
        raise FetchRefusedError(f"no such preparation: {url[:200]}")
    real = allowed_file(file_url)
    return PREPARATIONS[kind](str(real), real.stat().st_mtime_ns)


@lru_cache(maxsize=8)
def _print_sized_jpeg(path: str, mtime_ns: int) -> tuple[bytes, str]:
    """The image at most BACKGROUND_LONG_SIDE px, on paper white, as a JPEG."""
    from PIL import Image, ImageOps

    with Image.open(path) as image:
        image = ImageOps.exif_transpose(image)
        image.thumbnail((BACKGROUND_LONG_SIDE, BACKGROUND_LONG_SIDE))
        paper = Image.new("RGB", image.size, (255, 251, 242))
        paper.paste(image, mask=image.getchannel("A") if "A" in image.getbands() else None)
    buffer = io.BytesIO()
    paper.save(buffer, "JPEG", quality=BACKGROUND_JPEG_QUALITY, optimize=True)
    return buffer.getvalue(), "image/jpeg"


@lru_cache(maxsize=16)
def _translucent_seal(path: str, mtime_ns: int) -> tuple[bytes, str]:
    """The seal at most SEAL_LONG_SIDE px, its alpha scaled by SEAL_OPACITY, as a PNG."""
    from PIL import Image

    with Image.open(path) as image:
        rgba = image.convert("RGBA")
    rgba.thumbnail((SEAL_LONG_SIDE, SEAL_LONG_SIDE))
    table = [round(alpha * SEAL_OPACITY) for alpha in range(256)]
    rgba.putalpha(rgba.getchannel("A").point(table))
    buffer = io.BytesIO()
    rgba.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue(), "image/png"


PREPARATIONS = {"background": _print_sized_jpeg, "seal": _translucent_seal}


def _qr_url(url: str, mask: int | None = None) -> str:
    """The QR code as a PNG data: URL: one tiny image, far cheaper to draw than SVG paths."""
    return segno.make(url, error="m", mask=mask).png_data_uri(scale=1, border=4)


# The frame: the sheet's border is the red band and its outline the gold double rule (CSS,
# nearly free to draw); the corner ornaments are one small SVG in the sheet's background.
# WeasyPrint redraws that SVG on every page, so it is two paths and no transforms.
SHEET_INSET_MM = 8  # from the page's edge to the sheet's (the red band's outer edge)


def _corner_paths(width: float, height: float, arms: tuple[float, ...]) -> str:
    """An L at each corner of a width x height box for each (near, far) pair in `arms`."""
    paths = []
    for near, far in zip(arms[::2], arms[1::2], strict=True):
        for x, y, sx, sy in (
            (0, 0, 1, 1),
            (width, 0, -1, 1),
            (0, height, 1, -1),
            (width, height, -1, -1),
        ):
            paths.append(f"M{x + sx * near:g} {y + sy * far:g}V{y + sy * near:g}H{x + sx * far:g}")
    return "".join(paths)


@cache
def _frame_url(orientation: str) -> str:
    """The corner ornaments for this page size as an SVG data: URL, the same on every page."""
    width, height = (size - 2 * SHEET_INSET_MM for size in PAGE_SIZES_MM[orientation])
    svg = render_to_string(
        FRAME_TEMPLATE,
        {
            "width": width,
            "height": height,
            "gold": _corner_paths(width, height, (9, 25, 15, 17)),
            "red": _corner_paths(width, height, (12, 20)),
        },
    )
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


# The widths the template gives the title and the name (the sheet's content box) and the
# issuer (its column), and their regular sizes: a text too wide for them at that size is
# printed smaller, to fit on its one line (see the template's CSS).
CONTENT_WIDTH_MM = {"landscape": 237, "portrait": 162}
ISSUER_WIDTH_MM = {"landscape": 96, "portrait": 88}
TITLE_PT = {"landscape": 44, "portrait": 46}
TITLE_SPACING_EM, LONG_TITLE_SPACING_EM = 0.5, 0.12
NAME_PT, NAME_PADDING_MM = 30, 16
ISSUER_PT, ISSUER_SPACING_EM = 15, 0.05
# Past this many characters (a newline counting half a line) the body is set smaller.
LONG_BODY = {"landscape": 170, "portrait": 230}
HALF_BODY_LINE = {"landscape": 18, "portrait": 13}
POINT_MM = 25.4 / 72


def _width_em(text: str) -> float:
    """The width of a line in em: CJK characters are square, Latin letters, digits and "·"
    narrower (0.6 errs on the wide side)."""
    return sum(1.0 if ord(char) >= 0x2E80 else 0.6 for char in text)


def _fitted_pt(text: str, *, width_mm: float, largest_pt: float, spacing_em: float = 0) -> float:
    """The largest size up to `largest_pt` at which `text` fits `width_mm`, in half points."""
    em_mm = width_mm / max(_width_em(text) * (1 + spacing_em) + spacing_em, 1)
    return min(largest_pt, int(em_mm / POINT_MM * 0.97 * 2) / 2)


def _title_style(content: CertificateContent) -> tuple[bool, str]:
    """(long, inline style) for the title: spaced wide if it fits, else close and smaller."""
    width, largest = CONTENT_WIDTH_MM[content.orientation], TITLE_PT[content.orientation]
    spaced = _fitted_pt(
        content.title, width_mm=width, largest_pt=largest, spacing_em=TITLE_SPACING_EM
    )
    if spaced == largest:
        return False, ""
    close = _fitted_pt(
        content.title, width_mm=width, largest_pt=largest, spacing_em=LONG_TITLE_SPACING_EM
    )
    return True, f"font-size: {close}pt"


def _size_style(text: str, *, width_mm: float, largest_pt: float, spacing_em: float = 0) -> str:
    size = _fitted_pt(text, width_mm=width_mm, largest_pt=largest_pt, spacing_em=spacing_em)
    return "" if size == largest_pt else f"font-size: {size}pt"


def _long_body(content: CertificateContent) -> bool:
    def value(match):
        key = match.group(1)
        return (
            str(content.values[key]) if key in PLACEHOLDERS and key in content.values else match[0]
        )

    text = _PLACEHOLDER.sub(value, content.body).strip()
    length = len(text) + text.count("\n") * HALF_BODY_LINE[content.orientation]
    return length > LONG_BODY[content.orientation]


def _page(content: CertificateContent, *, qr_mask: int | None = None) -> dict:
    if content.orientation not in ORIENTATIONS:
        raise ValueError(f"orientation must be one of {ORIENTATIONS}: {content.orientation!r}")
    long_title, title_style = _title_style(content)
    signatory = "：".join(
        part for part in (content.signatory_title, content.signatory_name) if part
    )
    return {
        "serial": content.serial,
        "title": content.title,
        "name": content.name,
        "body": fill_body(body=content.body, values=content.values),
        "issuer": content.issuer,
        "issued_on": chinese_date(content.issued_on),
        "signatory": signatory,
        "orientation": content.orientation,
        "background_url": _image_url(content.background_path, kind="background"),
        "seal_url": _image_url(content.seal_path, kind="seal"),
        "qr_url": _qr_url(content.verify_url, mask=qr_mask),
        "verify_url": content.verify_url,
        "verify_link": content.verify_url.startswith(("https://", "http://")),
        "long_title": long_title,
        "title_style": title_style,
        "name_style": _size_style(
            content.name,
            width_mm=CONTENT_WIDTH_MM[content.orientation] - NAME_PADDING_MM,
            largest_pt=NAME_PT,
        ),
        "issuer_style": _size_style(
            content.issuer,
            width_mm=ISSUER_WIDTH_MM[content.orientation],
            largest_pt=ISSUER_PT,
            spacing_em=ISSUER_SPACING_EM,
        ),
        "long_body": _long_body(content),
    }


def certificates_html(*, contents: list[CertificateContent]) -> str:
    """The HTML of these certificates, one page each, as WeasyPrint lays it out."""
    # Choosing a QR code's data mask (segno scores all eight by the standard's penalty rules)
    # is ~2.3 ms of the ~3 ms a code costs. A batch's verify URLs differ only in the serial's
    # digits: the mask chosen for the first serves them all (any mask reads the same).
    qr_mask = segno.make(contents[0].verify_url, error="m").mask if len(contents) > 1 else None
    pages = [_page(content, qr_mask=qr_mask) for content in contents]
    # Images are set by class from the stylesheet: an inline style attribute per page costs
    # WeasyPrint a CSS parse per page, and a batch shares one background and one seal.
    backgrounds = {
        url: i for i, url in enumerate(dict.fromkeys(p["background_url"] for p in pages))
    }
    seals = {url: i for i, url in enumerate(dict.fromkeys(p["seal_url"] for p in pages))}
    for page in pages:
        page["background_class"] = f"background-{backgrounds[page['background_url']]}"
        page["seal_class"] = f"seal-{seals[page['seal_url']]}"
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(
            TEMPLATE,
            {
                "certificates": pages,
                "document_title": _document_title(contents),
                "frames": {orientation: _frame_url(orientation) for orientation in ORIENTATIONS},
                "backgrounds": [(i, url) for url, i in backgrounds.items() if url],
                "seals": [(i, url) for url, i in seals.items() if url],
            },
        )


def _document_title(contents: list[CertificateContent]) -> str:
    first, last = contents[0], contents[-1]
    if len(contents) == 1:
        return f"{first.title} {first.serial}"
    return f"{first.title} {first.serial} – {last.serial}"


# --- Fetching: local files under the allowed roots only --------------------------------------


def _allowed_roots() -> list[Path]:
    """MEDIA_ROOT, STATIC_ROOT and the project's static folders, symlinks resolved."""
    roots = [settings.MEDIA_ROOT, settings.STATIC_ROOT]
    for entry in getattr(settings, "STATICFILES_DIRS", []):
        roots.append(entry[1] if isinstance(entry, tuple | list) else entry)
    return [Path(os.path.realpath(root)) for root in roots if root]


def allowed_file(url: str) -> Path:
    """The real path behind a file: URL that lies under an allowed root.

    Raises FetchRefusedError for any other scheme, a host, a `..` segment, a relative path,
    a path (or a symlink's target) outside MEDIA_ROOT and the static folders, or no file.
    """
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        raise FetchRefusedError(f"certificates fetch local files only: {url[:200]}")
    path = unquote(parts.path)
    if not os.path.isabs(path) or ".." in Path(path).parts:
        raise FetchRefusedError(f"not a plain absolute path: {url[:200]}")
    real = Path(os.path.realpath(path))
    if not any(real.is_relative_to(root) for root in _allowed_roots()):
        raise FetchRefusedError(f"outside MEDIA_ROOT and the static folders: {url[:200]}")
    if not real.is_file():
        raise FetchRefusedError(f"no such file: {url[:200]}")
    return real


@cache
def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # loads Pango: only when needed

    class LocalFilesFetcher(URLFetcher):
        """Fetches data: URLs and files under the allowed roots (as they are, or prepared),
        and nothing else.

        A refusal, like an unreadable image, raises an ordinary exception: WeasyPrint logs
        it and draws the page without that image, so one bad path never loses a certificate.
        """

        def fetch(self, url, headers=None):
            if url[:5].lower() == "data:":
                return super().fetch(url, headers)
            if url.startswith(PREPARED):
                body, content_type = _prepared(url)
                return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})
            path = allowed_file(url)
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                path.as_uri(), body=path.read_bytes(), headers={"Content-Type": content_type}
            )

    return LocalFilesFetcher


def url_fetcher():
    """The URL fetcher every certificate render uses (a WeasyPrint `URLFetcher`)."""
    return _fetcher_class()()


# --- Rendering --------------------------------------------------------------------------------


@contextmanager
def no_cyclic_gc():
    """Pause Python's cyclic garbage collector while WeasyPrint works.

    A layout allocates millions of objects that all live until the PDF is written; the
    collector keeps walking them for nothing, a fifth of the time of a 180-page batch.
    Reference counting still frees what it can, and the collector catches up afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _document(contents: list[CertificateContent]):
    from weasyprint import HTML  # loads Pango: only when a PDF is made

    if not contents:
        raise ValueError("no certificates to render")
    html = certificates_html(contents=contents)
    document = HTML(string=html, url_fetcher=url_fetcher()).render()
    if len(document.pages) != len(contents):
        # Pages are handed out by position: a certificate spilling onto a second page
        # would give everyone after it someone else's certificate.
        raise RuntimeError(
            f"{len(contents)} certificates laid out on {len(document.pages)} pages: "
            "the template lets a certificate overflow its page"
        )
    return document


def certificate_pdf(*, content: CertificateContent) -> bytes:
    """One certificate as a complete one-page PDF, its font embedded."""
    with no_cyclic_gc():
        return _document([content]).write_pdf(finisher=finish_pdf)


def certificates_booklet_pdf(*, contents: list[CertificateContent]) -> bytes:
    """All these certificates in one printable PDF, a page each, in the order given."""
    with no_cyclic_gc():
        return _document(contents).write_pdf(finisher=finish_pdf)


def certificate_pdfs(*, contents: list[CertificateContent]) -> list[bytes]:
    """One complete PDF per certificate, in the order given, laid out as one document.

    Each PDF holds its own page only (its content, its QR code, the images and the font
    it uses) and opens on its own. The shared font subset covers the glyphs of the whole
    batch, so a file may carry the outlines of characters printed only on a colleague's
    certificate, never their text. Work of one process: to use more cores, split the batch
    between tasks.
    """
    titles = [f"{content.title} {content.serial}" for content in contents]

    def finish_and_split(document, pdf):
        finish_pdf(document, pdf)
        raise _Split(split_pdf(pdf, titles=titles))  # the combined PDF itself is not wanted

    with no_cyclic_gc():
        try:
            _document(contents).write_pdf(finisher=finish_and_split)
        except _Split as split:
            return split.pdfs
    raise RuntimeError("WeasyPrint did not call the finisher")  # pragma: no cover


class _Split(Exception):  # noqa: N818 — not an error: carries the split PDFs out of write_pdf
    """Raised by the finisher to carry the split PDFs out before pydyf writes the whole."""

    def __init__(self, pdfs: list[bytes]):
        super().__init__()
        self.pdfs = pdfs

"""The certificate PDF engine: filling the body, rare names, what may be fetched, and the
one-layout-cut-per-person fast path. No database: contents are plain values."""

import datetime
import io
import os
import shutil
import subprocess

import pytest
from PIL import Image, ImageDraw
from pypdf import PdfReader

from certificates import rendering
from certificates.rendering import CertificateContent, FetchRefusedError, allowed_file, fill_body

RARE_NAMES = ["刘䶮", "王\U0002b5af", "阿依古丽·买买提"]  # 王𫖯: U+2B5AF, outside the BMP
A4_LANDSCAPE = (841.89, 595.28)  # points
A4_PORTRAIT = (595.28, 841.89)
BODY = "{name}同志于{dates}参加{what}，完成{hours}学时，考核合格，特发此证。"


@pytest.fixture
def media(settings, tmp_path):
    """MEDIA_ROOT in tmp_path, with a seal (red ring on transparency) and a background."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = str(root)
    seal = Image.new("RGBA", (120, 120), (0, 0, 0, 0))
    ImageDraw.Draw(seal).ellipse((4, 4, 116, 116), outline=(200, 16, 30, 255), width=8)
    seal.save(root / "seal.png")
    Image.new("RGB", (300, 212), (250, 244, 228)).save(root / "background.png")
    return root


def content(media, **changes) -> CertificateContent:
    name = changes.pop("name", "张秀英")
    values = {
        "name": name,
        "what": "设施蔬菜种植技术培训",
        "hours": "16",
        "dates": "2026年11月3日至7日",
        "serial": "DG-2026-000123",
        "issuer": "中共东沟乡委员会",
    }
    fields = {
        "serial": "DG-2026-000123",
        "title": "结业证书",
        "body": BODY,
        "values": values,
        "name": name,
        "issuer": "中共东沟乡委员会",
        "issued_on": datetime.date(2026, 11, 29),
        "signatory_name": "李建国",
        "signatory_title": "党委书记",
        "orientation": "landscape",
        "background_path": str(media / "background.png"),
        "seal_path": str(media / "seal.png"),
        "verify_url": "https://shuangyu.example.cn/verify/DG-2026-000123/",
    }
    fields.update(changes)
    return CertificateContent(**fields)


def poppler(tool: str, pdf: bytes, tmp_path, *arguments: str) -> str:
    if shutil.which(tool) is None:
        pytest.skip("poppler-utils is not installed (make test installs it)")
    path = tmp_path / "certificate.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        [tool, *arguments, str(path), *(["-"] if tool == "pdftotext" else [])],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def images(pdf: bytes, tmp_path) -> list[tuple[str, int, int, str]]:
    """(type, width, height, encoding) of each image drawn, as pdfimages lists them."""
    rows = poppler("pdfimages", pdf, tmp_path, "-list").splitlines()[2:]
    return [(r.split()[2], int(r.split()[3]), int(r.split()[4]), r.split()[8]) for r in rows]


def page_size(pdf: bytes) -> tuple[float, float]:
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    return round(float(box.width), 2), round(float(box.height), 2)


# --- The body ----------------------------------------------------------------------------------


def test_body_fills_the_known_placeholders():
    html = fill_body(
        body="{name}同志参加{what}，完成{hours}学时（{dates}），编号{serial}，{issuer}。",
        values={
            "name": "张秀英",
            "what": "培训",
            "hours": "16",
            "dates": "11月",
            "serial": "DG-1",
            "issuer": "乡党委",
        },
    )
    assert html == "张秀英同志参加培训，完成16学时（11月），编号DG-1，乡党委。"


def test_body_leaves_unknown_and_missing_placeholders_as_written():
    html = fill_body(body="{name}于{date}获{hours}学时", values={"name": "李四"})
    assert html == "李四于{date}获{hours}学时"


def test_body_and_values_are_escaped_and_newlines_become_breaks():
    html = fill_body(
        body='<b>表彰</b> & {name}\n<img src="http://evil.example/x.png">',
        values={"name": "<script>alert(1)</script>"},
    )
    assert "<b>" not in html and "<script>" not in html and "<img" not in html
    assert "&lt;b&gt;表彰&lt;/b&gt; &amp; &lt;script&gt;alert(1)&lt;/script&gt;<br>" in html
    assert "&lt;img src=&quot;http://evil.example/x.png&quot;&gt;" in html


def test_a_value_reading_like_a_placeholder_is_not_expanded_again():
    html = fill_body(body="{what}：{name}", values={"what": "{name}", "name": "王五"})
    assert html == "{name}：王五"


def test_the_date_is_printed_the_chinese_way():
    assert rendering.chinese_date(datetime.date(2026, 11, 29)) == "2026年11月29日"


# --- Names outside GB2312 and with a middle dot --------------------------------------------------


@pytest.mark.parametrize("name", RARE_NAMES)
def test_rare_names_come_out_as_text_in_an_embedded_cjk_font(media, tmp_path, name):
    pdf = rendering.certificate_pdf(content=content(media, name=name))

    lines = poppler("pdftotext", pdf, tmp_path).splitlines()
    assert name in lines  # the large name, exactly: no missing glyph, no substitute
    assert any(line.startswith(f"{name}同志于") for line in lines)
    fonts = poppler("pdffonts", pdf, tmp_path).splitlines()[2:]
    assert fonts, "no font in the PDF"
    for font in fonts:
        assert "Noto-Serif-CJK-SC" in font.split()[0] or "Noto-Sans-CJK-SC" in font.split()[0]
        assert font.split()[-5:-2] == ["yes", "yes", "yes"]  # embedded, subset, ToUnicode


def test_the_embedded_font_program_holds_the_rare_names_glyphs(media):
    from fontTools.ttLib import TTFont

    pdf = rendering.certificate_pdf(content=content(media, name="".join(RARE_NAMES)))

    font = PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]
    [type0] = [entry.get_object() for entry in font.values()]
    descriptor = type0["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
    program = TTFont(io.BytesIO(descriptor["/FontFile3"].get_object().get_data()))
    cmap = program.getBestCmap()
    charstrings = program["CFF "].cff.topDictIndex[0].CharStrings
    for char in "".join(RARE_NAMES):
        glyph = cmap[ord(char)]
        assert len(charstrings[glyph].bytecode) > 1, f"{char}: an empty outline"


# --- What may be fetched -------------------------------------------------------------------------


def test_images_under_media_root_are_drawn(media, tmp_path):
    pdf = rendering.certificate_pdf(content=content(media))

    drawn = images(pdf, tmp_path)
    assert (300, 212) in [(width, height) for kind, width, height, _ in drawn if kind == "image"]
    assert (120, 120) in [(width, height) for kind, width, height, _ in drawn if kind == "image"]


def test_a_background_outside_media_root_is_left_out_and_the_certificate_still_made(
    media, tmp_path
):
    outside = tmp_path / "outside"
    outside.mkdir()
    Image.new("RGB", (300, 212), (0, 0, 0)).save(outside / "background.png")

    pdf = rendering.certificate_pdf(
        content=content(media, background_path=str(outside / "background.png"))
    )

    assert "张秀英" in poppler("pdftotext", pdf, tmp_path)
    sizes = [(width, height) for kind, width, height, _ in images(pdf, tmp_path)]
    assert (300, 212) not in sizes  # the background is missing
    assert (120, 120) in sizes  # the seal, inside MEDIA_ROOT, is there


def test_a_seal_reached_through_a_symlink_out_of_media_root_is_left_out(media, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    Image.new("RGBA", (130, 130), (200, 16, 30, 255)).save(outside / "seal.png")
    os.symlink(outside / "seal.png", media / "linked-seal.png")

    pdf = rendering.certificate_pdf(
        content=content(media, seal_path=str(media / "linked-seal.png"))
    )

    assert (130, 130) not in [(width, height) for _, width, height, _ in images(pdf, tmp_path)]


def test_markup_in_the_body_is_printed_as_text_and_fetches_nothing(media, tmp_path, monkeypatch):
    fetched = []
    real_allowed_file = rendering.allowed_file

    def recording(url):
        fetched.append(url)
        return real_allowed_file(url)

    monkeypatch.setattr(rendering, "allowed_file", recording)
    body = '{name}<img src="http://evil.example/x.png">'

    pdf = rendering.certificate_pdf(content=content(media, body=body))

    assert '张秀英<img src="http://evil.example/x.png">' in poppler("pdftotext", pdf, tmp_path)
    assert not [url for url in fetched if "evil" in url]


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/seal.png",
        "https://example.com/seal.png",
        "ftp://example.com/seal.png",
        "file://example.com/srv/seal.png",
        "file:///etc/passwd",
    ],
)
def test_the_fetcher_refuses_anything_but_local_files_under_the_roots(media, url):
    with pytest.raises(FetchRefusedError):
        allowed_file(url)


def test_the_fetcher_refuses_dot_dot_even_when_it_lands_inside(media):
    (media / "sub").mkdir()
    with pytest.raises(FetchRefusedError):
        allowed_file((media / "sub").as_uri() + "/../seal.png")


def test_the_fetcher_allows_media_and_static_files(media, settings, tmp_path):
    static = tmp_path / "static"
    static.mkdir()
    (static / "frame.png").write_bytes(b"png")
    settings.STATICFILES_DIRS = [static]

    assert allowed_file((media / "seal.png").as_uri()) == (media / "seal.png").resolve()
    assert allowed_file((static / "frame.png").as_uri()) == (static / "frame.png").resolve()
    with pytest.raises(FetchRefusedError):
        allowed_file((media / "missing.png").as_uri())


def test_a_refused_fetch_inside_weasyprint_leaves_the_image_out_without_failing(media, tmp_path):
    from weasyprint import HTML

    html = (
        '<p>证书</p><img src="file:///etc/hostname"><img src="http://127.0.0.1:9/x.png">'
        f'<img src="{(media / "seal.png").as_uri()}">'
    )
    pdf = HTML(string=html, url_fetcher=rendering.url_fetcher()).write_pdf()

    assert [(w, h) for kind, w, h, _ in images(pdf, tmp_path) if kind == "image"] == [(120, 120)]


@pytest.mark.parametrize(
    "url", ["prepared:seal:file:///etc/passwd", "prepared:script:file:///srv/seal.png"]
)
def test_prepared_images_pass_the_same_check(media, url):
    with pytest.raises(FetchRefusedError):
        rendering.url_fetcher().fetch(url)


def test_data_urls_are_fetched(media):
    response = rendering.url_fetcher().fetch("data:text/plain;base64,5LmZ")
    assert response.read() == "乙".encode()


# --- Layout --------------------------------------------------------------------------------------


def test_landscape_and_portrait_are_a4_pages_of_their_own_orientation(media):
    landscape = rendering.certificate_pdf(content=content(media, orientation="landscape"))
    portrait = rendering.certificate_pdf(content=content(media, orientation="portrait"))

    assert page_size(landscape) == A4_LANDSCAPE
    assert page_size(portrait) == A4_PORTRAIT


def test_an_unknown_orientation_is_refused(media):
    with pytest.raises(ValueError, match="orientation"):
        rendering.certificate_pdf(content=content(media, orientation="square"))


@pytest.mark.parametrize("orientation", ["landscape", "portrait"])
def test_long_texts_stay_on_one_page(media, tmp_path, orientation):
    long = content(
        media,
        orientation=orientation,
        title="农业农村部新型职业农民培育工程结业证书",
        name="穆罕默德·阿不都热合曼·艾买提·阿不都拉",
        issuer="东沟乡人民政府农业技术推广综合服务站",
        body=BODY + "\n" + "该同志在培训期间认真学习，积极实践，成绩优秀。" * 12,
    )

    pdf = rendering.certificate_pdf(content=long)

    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    assert long.name in poppler("pdftotext", pdf, tmp_path)


def test_a_heavy_background_is_embedded_at_print_size(media, tmp_path):
    noise = Image.effect_noise((3000, 2100), 64).convert("RGB")  # a photo-like, heavy file
    noise.save(media / "photo.png")
    assert (media / "photo.png").stat().st_size > rendering.BACKGROUND_MAX_BYTES

    pdf = rendering.certificate_pdf(
        content=content(media, background_path=str(media / "photo.png"))
    )

    background = max(images(pdf, tmp_path), key=lambda row: row[1] * row[2])
    assert background[3] == "jpeg"
    assert max(background[1], background[2]) <= rendering.BACKGROUND_LONG_SIDE


# --- One layout for a training, one PDF per person -----------------------------------------------


def test_each_person_gets_a_complete_one_page_pdf_with_their_own_name(media, tmp_path):
    people = ["张秀英", *RARE_NAMES]
    contents = [
        content(
            media,
            name=name,
            serial=f"DG-2026-{i:06d}",
            orientation="portrait" if i % 2 else "landscape",
            verify_url=f"https://shuangyu.example.cn/verify/DG-2026-{i:06d}/",
        )
        for i, name in enumerate(people, start=1)
    ]

    pdfs = rendering.certificate_pdfs(contents=contents)

    assert len(pdfs) == len(people)
    for i, (pdf, name) in enumerate(zip(pdfs, people, strict=True), start=1):
        reader = PdfReader(io.BytesIO(pdf), strict=True)
        assert len(reader.pages) == 1
        assert reader.metadata.title == f"结业证书 DG-2026-{i:06d}"
        assert page_size(pdf) == (A4_PORTRAIT if i % 2 else A4_LANDSCAPE)
        lines = poppler("pdftotext", pdf, tmp_path).splitlines()
        assert name in lines
        assert not [other for other in people if other != name and other in lines]
        assert f"DG-2026-{i:06d}" in " ".join(lines)
        assert all(
            row.split()[-5] == "yes" for row in poppler("pdffonts", pdf, tmp_path).splitlines()[2:]
        )
        # Only this person's QR code: the background, the seal (+ its mask) and one QR.
        assert len(images(pdf, tmp_path)) == 4
        assert len(pdf) < 300 * 1024


def test_the_booklet_has_one_page_per_certificate(media, tmp_path):
    contents = [
        content(media, name=name, orientation=orientation)
        for name in RARE_NAMES
        for orientation in ("landscape", "portrait")
    ]

    booklet = rendering.certificates_booklet_pdf(contents=contents)

    reader = PdfReader(io.BytesIO(booklet))
    assert len(reader.pages) == len(contents)
    text = poppler("pdftotext", booklet, tmp_path)
    assert all(text.count(f"{name}同志于") == 2 for name in RARE_NAMES)


def test_one_certificate_fast_path_and_single_render_agree(media, tmp_path):
    one = content(media, name=RARE_NAMES[1])

    [split] = rendering.certificate_pdfs(contents=[one])
    single = rendering.certificate_pdf(content=one)

    assert poppler("pdftotext", split, tmp_path) == poppler("pdftotext", single, tmp_path)


def test_no_certificates_is_an_error():
    with pytest.raises(ValueError):
        rendering.certificate_pdfs(contents=[])

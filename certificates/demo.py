"""The demo township's certificate templates, with a seal drawn here (no file shipped)."""

import io
import math

from django.core.files.images import ImageFile
from django.db.models import Q
from wagtail.images import get_image_model

from .models import CertificateTemplate, Kind

SEAL_TITLE = "东沟乡党委 演示印章"
FONT = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"
TEMPLATES = [
    (
        Kind.PROGRAM,
        "结业证书",
        "{name}同志：\n您已完成{dates}“党性教育+技能培训”双育工程的全部学习要求，累计{hours}学时，"
        "经考核合格，准予结业。\n特发此证。",
    ),
    (
        Kind.COURSE,
        "结业证书",
        "{name}同志于{dates}完成{what}的学习，计{hours}学时，考核合格。\n特发此证。",
    ),
    (
        Kind.TRAINING,
        "培训证书",
        "{name}同志于{dates}参加{what}，完成{hours}学时的学习。\n特发此证。",
    ),
]


def _seal_png(text: str) -> bytes:
    """A round red seal: a ring, a star, and the issuer's name around the top."""
    from PIL import Image, ImageDraw, ImageFont

    size = 400
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    red = (200, 20, 20, 230)
    draw.ellipse((12, 12, size - 12, size - 12), outline=red, width=14)
    centre, radius = size / 2, 58
    points = [
        (
            centre + radius * math.cos(math.radians(-90 + k * 36)) * (1 if k % 2 == 0 else 0.4),
            centre + radius * math.sin(math.radians(-90 + k * 36)) * (1 if k % 2 == 0 else 0.4),
        )
        for k in range(10)
    ]
    draw.polygon(points, fill=red)
    try:
        font = ImageFont.truetype(FONT, 44)
    except OSError:  # no CJK font: a seal without words still shows where it goes
        return _png(image)
    for index, character in enumerate(text):
        angle = -160 + index * (140 / max(len(text) - 1, 1))
        glyph = Image.new("RGBA", (60, 60), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((8, 0), character, font=font, fill=red)
        glyph = glyph.rotate(-angle - 90, resample=Image.BICUBIC)
        x = centre + 140 * math.cos(math.radians(angle)) - 30
        y = centre + 140 * math.sin(math.radians(angle)) - 30
        image.alpha_composite(glyph, (int(x), int(y)))
    return _png(image)


def _png(image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def seed_certificate_templates(township) -> int:
    """Publish the township's template of each kind if it has none in force (idempotent);
    returns how many."""
    Image = get_image_model()
    seal = Image.objects.filter(title=SEAL_TITLE).first()
    if seal is None:
        content = _seal_png("东沟乡委员会")
        seal = Image(title=SEAL_TITLE)
        seal.file = ImageFile(io.BytesIO(content), name="demo-seal.png")
        seal.save()
    added = 0
    for kind, title, body in TEMPLATES:
        in_force = CertificateTemplate.objects.filter(kind=kind).filter(
            Q(township=township) | Q(township__isnull=True)
        )
        if in_force.exists():  # its own, or a county-wide one from an earlier seed
            continue
        template = CertificateTemplate.objects.create(
            name=f"{township.name}{title}（{Kind(kind).label}）",
            kind=kind,
            township=township,
            title=title,
            body=body,
            issuer=f"中共{township.name}委员会",
            signatory_name="王建国",
            signatory_title="党委书记",
            seal=seal,
            live=False,
        )
        template.save_revision().publish()
        added += 1
    return added

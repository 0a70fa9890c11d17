"""Certificate PDFs for a training of 180: one WeasyPrint render each (the naive way) against
one layout for all, cut into one PDF per person (certificates.rendering.certificate_pdfs).

    .venv/bin/python benchmarks/certificate_render.py [--count 180] [--runs 3] [--write]

Each way runs --runs times in this process, alternating, after one warm-up; the medians are
printed as a markdown table, and with --write they are recorded as a section of
benchmarks/RESULTS-certificates-draft.md. The fast way is also run as two processes with 90
each, as two Celery worker processes would run two chunks. Then the re-render of one
certificate (median of 10), the PDF sizes, and a check of what the fast PDFs hold (one page,
the right name as text, the font embedded). Nothing is stored: the budget line says what is
left of 1.8 s for 180 for storing them.

Images are made here with Pillow: a seal (red ring, star, the issuer in an arc; a PNG with
transparency, 600 px) and a paper background (1754 x 1240 JPEG, A4 at 150 dpi), in a
temporary MEDIA_ROOT.
"""

import argparse
import datetime
import logging
import math
import multiprocessing
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.dev")

import django  # noqa: E402

django.setup()
# WeasyPrint logs each step and page at INFO, which the settings' root logger prints: kept
# out of the timings (and of the terminal). Production would do well to do the same.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)

from django.conf import settings  # noqa: E402
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from certificates import rendering  # noqa: E402

RESULTS = ROOT / "benchmarks" / "RESULTS-certificates-draft.md"
BUDGET_SECONDS = 1.8
FONT = "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc"
RARE_NAMES = ["刘䶮", "王𫖯", "阿依古丽·买买提"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "建国秀英桂兰玉兰春梅志强海燕丽娟德明永红文华明亮晓东金凤振华淑珍国庆宝山红霞"
BODY = "{name}同志于{dates}参加{what}，完成{hours}学时，考核合格，特发此证。"


def make_seal(path: Path, issuer: str = "中共东沟乡委员会") -> None:
    """A round red seal: a ring, a five-pointed star, the issuer along the upper arc."""
    size, red = 600, (200, 16, 30, 255)
    seal = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(seal)
    draw.ellipse((12, 12, size - 12, size - 12), outline=red, width=22)
    centre, outer, inner = size / 2, 92, 36
    star = [
        (
            centre + (outer if i % 2 == 0 else inner) * math.sin(i * math.pi / 5),
            centre - (outer if i % 2 == 0 else inner) * math.cos(i * math.pi / 5),
        )
        for i in range(10)
    ]
    draw.polygon(star, fill=red)
    font = ImageFont.truetype(FONT, 64, index=2)  # index 2: the SC face of the collection
    radius, span = 205, math.radians(220)
    for i, char in enumerate(issuer):
        angle = -span / 2 + span * i / (len(issuer) - 1)
        glyph = Image.new("RGBA", (90, 90), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((45, 45), char, font=font, fill=red, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle), resample=Image.BICUBIC)
        x = centre + radius * math.sin(angle) - 45
        y = centre - radius * math.cos(angle) - 45
        seal.alpha_composite(glyph, (round(x), round(y)))
    seal.save(path)


def make_background(path: Path, size=(2480, 1754)) -> None:
    """Warm paper with a faint lattice and a watermark ring, A4 at 212 dpi, as a JPEG (the
    renderer scales what is larger or heavier than A4 at 150 dpi needs)."""
    width, height = size
    paper = Image.new("RGB", size, (251, 246, 232))
    draw = ImageDraw.Draw(paper)
    for offset in range(-height, width, 48):
        draw.line((offset, 0, offset + height, height), fill=(246, 238, 219), width=2)
        draw.line((offset + height, 0, offset, height), fill=(246, 238, 219), width=2)
    for radius in (420, 400):
        draw.ellipse(
            (width / 2 - radius, height / 2 - radius, width / 2 + radius, height / 2 + radius),
            outline=(242, 230, 204),
            width=8,
        )
    paper.save(path, quality=90)


def contents(count: int, media: Path) -> list[rendering.CertificateContent]:
    rng = random.Random(2026)
    names = list(RARE_NAMES)
    while len(names) < count:
        names.append(rng.choice(SURNAMES) + "".join(rng.sample(GIVEN, rng.choice((1, 2)))))
    result = []
    for i, name in enumerate(names[:count], start=1):
        serial = f"DG-2026-{i:06d}"
        values = {
            "name": name,
            "what": "2026年东沟乡农民科技培训（设施蔬菜种植技术）",
            "hours": "16",
            "dates": "2026年11月3日至11月7日",
            "serial": serial,
            "issuer": "中共东沟乡委员会",
        }
        result.append(
            rendering.CertificateContent(
                serial=serial,
                title="结业证书",
                body=BODY,
                values=values,
                name=name,
                issuer=values["issuer"],
                issued_on=datetime.date(2026, 11, 29),
                signatory_name="李建国",
                signatory_title="党委书记",
                orientation="landscape",
                background_path=str(media / "background.jpg"),
                seal_path=str(media / "seal.png"),
                verify_url=f"https://shuangyu.example.cn/verify/{serial}/",
            )
        )
    return result


def naive(batch):
    return [rendering.certificate_pdf(content=content) for content in batch]


def fast(batch):
    return rendering.certificate_pdfs(contents=batch)


def _fast_sizes(batch):
    # A Celery worker would store its PDFs itself; only their sizes travel back here.
    return [len(pdf) for pdf in rendering.certificate_pdfs(contents=batch)]


def fast_two_processes(batch, pool):
    half = len(batch) // 2
    chunks = pool.map(_fast_sizes, [batch[:half], batch[half:]])
    return [size for chunk in chunks for size in chunk]


def timed(function, *args):
    start = time.perf_counter()
    result = function(*args)
    return time.perf_counter() - start, result


def check(pdfs, batch, workdir: Path) -> list[str]:
    """What a person's PDF must hold: one page, their name as text, only embedded fonts."""
    problems = []
    for index in [0, 1, 2, len(batch) - 1]:
        path = workdir / f"check-{index}.pdf"
        path.write_bytes(pdfs[index])
        info = subprocess.run(["pdfinfo", path], capture_output=True, text=True).stdout
        text = subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True).stdout
        fonts = subprocess.run(["pdffonts", path], capture_output=True, text=True).stdout
        if "Pages:           1" not in info:
            problems.append(f"{batch[index].serial}: not one page")
        if batch[index].name not in text.split():
            problems.append(f"{batch[index].serial}: {batch[index].name} not in the text")
        if any(line.split()[-5] != "yes" for line in fonts.splitlines()[2:]):
            problems.append(f"{batch[index].serial}: a font is not embedded")
    return problems


def machine() -> dict:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    subset = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status} ${Version}", "libharfbuzz-subset0"],
        capture_output=True,
        text=True,
    ).stdout
    import weasyprint

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "weasyprint": weasyprint.__version__,
        "harfbuzz_subset": (
            f"installed ({subset.split()[-1]})" if "ok installed" in subset else "NOT installed"
        ),
        "python": platform.python_version(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=180)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--write", action="store_true", help=f"record the results in {RESULTS}")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="certificate-bench-"))
    try:
        media = workdir / "media"
        media.mkdir()
        settings.MEDIA_ROOT = str(media)
        make_seal(media / "seal.png")
        make_background(media / "background.jpg")
        batch = contents(options.count, media)

        naive(batch[:2])  # warm-up: Pango, fontconfig, the font file, the images
        fast(batch[:2])
        pool = multiprocessing.get_context("fork").Pool(2)
        pool.map(_fast_sizes, [batch[:2], batch[2:4]])

        times = {"naive": [], "fast": [], "fast2": []}
        for run in range(options.runs):
            seconds, naive_pdfs = timed(naive, batch)
            times["naive"].append(seconds)
            seconds, fast_pdfs = timed(fast, batch)
            times["fast"].append(seconds)
            seconds, _sizes = timed(fast_two_processes, batch, pool)
            times["fast2"].append(seconds)
            print(
                f"run {run + 1}: naive {times['naive'][-1]:.2f} s, fast {times['fast'][-1]:.2f} s,"
                f" fast in 2 processes {times['fast2'][-1]:.2f} s",
                file=sys.stderr,
            )
        pool.close()

        single = []
        for i in range(10):
            start = time.perf_counter()
            rendering.certificate_pdf(content=batch[i])
            single.append(time.perf_counter() - start)

        problems = check(fast_pdfs, batch, workdir)
        sizes = sorted(len(pdf) for pdf in fast_pdfs)
        naive_sizes = sorted(len(pdf) for pdf in naive_pdfs)
        image_bytes = (media / "background.jpg").stat().st_size + (
            media / "seal.png"
        ).stat().st_size
        report(options, machine(), times, single, sizes, naive_sizes, image_bytes, problems)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def report(options, facts, times, single, sizes, naive_sizes, image_bytes, problems):
    count = options.count
    naive_s = statistics.median(times["naive"])
    fast_s = statistics.median(times["fast"])
    fast2_s = statistics.median(times["fast2"])
    single_ms = statistics.median(single) * 1000
    budget = BUDGET_SECONDS * count / 180
    rows = [
        ("naive: one WeasyPrint render per certificate", naive_s),
        ("fast: one layout, cut into one PDF each (1 process)", fast_s),
        ("fast, 2 processes of half the batch each", fast2_s),
    ]
    lines = [
        f"| way ({count} certificates) | median s | per certificate ms | certificates/s |",
        "|---|---|---|---|",
    ]
    for label, seconds in rows:
        lines.append(
            f"| {label} | {seconds:.2f} | {seconds / count * 1000:.1f} | {count / seconds:.0f} |"
        )
    lines += [
        "",
        "| figure | value |",
        "|---|---|",
        f"| fast / naive time (1 process) | {fast_s / naive_s:.3f}"
        f" ({naive_s / fast_s:.1f}× faster) |",
        f"| fast / naive time (2 processes) | {fast2_s / naive_s:.3f}"
        f" ({naive_s / fast2_s:.1f}× faster) |",
        f"| re-render one certificate (median of 10) | {single_ms:.0f} ms |",
        f"| fast PDF size, median / largest | {statistics.median(sizes) / 1024:.0f} KiB /"
        f" {sizes[-1] / 1024:.0f} KiB |",
        f"| naive PDF size, median / largest | {statistics.median(naive_sizes) / 1024:.0f} KiB /"
        f" {naive_sizes[-1] / 1024:.0f} KiB |",
        f"| the input image files (background, seal; embedded scaled down) |"
        f" {image_bytes / 1024:.0f} KiB |",
        f"| left of the {budget:.1f} s budget for storing (1 process) | {budget - fast_s:.2f} s |",
        f"| left of the {budget:.1f} s budget for storing (2 processes)"
        f" | {budget - fast2_s:.2f} s |",
        f"| check of the fast PDFs (pages, names, fonts) | {'; '.join(problems) or 'ok'} |",
    ]
    table = "\n".join(lines)
    print(table)
    runs = "; ".join(
        f"{key} " + ", ".join(f"{s:.2f}" for s in values) for key, values in times.items()
    )
    if options.write:
        command = (
            ".venv/bin/python benchmarks/certificate_render.py"
            f" --count {count} --runs {options.runs} --write"
        )
        section = f"""## Certificate PDFs for one training ({count}): naive vs one layout cut apart

- **Command**: `{command}`
- **Date**: {datetime.date.today():%Y-%m-%d}
- **Machine**: `nproc` = {facts["nproc"]} ({facts["cpu"]}); Python {facts["python"]};
  WeasyPrint {facts["weasyprint"]}; libharfbuzz-subset0: {facts["harfbuzz_subset"]}.
  Other work was running on the same two cores at the time.
- **What**: {count} landscape A4 certificates (the first three names 刘䶮, 王𫖯, 阿依古丽·买买提,
  the rest drawn from common names), each with a background JPEG and a seal PNG. Naive:
  `certificate_pdf` once per person (same template, font and images). Fast: `certificate_pdfs`,
  one WeasyPrint document of {count} pages written once and cut into one PDF per person. Two
  processes: the fast way on two halves at once, as two Celery worker processes would.
  Wall time, median of {options.runs} runs each ({runs} s). No PDF is stored.

{table}
"""
        existing = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results (draft)\n\n"
        RESULTS.write_text(existing.rstrip("\n") + "\n\n" + section)
        print(f"\nrecorded in {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

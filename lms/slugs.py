"""Readable addresses for pages with Chinese titles.

A Chinese slug travels percent-encoded: 学习党章 becomes /courses/%E5%AD%A6%E4%B9%A0.../, long,
unreadable when shared or read aloud, and cut by some messaging apps. Pages get the title's
pinyin instead, each run of Chinese characters one word: 第一课 党章总纲 → diyike-dangzhangzonggang.
"""

import re

from django.utils.text import slugify
from pypinyin import lazy_pinyin

CHINESE = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def pinyin_slug(text: str) -> str:
    """The text's pinyin (tones dropped) as a slug; ASCII words are kept as they are."""
    spelled = CHINESE.sub(lambda run: f" {''.join(lazy_pinyin(run.group()))} ", text)
    return slugify(spelled)

"""Pages with Chinese titles get addresses a person can read and share: pinyin, not a
percent-encoded string three times as long."""

import pytest

from courses.models import CoursePage
from lms.slugs import pinyin_slug
from tests.factories import courses as build

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("第一课 党章总纲", "diyike-dangzhangzonggang"),
        ("学习党章 做合格党员", "xuexidangzhang-zuohegedangyuan"),
        ("2026年 Python入门", "2026-nian-python-rumen"),
        ("马铃薯脱毒种薯繁育", "malingshutuoduzhongshufanyu"),
    ],
)
def test_a_chinese_title_is_spelled_in_pinyin(title, slug):
    assert pinyin_slug(title) == slug


def test_a_course_with_a_chinese_title_gets_a_pinyin_address():
    page = CoursePage(title="大棚蔬菜种植技术", track="skills")
    build.catalogue().add_child(instance=page)

    assert page.slug == "dapengshucaizhongzhijishu"
    assert page.url.endswith("/dapengshucaizhongzhijishu/")


def test_two_courses_with_the_same_title_get_two_addresses():
    first = CoursePage(title="党史学习", track="party")
    second = CoursePage(title="党史学习", track="party")
    build.catalogue().add_child(instance=first)
    build.catalogue().add_child(instance=second)

    assert (first.slug, second.slug) == ("dangshixuexi", "dangshixuexi-2")


def test_a_slug_the_editor_leaves_in_chinese_is_spelled_in_pinyin_when_saved():
    page = build.course("党章")

    page.slug = "党章学习"  # as the editor's title field fills it
    page.save_revision().publish()
    page.refresh_from_db()

    assert page.slug == "dangzhangxuexi"
    assert "%" not in page.url

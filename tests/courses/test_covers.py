"""Editors give a course a cover photo; the lists show it small (a WebP rendition, loaded
lazily) and the course page as a banner, at a constant number of queries."""

import io

import pytest
from django.core.files.images import ImageFile
from PIL import Image as PillowImage
from wagtail.images.models import Image

from courses.services import enrollment_create
from lms.people.services import person_account_create
from tests.conftest import PASSWORD
from tests.factories import courses as build
from tests.factories.people import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _photo(title="大棚") -> Image:
    data = io.BytesIO()
    PillowImage.new("RGB", (800, 600), (30, 120, 60)).save(data, "PNG")
    return Image.objects.create(title=title, file=ImageFile(data, name=f"{title}.png"))


@pytest.fixture
def learner(client, village_a):
    member = PersonFactory(village=village_a, is_party_member=True)
    person_account_create(person=member, password=PASSWORD)
    client.force_login(member.user)
    client.member = member
    return client


def test_a_courses_cover_shows_small_in_the_lists_and_large_on_its_page(learner):
    course = build.course("大棚蔬菜种植", audience="everyone")
    course.cover = _photo()
    course.save_revision().publish()
    enrollment_create(person=learner.member, course=course, source="assigned")

    catalogue = learner.get(build.catalogue().url).content.decode()
    my_study = learner.get("/study/").content.decode()
    page = learner.get(course.url).content.decode()

    for html in (catalogue, my_study):
        assert 'class="course-cover"' in html and ".webp" in html and 'loading="lazy"' in html
    assert 'class="course-banner"' in page and ".webp" in page


def test_covers_cost_the_lists_a_fixed_number_of_queries(learner, django_assert_max_num_queries):
    for n in range(5):
        course = build.course(f"课程{n}", audience="everyone")
        course.cover = _photo(f"封面{n}")
        course.save_revision().publish()
    url = build.catalogue().url
    learner.get(url)  # renditions made once, the site kept

    # the session, the page, enrolments: covers and renditions are kept with the courses
    with django_assert_max_num_queries(3):
        assert learner.get(url).status_code == 200

"""Who writes the courses: township staff add, edit and publish them in the Wagtail admin
and upload lesson media; village secretaries and organizers do not."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.documents.models import Document
from wagtail.models import Collection

from courses.blocks import QuestionBlock
from courses.models import CoursePage
from tests.conftest import PASSWORD
from tests.factories import courses as build

pytestmark = pytest.mark.django_db


def test_township_staff_may_add_and_publish_courses_under_the_catalogue(township_staff):
    catalogue = build.catalogue()
    rights = catalogue.permissions_for_user(township_staff)
    assert rights.can_add_subpage() and rights.can_publish_subpage()

    course = build.course("学习党章")
    course_rights = course.permissions_for_user(township_staff)
    assert course_rights.can_edit() and course_rights.can_publish()


def test_secretaries_and_organizers_may_not_write_courses(secretary_a, organizer_a):
    catalogue = build.catalogue()
    for user in (secretary_a, organizer_a):
        assert not catalogue.permissions_for_user(user).can_add_subpage()


def test_township_staff_open_the_add_course_form_and_upload_lesson_audio(client, township_staff):
    catalogue = build.catalogue()
    client.login(username=township_staff.username, password=PASSWORD)

    form = client.get(f"/admin/pages/add/courses/coursepage/{catalogue.pk}/")
    assert form.status_code == 200

    audio = SimpleUploadedFile("第一课.m4a", b"\x00" * 64, content_type="audio/mp4")
    response = client.post(
        "/admin/documents/multiple/add/",
        {"files[]": audio, "collection": Collection.get_first_root_node().pk},
        headers={"x-requested-with": "XMLHttpRequest"},
    )
    assert response.status_code == 200, response.content
    assert Document.objects.filter(title__startswith="第一课").exists()
    assert not CoursePage.objects.exists()


def test_a_new_quiz_question_starts_with_the_two_options_it_needs():
    options = QuestionBlock().get_default()["options"]

    assert len(options) == 2 == QuestionBlock.base_blocks["options"].meta.min_num

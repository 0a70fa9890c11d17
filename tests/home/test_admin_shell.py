"""The admin in the township's name and language, calling nothing outside the deployment."""

import gzip

import pytest
from django.conf import settings
from wagtail.users.models import UserProfile

pytestmark = pytest.mark.django_db
ENGLISH_BROWSER = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def test_staff_with_an_english_browser_get_the_admin_in_chinese(client, organizer_a):
    client.force_login(organizer_a)

    page = client.get("/admin/", **ENGLISH_BROWSER)

    assert page.headers["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans"' in page.content.decode()


def test_a_staff_member_who_chose_english_in_their_account_gets_english(client, organizer_a):
    UserProfile.objects.create(user=organizer_a, preferred_language="en")
    client.force_login(organizer_a)

    page = client.get("/admin/").content.decode()

    assert '<html lang="en"' in page


def test_the_learner_site_still_follows_the_browser(client, db):
    assert client.get("/", **ENGLISH_BROWSER).headers["Content-Language"] == "en"


def test_admin_pages_carry_the_platforms_name_and_icon(client, township_staff):
    client.force_login(township_staff)

    for url in ("/admin/", "/admin/login/"):
        html = client.get(url, follow=True).content.decode()
        assert "- 双育</title>" in html and "Wagtail" not in html.split("</title>")[0]
        assert 'rel="icon" type="image/svg+xml" href="/static/img/shuangyu-logo.svg"' in html


def test_learner_pages_carry_the_icon(client, db):
    html = client.get("/").content.decode()
    assert 'href="/static/img/shuangyu-logo.svg"' in html


def test_the_admin_calls_no_server_outside_the_deployment(client, superuser):
    client.force_login(superuser)

    html = client.get("/admin/").content.decode()

    assert settings.WAGTAIL_ENABLE_UPDATE_CHECK is False
    assert "data-w-upgrade" not in html  # the release check against releases.wagtail.io
    for outside in ("wagtail.org", "guide.wagtail", "releases.wagtail"):
        assert outside not in html


def test_the_help_menu_keeps_only_the_keyboard_shortcuts(rf, superuser):
    from wagtail.admin.menu import help_menu

    request = rf.get("/admin/")
    request.user = superuser

    names = [item.name for item in help_menu.menu_items_for_request(request)]

    assert names == ["keyboard-shortcuts-trigger"]


def test_the_dashboard_shows_no_count_of_cms_files(client, township_staff):
    client.force_login(township_staff)

    html = client.get("/admin/").content.decode()

    assert "w-summary" not in html


def test_the_admins_icon_sprite_is_compressed_and_kept_for_a_year(client, db):
    response = client.get("/admin/sprite/?h=abc", HTTP_ACCEPT_ENCODING="gzip, br")

    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert "immutable" in response.headers["Cache-Control"]


def test_the_admins_script_translations_are_compressed_and_in_chinese(client, organizer_a):
    client.force_login(organizer_a)

    response = client.get("/admin/jsi18n/", HTTP_ACCEPT_ENCODING="gzip", **ENGLISH_BROWSER)

    assert response.headers["Content-Encoding"] == "gzip"
    assert "no-cache" in response.headers["Cache-Control"]
    body = gzip.decompress(response.content).decode()
    assert "\\u63d2\\u5165\\u5185\\u5bb9\\u5757" in body or "插入内容块" in body  # Insert a block

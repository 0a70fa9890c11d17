"""The Content-Security-Policy (lms/csp.py): every HTML page says which scripts may run, and
none of ours needs more than our own static files or the page's nonce."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.http import HttpResponse, JsonResponse
from django.test import RequestFactory
from django.urls import reverse

from courses.models import Enrollment
from lms.csp import ContentSecurityPolicyMiddleware
from lms.people.services import person_account_create
from tests.factories import courses as build
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.people import PersonFactory
from tests.factories.site import site_tree_ensure

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
HEADER = "Content-Security-Policy"


def policy(response) -> dict[str, list[str]]:
    directives = (part.split() for part in response[HEADER].split(";") if part.strip())
    return {name: sources for name, *sources in directives}


def page_nonce(response) -> str:
    (nonce,) = [s[7:-1] for s in policy(response)["script-src"] if s.startswith("'nonce-")]
    return nonce


class Markup(HTMLParser):
    """The page's <script> tags and any inline event handler (onclick=, onchange=, …)."""

    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.handlers: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self.scripts.append(dict(attrs))
        self.handlers += [f"<{tag} {name}=…>" for name, _value in attrs if name.startswith("on")]


def markup(response) -> Markup:
    parser = Markup()
    parser.feed(response.content.decode())
    return parser


def assert_scripts_are_ours_or_carry_the_nonce(response):
    nonce = page_nonce(response)
    for script in markup(response).scripts:
        src = script.get("src")
        if src is not None:
            assert src.startswith("/") and not src.startswith("//"), script  # our origin
        elif script.get("type") != "application/json":  # data, never run
            assert script.get("nonce") == nonce, script


@pytest.fixture
def member(village_a):
    person = PersonFactory(name="王秀兰", village=village_a, is_party_member=True)
    person_account_create(person=person, password="secret-pass-123")
    return person


@pytest.fixture
def lesson(member):
    site_tree_ensure()
    course = build.course("学习党章", is_required=True)
    lesson = build.lesson(course, "第一课")
    Enrollment.objects.create(person=member, course=course, source=Enrollment.Source.SELF)
    return lesson


@pytest.mark.django_db
def test_learner_pages_send_the_sites_policy_with_a_fresh_nonce_and_only_allowed_scripts(
    client, member, lesson
):
    client.force_login(member.user)
    course = lesson.get_parent()
    pages = ["/", "/study/", course.url, lesson.url, "/training/my-code/", "/me/", "/certificates/"]

    for url in pages:
        first, again = client.get(url), client.get(url)

        assert first.status_code == 200, url
        rules = policy(first)
        assert rules["default-src"] == ["'self'"]
        assert rules["script-src"] == ["'self'", f"'nonce-{page_nonce(first)}'"]
        assert rules["object-src"] == ["'none'"] and rules["frame-ancestors"] == ["'self'"]
        assert rules["connect-src"] == ["'self'"]  # the heartbeat goes home, nowhere else
        assert page_nonce(first) != page_nonce(again), url
        assert_scripts_are_ours_or_carry_the_nonce(first)
        assert markup(first).handlers == [], url
    # The heartbeat is a static file of ours, allowed by 'self'.
    scripts = markup(client.get(lesson.url)).scripts
    assert any("study-heartbeat" in script.get("src", "") for script in scripts)


@pytest.mark.django_db
def test_login_page_sends_the_policy_to_visitors(client):
    response = client.get(reverse("accounts:login"))

    assert response.status_code == 200
    assert "'unsafe-inline'" not in policy(response)["script-src"]
    assert_scripts_are_ours_or_carry_the_nonce(response)
    assert markup(response).handlers == []


@pytest.mark.django_db
def test_projector_screen_and_scanner_keep_to_the_sites_policy(client, organizer_a, village_a):
    session = TrainingSessionFactory(village=village_a)
    client.force_login(organizer_a)

    for name in ["screen", "scan", "roll_call"]:
        response = client.get(reverse(f"attendance:{name}", args=[session.pk]))
        assert response.status_code == 200, name
        rules = policy(response)
        assert "'unsafe-inline'" not in rules["script-src"]
        # What the scanner and screen make themselves (a camera frame, a drawn image).
        assert "data:" in rules["img-src"] and "blob:" in rules["media-src"]
        assert_scripts_are_ours_or_carry_the_nonce(response)
        assert markup(response).handlers == []


@pytest.mark.django_db
def test_admin_allows_wagtails_inline_scripts_and_nothing_from_elsewhere(client, administrator):
    client.force_login(administrator)

    first, again = client.get("/admin/"), client.get("/admin/")

    rules = policy(first)
    # Wagtail's widgets write inline scripts without a nonce (CONTENT_SECURITY_POLICY_ADMIN).
    assert rules["script-src"] == ["'self'", "'unsafe-inline'"]
    assert first[HEADER] == again[HEADER]  # no nonce: 'unsafe-inline' beside one is ignored
    assert rules["object-src"] == ["'none'"] and rules["form-action"] == ["'self'"]
    for script in markup(first).scripts:
        src = script.get("src")
        assert src is None or (src.startswith("/") and not src.startswith("//")), script
    assert first.wsgi_request.csp_nonce != again.wsgi_request.csp_nonce


def _through_middleware(response, path="/"):
    request = RequestFactory().get(path)
    return request, ContentSecurityPolicyMiddleware(lambda request: response)(request)


def test_pdfs_json_and_documents_get_no_site_policy():
    pdf = HttpResponse(b"%PDF-1.7", content_type="application/pdf")
    document = HttpResponse(b"<p>", content_type="text/html")
    document[HEADER] = "default-src 'none'"  # as Wagtail serves documents

    assert HEADER not in _through_middleware(pdf)[1]
    assert HEADER not in _through_middleware(JsonResponse({"ok": True}), "/api/v1/x")[1]
    assert _through_middleware(document)[1][HEADER] == "default-src 'none'"


def test_an_inline_script_runs_only_with_the_nonce_of_its_own_response():
    request, response = _through_middleware(HttpResponse("<p>", content_type="text/html"))

    assert f"'nonce-{request.csp_nonce}'" in policy(response)["script-src"]
    assert len(request.csp_nonce) >= 22  # 128 random bits


def test_our_templates_have_no_inline_event_handlers_or_scripts_without_the_nonce():
    handler = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
    script = re.compile(r"<script\b[^>]*>", re.IGNORECASE)
    found = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text()
        found += [f"{path.name}: {m.group(0)[:60]}" for m in handler.finditer(text)]
        found += [
            f"{path.name}: {tag}"
            for tag in script.findall(text)
            if not re.search(r"\ssrc=|\snonce=\"{{ request.csp_nonce }}\"|application/json", tag)
        ]
    assert found == []

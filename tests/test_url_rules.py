"""Every URL of our apps and every API operation, and who may reach it (hardening issue 13).

The routes are read from the URL conf and the API's OpenAPI schema, not listed by hand: a
route that RULES does not name fails `test_every_route_has_a_rule`, so nobody adds an
endpoint without deciding who may reach it. Each route is then asked for by five people:
nobody logged in, a learner of 东沟村 (village A), the secretary of 西沟村 (village B), the
organizer of 东沟村 and the township's staff; every path argument is an object of 东沟村.
"""

import datetime
import enum
import hashlib
import io
import json
import re
import types

import pytest
import time_machine
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone
from PIL import Image
from wagtail.admin.viewsets import viewsets
from wagtail.fields import StreamField
from wagtail.models import Page, get_page_models

from attendance.models import AttendanceRecord, PendingWalkIn, Registration, SheetPhoto
from attendance.services import attendance_mark
from attendance.sign_in import person_code_make, sign_in_code_make, sign_in_token_make
from certificates import services as certificate_services
from certificates.models import IssueBatch, Kind
from courses.models import CourseAssignment, CoursePage
from courses.services import enrollment_create
from lms.api import api
from lms.exports.models import ListingExport
from lms.ledger.models import AnnualRequirement
from lms.people.models import PersonMerge, RoleAssignment
from lms.people.services import person_account_create, role_assign
from lms.stats.models import AnnualTarget, StatsExport
from tests.conftest import PASSWORD, beijing
from tests.factories import courses as course_factories
from tests.factories.attendance import TrainingSessionFactory, kind
from tests.factories.certificates import published_template
from tests.factories.people import (
    PartyBranchFactory,
    PersonFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
)
from tests.factories.site import site_tree_ensure

OUR_APPS = ("lms", "courses", "attendance", "certificates")
ROLES = ("anonymous", "learner", "secretary_b", "organizer_a", "township_staff")


class Rule(enum.Enum):
    """Who may reach a route: the roles, among the five asking, that get it."""

    # Anyone, logged in or not (the login, verifying a certificate, the health check).
    PUBLIC = frozenset(ROLES)
    # Any account: a learner's own pages, which show staff their own (empty) view.
    LOGGED_IN = frozenset(ROLES) - {"anonymous"}
    # A learner's own record (a roster person behind the account); staff have none.
    LEARNER = frozenset({"learner"})
    # Any staff role; listings show each the rows of their own villages.
    STAFF = frozenset({"secretary_b", "organizer_a", "township_staff"})
    # Staff whose villages include the object's village (东沟村).
    VILLAGE_SCOPED = frozenset({"organizer_a", "township_staff"})
    # The owner of a certificate, and staff whose villages include the owner's.
    OWNER_OR_SCOPED = frozenset({"learner", "organizer_a", "township_staff"})
    # The staff member who asked for it (an export: what their scope showed).
    REQUESTER = frozenset({"organizer_a"})
    # The township's own settings and editorial work: township staff and administrators.
    TOWNSHIP = frozenset({"township_staff"})
    # Administrators only (accounts, roles, townships, merges): none of the five.
    ADMINISTRATOR = frozenset()


# How a route answers those it admits, when that is not 200 to a GET.
POST_ONLY = frozenset({405})  # GET: 405; a POST by anyone refused is checked to change nothing
REDIRECTS = frozenset({302})  # a step with nothing to show yet, or a page that moves on
LOGIN_PAGE = frozenset({200, 302})  # the login form; someone logged in is sent on
NOTHING_SCANNED = frozenset({400})  # the sign-in form, reached without a scanned code
CREATED = frozenset({201})
ACCEPTED = frozenset({202})

P, L, LEARNER, STAFF = Rule.PUBLIC, Rule.LOGGED_IN, Rule.LEARNER, Rule.STAFF
SCOPED, TOWNSHIP, ADMIN = Rule.VILLAGE_SCOPED, Rule.TOWNSHIP, Rule.ADMINISTRATOR

# Every route of our apps, "namespace:name" in the URL conf or "METHOD /path" in the API,
# and who may reach it: a Rule, or (Rule, how it answers them when not 200).
RULES = {
    # The site: logging in, the health check, verifying a certificate.
    "accounts:login": (P, LOGIN_PAGE),
    "accounts:logout": (P, POST_ONLY),
    "healthz": P,
    "certificates:verify": P,
    "heartbeat": (P, POST_ONLY),  # the study ticket is its credential, not a login
    # Signing in at a training: anyone may scan; the page then asks who they are.
    "attendance:token": (P, REDIRECTS),
    "attendance:code": P,
    "attendance:sign_in": (P, NOTHING_SCANNED),
    "attendance:done": (P, REDIRECTS),
    # A learner's own pages (staff see their own, empty, view of the first three).
    "attendance:index": L,
    "home:my_study": L,
    "home:me": L,
    # The elder mode is a cookie on the phone: anyone may switch it, nothing is stored.
    "home:elder_mode": (P, POST_ONLY),
    # 工作台: staff only; a member asking is sent to 我的学习.
    "home:desk": STAFF,
    "certificates:mine": L,
    "attendance:my_code": LEARNER,
    "attendance:rate": LEARNER,
    "certificates:my_record": LEARNER,
    "courses:enrol": (LEARNER, POST_ONLY),
    "courses:quiz": LEARNER,
    "certificates:pdf": Rule.OWNER_OR_SCOPED,
    # The organizer's pages on the site.
    "attendance:cards": STAFF,
    "attendance:session": SCOPED,
    "attendance:screen": SCOPED,
    "attendance:roll_call": SCOPED,
    "attendance:scan": SCOPED,
    "attendance:walk_in": SCOPED,
    # Admin: people.
    "people:index": STAFF,
    "people:index_results": STAFF,
    "people:add": STAFF,
    "people:edit": SCOPED,
    "people:inspect": SCOPED,
    "people:history": SCOPED,
    "people:history_results": SCOPED,
    "people:usage": SCOPED,
    "people:delete": ADMIN,
    "people_admin:account": SCOPED,
    "people_admin:import": STAFF,
    "people_admin:import_confirm": (STAFF, POST_ONLY),
    "people_admin:merge": ADMIN,
    "people_admin:merge_confirm": ADMIN,
    "merges:index": ADMIN,
    "merges:index_results": ADMIN,
    "merges:add": ADMIN,
    "merges:edit": ADMIN,
    "merges:delete": ADMIN,
    "merges:copy": ADMIN,
    "merges:inspect": ADMIN,
    "merges:history": ADMIN,
    "merges:history_results": ADMIN,
    "merges:usage": ADMIN,
    # Admin: places, branches, accounts and roles.
    "townships:index": TOWNSHIP,
    "townships:index_results": TOWNSHIP,
    "townships:add": ADMIN,
    "townships:edit": ADMIN,
    "townships:delete": ADMIN,
    "townships:copy": ADMIN,
    "townships:history": ADMIN,
    "townships:history_results": ADMIN,
    "townships:usage": ADMIN,
    "villages:index": TOWNSHIP,
    "villages:index_results": TOWNSHIP,
    "villages:add": ADMIN,
    "villages:edit": ADMIN,
    "villages:delete": ADMIN,
    "villages:copy": ADMIN,
    "villages:history": ADMIN,
    "villages:history_results": ADMIN,
    "villages:usage": ADMIN,
    "branches:index": TOWNSHIP,
    "branches:index_results": TOWNSHIP,
    "branches:add": TOWNSHIP,
    "branches:edit": TOWNSHIP,
    "branches:copy": TOWNSHIP,
    "branches:history": TOWNSHIP,
    "branches:history_results": TOWNSHIP,
    "branches:usage": TOWNSHIP,
    "branches:delete": ADMIN,
    "roles:index": ADMIN,
    "roles:index_results": ADMIN,
    "roles:add": ADMIN,
    "roles:edit": ADMIN,
    "roles:delete": ADMIN,
    "roles:copy": ADMIN,
    "roles:history": ADMIN,
    "roles:history_results": ADMIN,
    "roles:usage": ADMIN,
    "wagtailusers_users:index": ADMIN,
    "wagtailusers_users:index_results": ADMIN,
    "wagtailusers_users:add": ADMIN,
    "wagtailusers_users:edit": ADMIN,
    "wagtailusers_users:delete": ADMIN,
    "wagtailusers_users:copy": ADMIN,
    "wagtailusers_users:history": ADMIN,
    "wagtailusers_users:history_results": ADMIN,
    "wagtailusers_users:usage": ADMIN,
    # Admin: the township's settings.
    "programs:index": TOWNSHIP,
    "programs:index_results": TOWNSHIP,
    "programs:add": TOWNSHIP,
    "programs:edit": TOWNSHIP,
    "programs:delete": TOWNSHIP,
    "programs:history": TOWNSHIP,
    "programs:history_results": TOWNSHIP,
    "programs:usage": TOWNSHIP,
    "annual_targets:index": TOWNSHIP,
    "annual_targets:index_results": TOWNSHIP,
    "annual_targets:add": TOWNSHIP,
    "annual_targets:edit": TOWNSHIP,
    "annual_targets:delete": TOWNSHIP,
    "annual_targets:history": TOWNSHIP,
    "annual_targets:history_results": TOWNSHIP,
    "annual_targets:usage": TOWNSHIP,
    "session_kinds:index": STAFF,
    "session_kinds:index_results": STAFF,
    "session_kinds:add": TOWNSHIP,
    "session_kinds:edit": TOWNSHIP,
    "session_kinds:history": TOWNSHIP,
    "session_kinds:history_results": TOWNSHIP,
    "session_kinds:usage": TOWNSHIP,
    "session_kinds:reorder": (TOWNSHIP, POST_ONLY),
    "session_kinds:delete": ADMIN,
    # Admin: training sessions and their paper.
    "training_sessions:index": STAFF,
    "training_sessions:index_results": STAFF,
    "training_sessions:add": STAFF,
    "training_sessions:add_series": STAFF,
    "training_sessions:edit": SCOPED,
    "training_sessions:inspect": SCOPED,
    "training_sessions:copy": SCOPED,
    "training_sessions:cancel": SCOPED,
    "training_sessions:history": SCOPED,
    "training_sessions:history_results": SCOPED,
    "training_sessions:usage": SCOPED,
    "training_sessions:roster": SCOPED,
    "training_sessions:registration_cancel": (SCOPED, POST_ONLY),
    "training_sessions:sheet_pdf": SCOPED,
    "training_sessions:photos": SCOPED,
    "training_sessions:photo": SCOPED,
    "training_sessions:delete": TOWNSHIP,
    "attendance_calendar:index": STAFF,
    "attendance_imports:sessions_import": STAFF,
    "attendance_imports:sessions_import_confirm": (STAFF, POST_ONLY),
    "attendance_imports:sheet_import": SCOPED,
    "attendance_imports:sheet_import_confirm": (SCOPED, POST_ONLY),
    "attendance_person_chooser:choose": STAFF,
    "attendance_person_chooser:choose_results": STAFF,
    "attendance_person_chooser:chosen_multiple": STAFF,
    "attendance_person_chooser:chosen": SCOPED,
    # Admin: attendance records and enrolments change only through services: read only.
    "attendance_records:index": STAFF,
    "attendance_records:index_results": STAFF,
    "attendance_records:inspect": SCOPED,
    "attendance_records:history": ADMIN,
    "attendance_records:history_results": ADMIN,
    "attendance_records:usage": ADMIN,
    "course_enrollments:index": STAFF,
    "course_enrollments:index_results": STAFF,
    "course_enrollments:assign": STAFF,
    # A queued assignment's progress: who asked, and staff who see all its villages.
    "course_enrollments:assignment": SCOPED,
    "course_enrollments:inspect": SCOPED,
    "course_enrollments:history": SCOPED,
    "course_enrollments:history_results": SCOPED,
    "course_enrollments:usage": SCOPED,
    # Admin: certificates, their templates and batches.
    "certificates_list:index": STAFF,
    "certificates_list:index_results": STAFF,
    "certificates_list:inspect": SCOPED,
    "certificates_list:add": ADMIN,
    "certificates_list:edit": ADMIN,
    "certificates_list:delete": ADMIN,
    "certificates_list:history": ADMIN,
    "certificates_list:history_results": ADMIN,
    "certificates_list:usage": ADMIN,
    "certificates_admin:records": STAFF,
    "certificates_admin:session": SCOPED,
    "certificates_admin:session_zip": SCOPED,
    "certificates_admin:session_booklet": SCOPED,
    "certificates_admin:batch": SCOPED,
    "certificates_admin:revoke": SCOPED,
    # Any staff member chooses a template when issuing; only administrators edit them.
    "wagtailsnippetchoosers_certificates_certificatetemplate:choose": STAFF,
    "wagtailsnippetchoosers_certificates_certificatetemplate:choose_results": STAFF,
    "wagtailsnippetchoosers_certificates_certificatetemplate:chosen": STAFF,
    "wagtailsnippetchoosers_certificates_certificatetemplate:chosen_multiple": STAFF,
    "wagtailsnippetchoosers_certificates_certificatetemplate:create": ADMIN,
    **dict.fromkeys(
        (
            f"wagtailsnippets_certificates_certificatetemplate:{view}"
            for view in (
                "list",
                "list_results",
                "add",
                "edit",
                "delete",
                "copy",
                "usage",
                "history",
                "history_results",
                "preview_on_add",
                "preview_on_edit",
                "revisions_view",
                "revisions_revert",
                "revisions_compare",
                "revisions_unschedule",
                "unpublish",
            )
        ),
        ADMIN,
    ),  # fmt: skip
    # Admin: statistics and exports (an export's file is its requester's: what their scope
    # showed them).
    "stats:index": STAFF,
    "stats:download": (STAFF, REDIRECTS),  # queues the export, then shows its progress
    "stats:export": Rule.REQUESTER,
    "stats:export_file": Rule.REQUESTER,
    "listing_exports:status": Rule.REQUESTER,
    "listing_exports:file": Rule.REQUESTER,
    # Our Wagtail pages: what the township publishes is for anyone to read; studying it
    # (the ticket, the heartbeat, the quiz) needs a login.
    "page home.HomePage": P,
    "page courses.CourseIndexPage": P,
    "page courses.CoursePage": P,
    "page courses.LessonPage": P,
    # The API.
    "POST /api/v1/auth/token": P,
    "GET /api/v1/people/me": LEARNER,
    "GET /api/v1/people/": STAFF,
    "GET /api/v1/people/{person_id}": SCOPED,
    "POST /api/v1/attendance/sign-in": LEARNER,
    "POST /api/v1/attendance/sessions/{session_id}/evaluation": (LEARNER, CREATED),
    "GET /api/v1/attendance/sessions/{session_id}/screen": SCOPED,
    "GET /api/v1/attendance/sessions/{session_id}/rating": SCOPED,
    "POST /api/v1/attendance/sessions/{session_id}/person-code": SCOPED,
    "POST /api/v1/attendance/sessions/{session_id}/roll-call": SCOPED,
    "POST /api/v1/attendance/walk-ins/{walk_in_id}/resolve": SCOPED,
    "GET /api/v1/study/courses": LEARNER,
    "GET /api/v1/study/courses/{course_id}": LEARNER,
    "POST /api/v1/study/courses/{course_id}/enrol": LEARNER,
    "POST /api/v1/study/lessons/{lesson_id}/ticket": LEARNER,
    "GET /api/v1/study/hours": LEARNER,
    # Asked for 东沟村's figures: staff of other villages get the figures of nothing, and
    # the targets are township staff's; test_figures_stay_within_the_askers_villages.
    "GET /api/v1/stats/report": STAFF,
    "GET /api/v1/stats/overview": STAFF,
    "GET /api/v1/stats/targets": STAFF,
    "GET /api/v1/certificates/": LEARNER,
    "GET /api/v1/certificates/verify/{serial}": P,
    "POST /api/v1/certificates/sessions/{session_id}/issue": (SCOPED, ACCEPTED),
    "GET /api/v1/certificates/batches/{batch_id}": SCOPED,
}

# --- The routes -------------------------------------------------------------------------------


def _ours(module: str) -> bool:
    return (module or "").split(".")[0] in OUR_APPS


def _our_viewset_namespaces() -> set[str]:
    """Wagtail viewsets our apps register (some with Wagtail's own view classes)."""
    get_resolver().url_patterns  # noqa: B018  (the admin's URLs register the viewsets)
    namespaces = set()
    for viewset in viewsets.viewsets:
        model = getattr(viewset, "model", None)
        if isinstance(model, str):
            model = apps.get_model(model)
        if _ours(type(viewset).__module__) or (model is not None and _ours(model.__module__)):
            namespaces.add(viewset.url_namespace)
    return namespaces


def url_routes() -> dict[str, object]:
    """Route name → URL pattern, for every pattern whose view is ours or whose viewset is."""
    namespaces = _our_viewset_namespaces()
    found = {}

    def walk(resolver, names, prefix):
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                namespace = [pattern.namespace] if pattern.namespace else []
                walk(pattern, names + namespace, prefix + str(pattern.pattern))
                continue
            view = getattr(pattern.callback, "view_class", None) or pattern.callback
            if _ours(view.__module__) or (names and names[-1] in namespaces):
                # An unnamed route is known by its path (and must be named to be asked for).
                name = ":".join([*names, pattern.name]) if pattern.name else None
                found[name or prefix + str(pattern.pattern)] = pattern

    walk(get_resolver(), [], "/")
    return found


def page_types() -> list[str]:
    """Our Wagtail page types, served by Wagtail's own view at their place in the tree."""
    return sorted(
        f"page {model._meta.label}" for model in get_page_models() if _ours(model.__module__)
    )


def api_operations() -> list[str]:
    schema = api.get_openapi_schema()
    return [f"{method.upper()} {path}" for path, ops in schema["paths"].items() for method in ops]


# --- The objects of 东沟村 that fill the path arguments -----------------------------------------


QUIZ = [
    (
        "question",
        {
            "kind": "single",
            "text": "党的最高理想是什么？",
            "options": [
                {"text": "实现共产主义", "correct": True},
                {"text": "发家致富", "correct": False},
            ],
        },
    )
]


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(buffer, "JPEG")
    return buffer.getvalue()


class World(types.SimpleNamespace):
    """The objects of 东沟村 (and the five people who ask)."""


def _world_build() -> World:
    site_tree_ensure()  # an earlier transactional test may have flushed it (PostgreSQL)
    w = World()
    w.township = TownshipFactory(name="东沟乡", code="DG")
    w.village_a = VillageFactory(township=w.township, name="东沟村")
    w.village_b = VillageFactory(township=w.township, name="西沟村")

    def staff(username, role, villages=()):
        user = UserFactory(username=username)
        role_assign(user=user, role=role, township=w.township, villages=villages)
        return user

    w.secretary_b = staff("secretary_b", RoleAssignment.Role.SECRETARY, [w.village_b])
    w.organizer_a = staff("organizer_a", RoleAssignment.Role.ORGANIZER, [w.village_a])
    w.township_staff = staff("staff", RoleAssignment.Role.TOWNSHIP_STAFF)
    w.role = RoleAssignment.objects.get(user=w.organizer_a)

    w.person = PersonFactory(name="张秀英", village=w.village_a, phone="13800138000")
    w.learner = person_account_create(person=w.person, password=PASSWORD)
    w.duplicate = PersonFactory(name="张秀英", village=w.village_a, phone="13800138001")
    w.merge = PersonMerge.objects.create(
        kept=w.duplicate, merged_person_id=10**6, merged_name="张秀英", merged_by=None
    )
    w.branch = PartyBranchFactory(village=w.village_a)

    w.kind = kind()
    w.session = TrainingSessionFactory(village=w.village_a, topic="马铃薯种薯繁育")
    w.registration = Registration.objects.create(session=w.session, person=w.duplicate)
    w.record = attendance_mark(
        session=w.session,
        person=w.person,
        status=AttendanceRecord.Status.PRESENT,
        method=AttendanceRecord.Method.ROLL_CALL,
    )
    w.held = TrainingSessionFactory(
        village=w.village_a,
        topic="东沟冬季大棚管理",
        starts_at=timezone.now() - datetime.timedelta(days=2),
    )
    attendance_mark(
        session=w.held,
        person=w.person,
        status=AttendanceRecord.Status.PRESENT,
        method=AttendanceRecord.Method.ROLL_CALL,
    )
    w.photo = SheetPhoto(session=w.session)
    w.photo.image.save("sheet.jpg", ContentFile(_jpeg()), save=True)
    w.walk_in = PendingWalkIn.objects.create(session=w.session, name="张伟", village=w.village_a)

    w.template = published_template(Kind.TRAINING)
    w.certificate, _new = certificate_services.training_certificate_issue(
        session=w.session, person=w.person
    )
    w.batch = IssueBatch.objects.create(
        kind=Kind.TRAINING, session=w.session, person_ids=[w.person.pk], total=1,
        requested_by=w.organizer_a,
    )  # fmt: skip
    w.listing_export = ListingExport.objects.create(
        requested_by=w.organizer_a,
        path="/admin/people/",
        query="export=csv",
        format=ListingExport.Format.CSV,
        title="people",
        language="zh-hans",
        status=ListingExport.Status.READY,
    )
    w.listing_export.file.save("people.csv", ContentFile(b"name\n"), save=True)
    w.stats_export = StatsExport.objects.create(
        requested_by=w.organizer_a,
        params={"year": 2026},
        format=StatsExport.Format.CSV,
        status=StatsExport.Status.READY,
    )
    w.stats_export.file.save("stats.csv", ContentFile(b"year\n"), save=True)

    w.requirement = AnnualRequirement.objects.create(township=w.township, year=2026, total_hours=4)
    w.target = AnnualTarget.objects.create(township=w.township, year=2026, sessions=5)
    w.course = course_factories.course("学习党章", audience=CoursePage.Audience.EVERYONE)
    w.lesson = course_factories.lesson(w.course, quiz=QUIZ)
    w.enrollment = enrollment_create(person=w.person, course=w.course, source="assigned")
    w.assignment = CourseAssignment.objects.create(
        course=w.course,
        requested_by=w.organizer_a,
        person_ids=[w.person.pk],
        village_ids=[w.village_a.pk],
        total=1,
    )
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """One set of objects for the whole module, rolled back at its end; every request runs
    in a savepoint of its own, so a GET that signs someone in changes nothing for the next.
    The clock stands at 5 March 2026, 09:30, for the module: the training in progress, the
    year's figures and the sign-in codes agree whenever the tests run."""
    with (
        time_machine.travel(beijing(2026, 3, 5, 9, 30), tick=False),
        django_db_blocker.unblock(),
        transaction.atomic(),
    ):
        yield _world_build()
        transaction.set_rollback(True)


# Which object of 东沟村 a path argument names: (namespace, argument) first, then argument.
def _path_objects(w: World) -> dict:
    return {
        ("listing_exports", "export_id"): w.listing_export,
        ("stats", "export_id"): w.stats_export,
        ("people_admin", "pk"): w.person,
        ("people_admin", "duplicate_pk"): w.duplicate,
        ("people", "pk"): w.person,
        ("villages", "pk"): w.village_a,
        ("townships", "pk"): w.township,
        ("branches", "pk"): w.branch,
        ("roles", "pk"): w.role,
        ("merges", "pk"): w.merge,
        ("programs", "pk"): w.requirement,
        ("annual_targets", "pk"): w.target,
        ("course_enrollments", "pk"): w.enrollment,
        ("training_sessions", "pk"): w.session,
        ("attendance_imports", "pk"): w.session,
        ("attendance_records", "pk"): w.record,
        ("session_kinds", "pk"): w.kind,
        ("attendance_person_chooser", "pk"): w.person,
        ("certificates_list", "pk"): w.certificate,
        ("wagtailsnippets_certificates_certificatetemplate", "pk"): w.template,
        ("wagtailsnippetchoosers_certificates_certificatetemplate", "pk"): w.template,
        ("wagtailusers_users", "pk"): w.learner,
        ("attendance", "pk"): w.session,
        ("attendance:walk_in", "pk"): w.walk_in,
        ("courses", "pk"): w.course,
        "registration_pk": w.registration,
        "photo_pk": w.photo,
        "session_id": w.session,
        "batch_id": w.batch,
        "certificate_id": w.certificate,
        "lesson_id": w.lesson,
        "person_id": w.person,
        "course_id": w.course,
        "walk_in_id": w.walk_in,
        "assignment_id": w.assignment,
        "serial": w.certificate.serial,
        "year": 2026,
        "token": sign_in_token_make(session=w.session),
        "revision_id": w.template.latest_revision_id,
        "revision_id_a": "earliest",
        "revision_id_b": "latest",
    }


def _value(objects: dict, argument: str, *scopes: str):
    """The object a path argument names: by route or namespace first, then by argument."""
    for key in (*((scope, argument) for scope in scopes), argument):
        if key in objects:
            return getattr(objects[key], "pk", objects[key])
    raise AssertionError(f"no object of 东沟村 for {scopes[:1]} {argument}: add it to the world")


def url_of(name: str, pattern, objects: dict) -> str:
    namespace = name.rpartition(":")[0].rpartition(":")[2]
    arguments = pattern.pattern.regex.groupindex
    return reverse(name, kwargs={a: _value(objects, a, name, namespace) for a in arguments})


def api_url_of(operation: str, objects: dict) -> tuple[str, str]:
    method, _, path = operation.partition(" ")
    return method, re.sub(r"\{(\w+)\}", lambda m: str(_value(objects, m.group(1))), path)


def api_request(operation: str, w: World) -> tuple[str, str, dict]:
    """The method, the URL and the request arguments of an API operation on 东沟村's objects:
    a body that passes validation, so that what answers is the rule, not the schema."""
    method, path = api_url_of(operation, _path_objects(w))
    figures = {"from": "2026-01-01", "to": "2026-12-31", "village": w.village_a.pk}
    bodies = {
        "POST /api/v1/auth/token": lambda: {"username": w.person.phone, "password": PASSWORD},
        "POST /api/v1/attendance/sign-in": lambda: {"code": sign_in_code_make(session=w.session)},
        "POST /api/v1/attendance/sessions/{session_id}/evaluation": lambda: {"satisfaction": 5},
        "POST /api/v1/attendance/sessions/{session_id}/person-code": lambda: {
            "code": person_code_make(w.person)
        },
        "POST /api/v1/attendance/sessions/{session_id}/roll-call": lambda: {
            "person_id": w.person.pk,
            "status": AttendanceRecord.Status.LATE,
        },
        "POST /api/v1/attendance/walk-ins/{walk_in_id}/resolve": lambda: {"dismiss": True},
    }
    queries = {
        "GET /api/v1/stats/report": figures,
        "GET /api/v1/stats/overview": figures,
        "GET /api/v1/stats/targets": {"year": 2026},
        "GET /api/v1/people/": {"village_id": w.village_a.pk, "limit": 100},
    }
    if method == "GET":
        return method, path, {"data": queries.get(operation, {})}
    body = bodies.get(operation, dict)()
    return method, path, {"data": body, "content_type": "application/json"}


# --- Asking --------------------------------------------------------------------------------


def _rule(route: str) -> tuple[Rule, frozenset[int]]:
    entry = RULES[route]
    if isinstance(entry, tuple):
        return entry
    return entry, frozenset({200})


def _is_api(route: str) -> bool:
    return route.split(" ")[0] in ("GET", "POST", "PUT", "PATCH", "DELETE")


def _client(w: World, role: str) -> Client:
    client = Client()
    if role != "anonymous":
        client.force_login(getattr(w, role))
    return client


def _ask(client: Client, method: str, url: str, **arguments):
    """One request in a savepoint of its own, undone afterwards (pages that sign someone in
    or queue an export on GET leave the next request the same objects)."""
    with transaction.atomic():
        response = getattr(client, method.lower())(url, **arguments)
        transaction.set_rollback(True)
    return response


LOGIN_URLS = ("/accounts/login/", "/admin/login/")


def refusal_problem(route: str, role: str, url: str, response) -> str | None:
    """Why an answer to someone a route refuses is not a refusal, or None."""
    status, location = response.status_code, response.get("Location", "")
    if _is_api(route):
        wanted = {401} if role == "anonymous" else {401, 403, 404}
        return None if status in wanted else f"answered {status}, not {sorted(wanted)}"
    if role == "anonymous":
        if status == 302 and location.startswith(LOGIN_URLS):
            return None
        return f"answered {status} {location}, not a redirect to the login"
    if status in (403, 404) or (status == 302 and location.split("?")[0] != url):
        return None
    return f"answered {status} {location}, not 403, 404 or a redirect elsewhere"


def _every_route(w: World):
    """(route, method, url, request arguments) of every route, on 东沟村's objects."""
    objects = _path_objects(w)
    for name, pattern in sorted(url_routes().items()):
        # Listings are asked for 东沟村 (their filters' name for it): staff of other villages
        # must still see only their own rows.
        listing = _rule(name)[0] == Rule.STAFF
        arguments = {"data": {"village": w.village_a.pk}} if listing else {}
        yield name, "GET", url_of(name, pattern, objects), arguments
    for page_type in page_types():
        page = Page.objects.type(apps.get_model(page_type.split()[1])).live().first()
        if page is None:
            raise AssertionError(f"no live {page_type} in the world: add one")
        yield page_type, "GET", page.url, {}
    for operation in api_operations():
        method, url, arguments = api_request(operation, w)
        yield operation, method, url, arguments


# --- The tests -------------------------------------------------------------------------------


def test_every_route_has_a_rule():
    routes = set(url_routes()) | set(page_types()) | set(api_operations())

    missing = sorted(routes - set(RULES))
    assert not missing, f"new route without a rule: add it to RULES: {missing}"
    stale = sorted(set(RULES) - routes)
    assert not stale, f"RULES names routes that no longer exist: {stale}"


def _leaks(w: World, response) -> list[str]:
    """What of 东沟村 a page or answer shows someone of 西沟村: its people's names, its
    sessions' topics, its certificate's serial."""
    if getattr(response, "streaming", False) or response.get("Content-Type", "").startswith(
        "application/pdf"
    ):
        return []
    if response.get("Content-Type", "").startswith("application/json"):
        text = json.dumps(response.json(), ensure_ascii=False)  # names unescaped
    else:
        text = response.content.decode(errors="replace")
    markers = (w.person.name, w.walk_in.name, w.session.topic, w.held.topic, w.certificate.serial)
    return [f"shows {marker!r} of 东沟村" for marker in markers if marker in text]


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_each_route_answers_each_person_as_its_rule_says(world, role):
    client = _client(world, role)
    problems = []
    for route, method, url, arguments in _every_route(world):
        rule, answers = _rule(route)
        response = _ask(client, method, url, **arguments)
        if role in rule.value:
            if response.status_code not in answers:
                problems.append(
                    f"{route} ({rule.name}): answered {response.status_code}"
                    f" {response.get('Location', '')}, not {sorted(answers)}"
                )
            elif role == "secretary_b" and rule != Rule.PUBLIC:
                problems += [f"{route} ({rule.name}): {leak}" for leak in _leaks(world, response)]
        elif not (answers == POST_ONLY and response.status_code == 405):
            problem = refusal_problem(route, role, url, response)
            if problem:
                problems.append(f"{route} ({rule.name}): {problem}")
    assert not problems, f"{role}:\n" + "\n".join(problems)


def _fingerprint() -> str:
    """A digest of every row of our apps' models and the accounts: equal before and after
    a request that changed nothing."""
    digest = hashlib.sha256()
    for model in apps.get_models():
        if _ours(model.__module__) or model._meta.label == "wagtailcore.Revision":
            digest.update(model._meta.label.encode())
            # A StreamField's value has no stable repr; pages change their other fields too.
            fields = [
                f.attname for f in model._meta.concrete_fields if not isinstance(f, StreamField)
            ]
            for row in model.objects.order_by("pk").values_list(*fields):
                digest.update(repr(row).encode())
    return digest.hexdigest()


def _post_requests(w: World):
    """(route, rule, url, arguments) of a POST to every route but the API's GET operations:
    an empty form to pages, a valid body to the API."""
    for route, method, url, arguments in _every_route(w):
        if _is_api(route) and method != "POST":
            continue
        yield route, _rule(route)[0], url, arguments


def _refused_posts(client, role, requests, *, each_checked=False):
    """POST to each route that refuses `role`; the problems, and whether anything changed
    (per route when `each_checked`)."""
    problems = []
    before = _fingerprint()
    for route, rule, url, arguments in requests:
        if role in rule.value:
            continue
        response = client.post(url, **arguments)
        # 405: the route takes no POST at all.
        if response.status_code != 405 and (problem := refusal_problem(route, role, url, response)):
            problems.append(f"{route} ({rule.name}): {problem}")
        if each_checked and _fingerprint() != before:
            problems.append(f"{route} ({rule.name}): the POST changed something")
            before = _fingerprint()
    changed = _fingerprint() != before
    return problems, changed


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_a_post_by_someone_refused_is_refused_and_changes_nothing(world, role):
    requests = list(_post_requests(world))
    client = _client(world, role)
    with transaction.atomic():
        problems, changed = _refused_posts(client, role, requests)
        transaction.set_rollback(True)
    if changed:  # find which: again, one route at a time
        problems, _changed = _refused_posts(client, role, requests, each_checked=True)
    assert not problems, f"{role}:\n" + "\n".join(problems)


@pytest.mark.django_db
def test_figures_stay_within_the_askers_villages(world):
    """The statistics answer every staff member, with the figures of their own villages
    only: 东沟村's held training counts for its organizer, not for 西沟村's secretary."""
    report, overview, targets = (
        api_request(f"GET /api/v1/stats/{name}", world)
        for name in ("report", "overview", "targets")
    )

    def figures(role):
        client = _client(world, role)
        return [client.get(url, **arguments).json() for _method, url, arguments in (
            report, overview, targets
        )]  # fmt: skip

    nothing = {"sessions": 0, "person_times": 0, "people": 0, "households": 0}
    held = {"sessions": 2, "person_times": 2, "people": 1, "households": 0}
    report_b, overview_b, targets_b = figures("secretary_b")
    assert (report_b["totals"], report_b["rows"], overview_b["totals"]) == (nothing, [], nothing)
    assert targets_b == []
    report_a, overview_a, targets_a = figures("organizer_a")
    assert (report_a["totals"], overview_a["totals"]) == (held, held)
    assert targets_a == [], "the township's targets are its staff's, not an organizer's"
    _report, _overview, targets_staff = figures("township_staff")
    assert [(t["sessions_target"], t["sessions"]) for t in targets_staff] == [(5, 2)]

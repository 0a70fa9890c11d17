"""The HTTP API root, /api/v1/ (django-ninja). Schema: /api/v1/openapi.json, docs: /api/v1/docs.

Every endpoint authenticates by session (the browser) or by a bearer token (the mobile
client, from POST /api/v1/auth/token).
"""

from ninja import NinjaAPI
from ninja.security import django_auth
from wagtail.api.v3.auth import BearerTokenAuth

from attendance.api import router as attendance_router
from certificates.api import router as certificates_router
from courses.api import router as study_router
from lms.people.api import auth_router, people_router
from lms.stats.api import router as stats_router

api = NinjaAPI(
    title="Shuangyu API",
    version="1",
    urls_namespace="api-1",
    auth=[BearerTokenAuth(), django_auth],
    docs_url="/docs",
)
api.add_router("/auth/", auth_router)
api.add_router("/people/", people_router)
api.add_router("/attendance/", attendance_router)
api.add_router("/study/", study_router)
api.add_router("/stats/", stats_router)
api.add_router("/certificates/", certificates_router)

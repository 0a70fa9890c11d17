"""The WSGI application: Django, with the heartbeat's own door.

At 万人在线 nearly every request is a heartbeat (POST /api/v1/study/heartbeat, a beat every
30 s from each learner studying). Its answer needs no cookie, session, user, page, middleware
or URL resolution, so the app server's requests for that one path go to courses.heartbeat's
WSGI door, which gives the same answer as the Django view the URL conf names (the test client,
runserver and every other path use Django's application as usual).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings.production")
django_application = get_wsgi_application()

from courses.heartbeat import heartbeat_wsgi  # noqa: E402  (after Django is set up)

HEARTBEAT_PATH = "/api/v1/study/heartbeat"


def application(environ, start_response):
    if environ.get("PATH_INFO") == HEARTBEAT_PATH:
        return heartbeat_wsgi(environ, start_response, otherwise=django_application)
    return django_application(environ, start_response)

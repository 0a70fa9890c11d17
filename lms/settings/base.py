"""Settings shared by every environment; everything that varies comes from the environment.

Embedded defaults (no variables set): a SQLite file in the project folder, tasks run
in-process, local-memory cache, media in ./media. See README "Configuration".
"""

import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from lms.csp import NONCE as CSP_NONCE

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


# --- Core -------------------------------------------------------------------------------------
# The development key is public: production.py refuses to start with it.
DEVELOPMENT_SECRET_KEY = "dev-insecure-shuangyu-do-not-use-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
ROOT_URLCONF = "lms.urls"
WSGI_APPLICATION = "lms.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Applications -----------------------------------------------------------------------------
INSTALLED_APPS = [
    "lms.outages",
    "lms.backups",
    "lms.exports",
    "lms.people",
    "lms.ledger",
    "lms.stats",
    "lms.home",
    "courses",
    "attendance",
    "certificates",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    # The API's docs (/api/v1/docs) then serve Swagger UI from our static files: without it
    # django-ninja loads it from a CDN with an inline script, which the CSP refuses.
    "ninja",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "lms.people.request_log.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "lms.csp.ContentSecurityPolicyMiddleware",
    "lms.pages.SiteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "lms.home.middleware.AdminLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        # Off by default: the check is one more round trip (SELECT 1) at the start of every
        # request, a third of a heartbeat's. Without it a connection the database dropped
        # (a restart) fails the one request that finds it, and is then replaced.
        conn_health_checks=os.environ.get("DB_CONN_HEALTH_CHECKS", "false").lower() == "true",
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django leaves psycopg's prepare_threshold at None, which turns prepared statements off
    # even for a query that asks for one. Django's own cursors bind on the client and never
    # prepare, so this number only lets the statements that ask (the heartbeat's,
    # courses/study_rows.py) be parsed and planned once per connection: planning the beat
    # cost PostgreSQL four times its execution.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 2**31 - 1
    # The app server (granian) has no per-request timeout, so the web unit bounds each of a
    # request's statements: one stuck on a lock or running away is cancelled after this many
    # seconds (the request answers 503) instead of holding a thread. Celery workers and
    # commands, whose statistics years and exports may run long, leave it unset.
    if statement_timeout := int(os.environ.get("DB_STATEMENT_TIMEOUT", "0")):
        DATABASES["default"]["OPTIONS"]["options"] = (
            f"-c statement_timeout={statement_timeout * 1000}"
        )

# --- Cache ------------------------------------------------------------------------------------
# Login throttling lives in the cache, so several app servers must share one: set CACHE_URL
# (redis://...) in production. The default is per-process memory.
# How long a request waits for Redis (cache and broker) before treating it as away: while
# it is, the cache answers misses and tasks are kept in the database (README "Configuration").
REDIS_TIMEOUT_SECONDS = float(os.environ.get("REDIS_TIMEOUT_SECONDS", "1"))
if os.environ.get("CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "lms.cache.RedisCache",
            "LOCATION": os.environ["CACHE_URL"],
            "OPTIONS": {
                "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,
                "socket_timeout": REDIS_TIMEOUT_SECONDS,
            },
        }
    }
    # Sessions read from the shared cache, written through to the database: a logged-in
    # request (every heartbeat of 万人在线) skips one query.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Authentication ---------------------------------------------------------------------------
AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = ["lms.people.auth.PhoneOrUsernameBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Failed logins are counted per (account, address) pair: a whole village shares one carrier
# address, so an address alone is never locked out.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW_SECONDS = int(os.environ.get("LOGIN_FAILURE_WINDOW_SECONDS", "900"))

# --- Content Security Policy ------------------------------------------------------------------
# Sent with every HTML page by lms.csp (README "Configuration"). NONCE stands for the request's
# own nonce, `request.csp_nonce` in templates: our scripts are static files, and an inline
# one must carry it, so a script injected into a page (a name, a course text) never runs.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'", CSP_NONCE],
    # Inline style attributes stay allowed: progress bars set their width in one
    # (style="width: 40%"), and Wagtail's editors set them in the admin. A style cannot run
    # code; scripts are what the policy keeps out.
    "style-src": ["'self'", "'unsafe-inline'"],
    # data: for small inline images, blob: for what a page draws or records itself.
    "img-src": ["'self'", "data:", "blob:"],
    # Lesson audio and video come from our documents (media served from another origin, a
    # CDN or S3, must be added here and to img-src); blob: for media a page makes itself.
    # The scanner's camera is a MediaStream (video.srcObject), which media-src does not govern.
    "media-src": ["'self'", "blob:"],
    "connect-src": ["'self'"],  # heartbeats, the projector's polling, the scanner's posts
    "frame-ancestors": ["'self'"],  # Wagtail's preview frames our pages; nobody else may
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
}
# Wagtail's admin writes inline scripts that cannot carry our nonce (date and time pickers,
# inline panels, choosers: `<script>initDateChooser(…)</script>` in Wagtail's own templates
# and widgets), so under /admin/ inline scripts are allowed, without a nonce (a browser
# ignores 'unsafe-inline' beside a nonce). Everything else is as strict as the site's: no
# script from another origin, no plugin, no form sent elsewhere, no framing by other sites.
# The admin is for logged-in staff only, and its text is escaped by Wagtail's templates.
CONTENT_SECURITY_POLICY_ADMIN = {
    **CONTENT_SECURITY_POLICY,
    "script-src": ["'self'", "'unsafe-inline'"],
}

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# Ours first; then Chinese for the strings of Wagtail's admin that Wagtail's own zh_Hans
# catalogue leaves in English. A folder of its own: `make messages` rewrites locale/ from our
# sources and would drop Wagtail's msgids as obsolete.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale_wagtail"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
# The admin speaks Simplified Chinese to every staff member whatever their browser asks for
# (lms.home.middleware); English stays a choice in one's account.
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
# One time zone for the township; Wagtail then hides the choice of ~600 English zone names.
WAGTAIL_USER_TIME_ZONES = [TIME_ZONE]

# --- Static and media files -------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Certificates and exports hold personal data: outside MEDIA_ROOT (which nginx serves), handed
# out only by views that check who asks (lms/storage.py). Back it up with the database.
PRIVATE_ROOT = Path(os.environ.get("PRIVATE_ROOT", BASE_DIR / "private"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {"BACKEND": "lms.storage.PrivateStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- Celery -----------------------------------------------------------------------------------
# No broker: tasks run in-process (the embedded default). With a broker: Redis + workers.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", CELERY_BROKER_URL or None)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
# A task is acknowledged when it ends, not when it starts, so a worker lost mid-way leaves
# its message to be delivered again; every task is safe to run twice (chunks count as they
# commit: courses.assignment, certificates.batches, lms.exports). A pool process killed
# (the OOM killer, a kill -9) has its task requeued at once rather than acknowledged as failed.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# Redis hands an unacknowledged message to another worker after this many seconds: how long
# a whole worker lost (a machine gone) delays its task. It must exceed the longest task, or a
# task still running is started a second time: the longest measured is a county's 1,000,000-row
# export, about 20 s (benchmarks/RESULTS.md); a 30,000-person course assignment takes less.
# The time limits below stop any task well before it, the soft one raising inside the task
# (a course assignment records it as failed, for the organizer to retry). Default 15 minutes.
_visibility_timeout = int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "900"))
# Workers look for such messages every 10 s (kombu's default, every 100 s, added up to
# 100 s to the recovery in benchmarks/drill_worker_kill.py): one small Redis read each time.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": _visibility_timeout,
    "unacked_restore_throttle": 1,
    "socket_connect_timeout": REDIS_TIMEOUT_SECONDS,  # see the broker's timeouts below
}
CELERY_TASK_SOFT_TIME_LIMIT = _visibility_timeout * 2 // 3
CELERY_TASK_TIME_LIMIT = _visibility_timeout * 3 // 4
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A web request that queues a task while the broker is away gives up within about a second
# and keeps the task in the database (lms.outages.deferred) instead of waiting ~20 s: the
# broker's connection, the publish and the result store's subscription (Redis too) each
# retry twice at most. Workers and beat wait for the broker as usual.
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_TIMEOUT_SECONDS
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_TIMEOUT_SECONDS
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {
        "max_retries": 2,
        "interval_start": 0,
        "interval_step": 0.2,
        "interval_max": 0.2,
    }
}
CELERY_BEAT_SCHEDULE: dict = {
    # Sessions that have ended count as held; sign-out sessions settle who left early.
    "attendance-close-ended-sessions": {
        "task": "attendance.close_ended_sessions",
        "schedule": 300.0,
    },
    # Tasks kept in the database while the broker was away are queued once it is back.
    "outages-send-deferred-tasks": {
        "task": "outages.send_deferred_tasks",
        "schedule": 60.0,
    },
    # Members behind the year's pace of study hours get a reminder (in-app and email).
    "home-study-reminders": {
        "task": "home.study_reminders",
        "schedule": crontab(minute=0, hour=8, day_of_week="mon"),
    },
}

# --- Wagtail ----------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = os.environ.get("SITE_NAME", "双育")
WAGTAILADMIN_BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:8000")
WAGTAILADMIN_USER_LOGIN_FORM = "lms.people.forms.LoginForm"
WAGTAIL_PASSWORD_RESET_ENABLED = False
# The admin calls no server outside the deployment: no check for new Wagtail releases, no
# English release notes (the editor guide and "what's new" links go in lms/home/wagtail_hooks.py).
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ENABLE_WHATS_NEW_BANNER = False
# Nor Gravatar: staff with an email address would fetch their picture from gravatar.com
# (blocked by the Content-Security-Policy's img-src anyway); Wagtail's own avatar instead.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
# Lesson media are documents too: the audio and video formats phones record and play.
WAGTAILDOCS_EXTENSIONS = [
    *["csv", "docx", "pdf", "pptx", "txt", "xlsx", "zip"],
    *["mp3", "m4a", "aac", "wav", "ogg", "mp4", "mov", "webm"],
]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 200 * 1024 * 1024
WAGTAIL_I18N_ENABLED = False
# The mobile client sends a heartbeat every 30 s; Wagtail's default (a write of "last used"
# every 60 s per token) would add a committed UPDATE to every other one. An hour is enough
# to see which tokens are in use.
WAGTAILAPI_TOKEN_LAST_USED_INTERVAL = 3600

# --- Online study -----------------------------------------------------------------------------
# How often a lesson page reports playing media (seconds); the server's rules do not depend on it.
STUDY_HEARTBEAT_SECONDS = int(os.environ.get("STUDY_HEARTBEAT_SECONDS", "30"))

# --- Exports ----------------------------------------------------------------------------------
# An admin listing's export of more rows than this is built by a Celery task with progress;
# up to it, the file is answered at once (about 3 s for 100,000 rows as XLSX on 2 cores, well
# inside the 30 s a request may take). Lower it on a slower server.
EXPORT_DIRECT_MAX_ROWS = int(os.environ.get("EXPORT_DIRECT_MAX_ROWS", "100000"))

# --- Imports ----------------------------------------------------------------------------------
# What a spreadsheet import reads (lms/imports/limits.py), for the admin and the commands
# alike. A county roster of 100,000 people is about 7 MB as CSV (10 MB in UTF-16), 5 MB as
# XLSX unpacking to 43 MB, and 800,000 cells; a file past a limit is refused with the reason.
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("IMPORT_MAX_UPLOAD_BYTES", str(32 * 1024 * 1024)))
# All the parts of an XLSX unpacked (each part read whole, such as the shared strings, may
# unpack to no more than IMPORT_MAX_UPLOAD_BYTES).
IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("IMPORT_MAX_UNPACKED_BYTES", str(256 * 1024 * 1024)))
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "200000"))
# Rows × columns as read, an empty row counting one: openpyxl reads 75,000–110,000 cells a
# second on a shared core, so a sheet at the limit is refused within the 30 s a request may take.
IMPORT_MAX_CELLS = int(os.environ.get("IMPORT_MAX_CELLS", "1500000"))

# --- Email (reminders); console unless configured ---------------------------------------------
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "shuangyu@localhost")

# --- Logging ----------------------------------------------------------------------------------
# LOG_FORMAT=json: one JSON object a line (lms/logs.py). REQUEST_LOG=true: a line per request
# with its user, role, villages and latency (lms/people/request_log.py); production's default.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
REQUEST_LOG = env_bool("REQUEST_LOG", False)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "lms.logs.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # The immediate backend of Wagtail's own jobs logs every run at INFO.
        "django_tasks": {"level": "WARNING"},
        # WeasyPrint narrates every layout step of every PDF at INFO.
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "shuangyu.requests": {"level": "INFO" if REQUEST_LOG else "WARNING"},
    },
}
if CELERY_TASK_ALWAYS_EAGER:
    # Tasks run inside web requests and commands: a line per task buries what they print.
    LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}

SHUANGYU_LABELS = {"platform": _("Shuangyu")}

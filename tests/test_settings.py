"""Configuration: production refuses the development key and passes Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args, **env):
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_a_real_secret_key():
    result = _manage("check", DJANGO_SETTINGS_MODULE="lms.settings.production")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_the_development_key():
    result = _manage(
        "check",
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        SECRET_KEY=settings.DEVELOPMENT_SECRET_KEY,
    )
    assert result.returncode != 0


def test_production_passes_the_deploy_checks():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        SECRET_KEY="k" * 20 + "-a-long-random-production-key-for-tests-only-0123456789",
        ALLOWED_HOSTS="train.example.cn",
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_embedded_defaults_are_chinese_first_on_shanghai_time():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    assert "en" in dict(settings.LANGUAGES)


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="DATABASE_URL overrides")
def test_without_database_url_the_database_is_a_sqlite_file_in_the_project():
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['NAME'])",
        DJANGO_SETTINGS_MODULE="lms.settings.dev",
    )
    assert result.stdout.strip().splitlines()[-1] == str(ROOT / "db.sqlite3")


def test_the_shared_cache_builds_its_redis_client_once():
    """Django's Redis backend builds a client object on every call; ours keeps one."""
    from lms.cache import ReusedRedisCacheClient

    client = ReusedRedisCacheClient(["redis://127.0.0.1:6379/9"])
    assert client.get_client("a") is client.get_client("b", write=True)


def test_production_serves_static_files_compressed_under_their_hash():
    """WhiteNoise right after SecurityMiddleware, and a storage that writes gzip and Brotli
    copies of hashed files; tests keep Django's plain storage."""
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.MIDDLEWARE[1]);"
        " print(settings.STORAGES['staticfiles']['BACKEND'])",
        DJANGO_SETTINGS_MODULE="lms.settings.production",
        SECRET_KEY="k" * 20 + "-a-long-random-production-key-for-tests-only-0123456789",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == [
        "whitenoise.middleware.WhiteNoiseMiddleware",
        "whitenoise.storage.CompressedManifestStaticFilesStorage",
    ]
    assert settings.STORAGES["staticfiles"]["BACKEND"].startswith("django.")


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="statement_timeout is PostgreSQL's",
)
def test_the_web_units_statement_timeout_cancels_a_statement_that_runs_past_it():
    """The app server has no per-request timeout; DB_STATEMENT_TIMEOUT (the web unit sets 30)
    stops a request stuck in the database, and an unset one bounds nothing (workers)."""
    database = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    script = (
        "import time\n"
        "from django.db import OperationalError, connection\n"
        "started = time.monotonic()\n"
        "try:\n"
        "    connection.cursor().execute('SELECT pg_sleep(3)')\n"
        "    print('finished', round(time.monotonic() - started))\n"
        "except OperationalError as error:\n"
        "    print('cancelled', round(time.monotonic() - started), error)\n"
    )

    bounded = _manage(
        "shell", "--no-imports", "-c", script, DATABASE_URL=database, DB_STATEMENT_TIMEOUT="1"
    )
    unbounded = _manage("shell", "--no-imports", "-c", script, DATABASE_URL=database)

    assert bounded.stdout.startswith("cancelled 1 "), bounded.stdout + bounded.stderr
    assert "statement timeout" in bounded.stdout
    assert unbounded.stdout.startswith("finished 3"), unbounded.stdout + unbounded.stderr

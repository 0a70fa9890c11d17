"""The database in a backup, by vendor: a consistent copy with its row counts and migrations,
read while the site runs, and the copy loaded into an empty database.

PostgreSQL: the counts are read in a REPEATABLE READ transaction whose snapshot pg_dump is
given (`--snapshot`), so the dump and its counts are one moment; custom format; restored with
`pg_restore --no-owner --no-privileges` in one transaction. SQLite: sqlite3's online backup
API copies the database page by page while others write, and the counts are read from that
copy; restored with the same API into the target."""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db.backends.postgresql.client import DatabaseClient
from django.utils.translation import gettext as _

from .exceptions import BackupError, DatabaseToolMissing, RestoreRefused

VENDORS = ("sqlite", "postgresql")
DUMP_NAMES = {"sqlite": "database/shuangyu.sqlite3", "postgresql": "database/shuangyu.pgdump"}


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tables(cursor, vendor: str) -> list[str]:
    if vendor == "sqlite":
        cursor.execute(
            "SELECT name FROM sqlite_master"
            " WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"
        )
    else:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    return sorted(row[0] for row in cursor.fetchall())


def facts_read(cursor, vendor: str) -> dict:
    """{"tables": {table: rows}, "migrations": ["app.name", …]} through a DB-API cursor."""
    tables = {}
    for table in _tables(cursor, vendor):
        cursor.execute(f"SELECT COUNT(*) FROM {_quoted(table)}")
        tables[table] = cursor.fetchone()[0]
    migrations = []
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations")
        migrations = sorted(f"{app}.{name}" for app, name in cursor.fetchall())
    return {"tables": tables, "migrations": migrations}


def database_facts(connection) -> dict:
    """The tables, their rows and the migrations of a Django connection's database now."""
    with connection.cursor() as cursor:
        return facts_read(cursor, connection.vendor)


def database_tables(connection) -> list[str]:
    with connection.cursor() as cursor:
        return _tables(cursor, connection.vendor)


def vendor_check(connection) -> str:
    if connection.vendor not in VENDORS:
        raise BackupError(
            _("Backups support SQLite and PostgreSQL, not %(vendor)s.")
            % {"vendor": connection.vendor}
        )
    return connection.vendor


def _postgres_tool(name: str) -> str:
    path = shutil.which(name)
    if not path:
        raise DatabaseToolMissing(
            _(
                "%(tool)s was not found on PATH: install PostgreSQL's client tools (on Debian:"
                " apt-get install postgresql-client), of the server's major version or newer."
            )
            % {"tool": name}
        )
    return path


def _postgres_run(tool: str, connection, parameters: list[str], after: list[str] = ()) -> None:
    """Run a PostgreSQL client tool against the connection's database, its password and
    TLS settings passed as libpq reads them (environment), never on the command line.
    Django's psql arguments end with the database name: `after` follows it."""
    args, env = DatabaseClient.settings_to_cmd_args_env(connection.settings_dict, parameters)
    args = [_postgres_tool(tool), *args[1:], *after]
    done = subprocess.run(
        args, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise BackupError(
            _("%(tool)s failed (exit %(code)s): %(error)s")
            % {"tool": tool, "code": done.returncode, "error": done.stderr.strip()[-2000:]}
        )


def database_dump(*, connection, to: Path) -> dict:
    """Copy the database to the file `to`; returns its vendor, tables with their rows and
    migrations as they are in that copy."""
    vendor = vendor_check(connection)
    if vendor == "sqlite":
        connection.ensure_connection()
        copy = sqlite3.connect(to)
        try:
            connection.connection.backup(copy)
            facts = facts_read(copy.cursor(), vendor)
        finally:
            copy.close()
        return {"vendor": vendor, **facts}
    _postgres_tool("pg_dump")  # say so before opening a transaction
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        cursor = raw.cursor()
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
        snapshot, server_version = cursor.fetchone()
        facts = facts_read(cursor, vendor)
        _postgres_run(
            "pg_dump",
            connection,
            ["--format=custom", f"--snapshot={snapshot}", "--no-password", f"--file={to}"],
        )
    finally:
        raw.rollback()
        raw.close()
    return {"vendor": vendor, "server_version": server_version, **facts}


def database_load(*, connection, dump: Path, vendor: str, replace: bool) -> None:
    """Load a copy made by database_dump into the connection's database (empty, unless
    `replace`: then the copy's tables replace those of the same name)."""
    if vendor != vendor_check(connection):
        raise RestoreRefused(
            _("This backup is of a %(backup)s database and cannot be restored into %(target)s.")
            % {"backup": vendor, "target": connection.vendor}
        )
    if vendor == "sqlite":
        connection.close()  # no transaction of ours may be open on the target
        connection.ensure_connection()
        source = sqlite3.connect(dump)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
        return
    options = ["--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if replace:
        options += ["--clean", "--if-exists"]
    connection.close()
    _postgres_run("pg_restore", connection, [*options, "--no-password", "--dbname"], [str(dump)])

"""Back up the database with MEDIA_ROOT and PRIVATE_ROOT into one file, check a file, and
restore one into an empty machine, then check what was restored against the manifest.

The commands (backup, backup_check, restore) call these with Django's connection and the
settings' folders; the tests and the drill call them with their own."""

import datetime
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

from .archive import (
    FORMAT,
    MANIFEST,
    MANIFEST_SUM,
    ArchiveWriter,
    archive_extract,
    archive_verify,
    file_digest,
    files_under,
    manifest_bytes,
)
from .databases import DUMP_NAMES, database_dump, database_facts, database_load, database_tables
from .exceptions import BackupError, RestoreRefused


@dataclass
class RestoreReport:
    """What a restore wrote and found: `mismatches` empty means every table holds the rows
    and every file the bytes the manifest names."""

    tables: int = 0
    rows: int = 0
    files: int = 0
    replaced: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.mismatches


def app_version() -> dict:
    """The package's version and, when the code is a git checkout, its commit."""
    version = {"package": _package_version()}
    try:
        done = subprocess.run(
            ["git", "-C", str(settings.BASE_DIR), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except OSError:
        return version
    if done.returncode == 0:
        version["git_commit"] = done.stdout.strip()
    return version


def _package_version() -> str | None:
    try:
        return metadata.version("shuangyu")
    except metadata.PackageNotFoundError:
        return None


def backup_file_name(now: datetime.datetime) -> str:
    return f"shuangyu-backup-{timezone.localtime(now):%Y%m%d-%H%M%S}.tar"


def backup_create(
    *,
    directory: Path,
    connection,
    media_root: Path,
    private_root: Path,
    now: datetime.datetime | None = None,
) -> tuple[Path, dict]:
    """Write one backup file into `directory` (created if missing): the database, then the
    files of media_root and private_root, then the manifest. Returns its path and manifest."""
    now = now or timezone.now()
    directory = Path(directory)
    for setting, folder in (("MEDIA_ROOT", media_root), ("PRIVATE_ROOT", private_root)):
        if directory.resolve().is_relative_to(Path(folder).resolve()):
            # nginx serves MEDIA_ROOT, and each backup would hold the ones before it
            raise BackupError(
                _("Keep backups outside %(setting)s (%(folder)s).")
                % {"setting": setting, "folder": folder}
            )
    directory.mkdir(parents=True, exist_ok=True)
    work_folder = tempfile.TemporaryDirectory(dir=directory, prefix=".shuangyu-backup-work-")
    with ArchiveWriter(directory) as archive, work_folder as work:
        dump = Path(work) / "database"
        database = database_dump(connection=connection, to=dump)
        database["file"] = DUMP_NAMES[database["vendor"]]
        archive.add_file(database["file"], dump)
        dump.unlink()
        for root, folder in (("media", media_root), ("private", private_root)):
            for name, path in files_under(Path(folder)):
                try:
                    archive.add_file(f"{root}/{name}", path)
                except FileNotFoundError:
                    continue  # deleted by the running site since it was listed: not backed up
        manifest = {
            "format": FORMAT,
            "created": now.isoformat(),
            "version": app_version(),
            "database": database,
            "files": archive.files,
        }
        data, checksum = manifest_bytes(manifest)
        archive.add_bytes(MANIFEST, data)
        archive.add_bytes(MANIFEST_SUM, checksum)
        return archive.finish(backup_file_name(now)), manifest


def backup_check(*, path: Path) -> dict:
    """The manifest of a whole backup file; BackupDamaged otherwise. Writes nothing."""
    return archive_verify(Path(path))


def manifest_summary(manifest: dict) -> dict:
    files = manifest["files"]
    database = manifest["database"]
    return {
        "created": manifest["created"],
        "vendor": database["vendor"],
        "tables": len(database["tables"]),
        "rows": sum(database["tables"].values()),
        "media": sum(1 for name in files if name.startswith("media/")),
        "private": sum(1 for name in files if name.startswith("private/")),
        "bytes": sum(entry["size"] for entry in files.values()),
        "commit": manifest["version"].get("git_commit") or manifest["version"].get("package"),
    }


def restore_target_contents(*, connection, media_root: Path, private_root: Path) -> list[str]:
    """What the target already holds, in words; empty when it is empty."""
    held = []
    tables = database_tables(connection)
    if tables:
        held.append(
            _("the database %(name)s has %(count)s tables")
            % {"name": connection.settings_dict["NAME"], "count": len(tables)}
        )
    for label, folder in (("MEDIA_ROOT", media_root), ("PRIVATE_ROOT", private_root)):
        if count := len(files_under(Path(folder))):
            held.append(
                _("%(setting)s (%(folder)s) holds %(count)s files")
                % {"setting": label, "folder": folder, "count": count}
            )
    return held


def backup_restore(
    *, path: Path, connection, media_root: Path, private_root: Path, force: bool = False
) -> RestoreReport:
    """Restore a backup into an empty database and empty folders, then check it.

    In order, before anything is written: every checksum of the file, then the database's
    vendor, then that the target is empty (with `force`, what it holds is reported as
    replaced). Then the database, then the files, then the rows of every table and the bytes
    of every file against the manifest: the report's mismatches."""
    started = time.perf_counter()
    manifest = archive_verify(Path(path))
    database = manifest["database"]
    if database["vendor"] != connection.vendor:
        raise RestoreRefused(
            _("This backup is of a %(backup)s database and cannot be restored into %(target)s.")
            % {"backup": database["vendor"], "target": connection.vendor}
        )
    held = restore_target_contents(
        connection=connection, media_root=media_root, private_root=private_root
    )
    if held and not force:
        raise RestoreRefused(
            _(
                "The target is not empty: %(held)s. Nothing was changed. Restore into an empty"
                " database (created, not migrated) and empty folders, or give --force to"
                " replace what is there."
            )
            % {"held": "；".join(held)}
        )
    report = RestoreReport(replaced=held)
    with tempfile.TemporaryDirectory(prefix="shuangyu-restore-") as work:
        roots = {"database": Path(work), "media": Path(media_root), "private": Path(private_root)}
        archive_extract(Path(path), manifest=manifest, roots=roots)
        report.files = sum(1 for name in manifest["files"] if not name.startswith("database/"))
        dump = Path(work, *Path(database["file"]).parts[1:])
        database_load(connection=connection, dump=dump, vendor=database["vendor"], replace=force)
    _restore_check(report, manifest=manifest, connection=connection, roots=roots)
    report.seconds = time.perf_counter() - started
    return report


def _restore_check(report: RestoreReport, *, manifest: dict, connection, roots: dict) -> None:
    expected = manifest["database"]["tables"]
    found = database_facts(connection)
    report.tables, report.rows = len(found["tables"]), sum(found["tables"].values())
    for table in sorted(set(expected) | set(found["tables"])):
        want, have = expected.get(table), found["tables"].get(table)
        if want != have:
            report.mismatches.append(
                _("table %(table)s: %(have)s rows, the backup has %(want)s")
                % {"table": table, "have": have, "want": want}
            )
    for name, digest in manifest["files"].items():
        root, _slash, rest = name.partition("/")
        if root == "database":
            continue
        path = roots[root] / rest
        if not path.is_file() or file_digest(path) != digest:
            report.mismatches.append(_("file %(name)s differs from the backup") % {"name": name})
    report.notes += _migration_notes(manifest["database"]["migrations"])


def _migration_notes(applied: list[str]) -> list[str]:
    on_disk = {f"{app}.{name}" for app, name in MigrationLoader(None).disk_migrations}
    newer = sorted(on_disk - set(applied))
    unknown = sorted(set(applied) - on_disk)
    notes = []
    if newer:
        notes.append(
            _("This code has %(count)s migrations the backup has not: run manage.py migrate.")
            % {"count": len(newer)}
        )
    if unknown:
        notes.append(
            _(
                "The backup has %(count)s migrations this code does not know (%(first)s…): it"
                " was made by a newer version; deploy that version before serving it."
            )
            % {"count": len(unknown), "first": unknown[0]}
        )
    return notes

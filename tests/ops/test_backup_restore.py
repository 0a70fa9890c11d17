"""A backup of the database, MEDIA_ROOT and PRIVATE_ROOT restored into an empty machine comes
back equal; a damaged backup or a target that is not empty is refused before anything is
written (issue 13, Hardening).

The suite's own database is the site backed up (SQLite here, PostgreSQL in CI, where the same
tests run pg_dump and pg_restore); the "empty machine" is a fresh database of the same kind
and empty folders under tmp_path."""

import datetime
import io
import tarfile
from pathlib import Path

import pytest
from django.core.files.images import ImageFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.utils import ConnectionHandler
from PIL import Image as PillowImage
from wagtail.images.models import Image

from attendance.models import AttendanceRecord
from attendance.services import attendance_mark
from certificates import services as certificates
from certificates.models import Certificate, Kind
from lms.backups.databases import database_facts, database_tables
from lms.backups.exceptions import BackupDamaged, BackupError, RestoreRefused
from lms.backups.services import backup_check, backup_create, backup_restore
from tests.factories.attendance import TrainingSessionFactory
from tests.factories.certificates import published_template
from tests.factories.people import PersonFactory

# pg_dump reads only what is committed; the migrations' rows (the root collection) put back
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

MADE_AT = datetime.datetime(2026, 3, 5, 1, 0, tzinfo=datetime.UTC)  # the file's name only


@pytest.fixture
def site(settings, tmp_path, township, village_a):
    """A small township's site: a training with two certificates issued, their PDFs in
    PRIVATE_ROOT, and a photo uploaded to MEDIA_ROOT with one rendition."""
    settings.MEDIA_ROOT = str(tmp_path / "site-media")
    settings.PRIVATE_ROOT = str(tmp_path / "site-private")
    township.code = "DG"
    township.save()
    published_template(Kind.TRAINING)
    session = TrainingSessionFactory(village=village_a, topic="马铃薯脱毒种薯繁育")
    for name in ("张秀英", "欧阳·娜娜"):
        person = PersonFactory(name=name, village=village_a)
        attendance_mark(
            session=session,
            person=person,
            status=AttendanceRecord.Status.PRESENT,
            method=AttendanceRecord.Method.ROLL_CALL,
        )
        certificate, _new = certificates.training_certificate_issue(session=session, person=person)
        certificates.certificate_render(certificate=certificate)
    data = io.BytesIO()
    PillowImage.new("RGB", (320, 240), (30, 120, 60)).save(data, "PNG")
    photo = Image.objects.create(title="大棚", file=ImageFile(data, name="大棚.png"))
    photo.get_rendition("fill-80x60")
    return {"media": Path(settings.MEDIA_ROOT), "private": Path(settings.PRIVATE_ROOT)}


@pytest.fixture
def empty_machine(tmp_path):
    """A fresh, empty database of the suite's kind and two empty folders."""
    settings_dict = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        settings_dict.update(NAME=str(tmp_path / "restored.sqlite3"), TEST={})
        created = None
    else:
        created = f"{settings_dict['NAME']}_restored"[:63]
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{created}"')
            cursor.execute(f'CREATE DATABASE "{created}"')
        settings_dict.update(NAME=created, TEST={})
    handler = ConnectionHandler({"default": settings_dict})
    target = handler["default"]
    yield {
        "connection": target,
        "media": tmp_path / "restored-media",
        "private": tmp_path / "restored-private",
    }
    target.close()
    if created:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)')


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def backed_up(site, tmp_path) -> Path:
    path, _manifest = backup_create(
        directory=tmp_path / "backups",
        connection=connection,
        media_root=site["media"],
        private_root=site["private"],
        now=MADE_AT,
    )
    return path


def restore_into(machine, path: Path, **options):
    return backup_restore(
        path=path,
        connection=machine["connection"],
        media_root=machine["media"],
        private_root=machine["private"],
        **options,
    )


def flip_a_byte(path: Path, member_prefix: str) -> None:
    """Flip one byte in the middle of the first member whose name starts with the prefix."""
    with tarfile.open(path) as tar:
        member = next(m for m in tar.getmembers() if m.name.startswith(member_prefix))
    offset = member.offset_data + member.size // 2
    with open(path, "r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0xFF]))


def test_a_backup_restored_into_an_empty_machine_comes_back_equal(site, empty_machine, tmp_path):
    path = backed_up(site, tmp_path)

    report = restore_into(empty_machine, path)

    assert report.ok, report.mismatches
    restored = empty_machine["connection"]
    assert database_facts(restored) == database_facts(connection)
    with restored.cursor() as cursor:
        cursor.execute(f"SELECT serial, pdf FROM {Certificate._meta.db_table} ORDER BY serial")
        assert cursor.fetchall() == list(
            Certificate.objects.order_by("serial").values_list("serial", "pdf")
        )
    assert files_of(empty_machine["media"]) == files_of(site["media"])
    assert files_of(empty_machine["private"]) == files_of(site["private"])
    assert len(files_of(site["media"])) == 2  # the photo and its rendition
    assert [name.split("/")[0] for name in files_of(site["private"])] == ["certificates"] * 2
    assert report.files == 4 and report.tables == len(database_tables(connection))


def test_the_manifest_names_every_table_and_file_with_its_checksum(site, tmp_path):
    path = backed_up(site, tmp_path)

    manifest = backup_check(path=path)

    assert path.name == "shuangyu-backup-20260305-090000.tar"  # Beijing time
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["database"]["tables"][Certificate._meta.db_table] == 2
    assert "certificates.0001_initial" in manifest["database"]["migrations"]
    media = [name for name in manifest["files"] if name.startswith("media/")]
    assert len(media) == 2 and all(len(manifest["files"][n]["sha256"]) == 64 for n in media)
    assert not list((tmp_path / "backups").glob(".*"))  # no temporary file left behind


@pytest.mark.parametrize("member", ["media/original_images/", "manifest.json", "database/"])
def test_a_damaged_backup_is_refused_before_anything_is_written(
    site, empty_machine, tmp_path, member
):
    path = backed_up(site, tmp_path)
    flip_a_byte(path, member)

    with pytest.raises(BackupDamaged):
        backup_check(path=path)
    with pytest.raises(BackupDamaged):
        restore_into(empty_machine, path)

    assert database_tables(empty_machine["connection"]) == []
    assert not empty_machine["media"].exists() and not empty_machine["private"].exists()


def test_a_backup_cut_short_is_refused(site, tmp_path):
    path = backed_up(site, tmp_path)
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size // 2)

    with pytest.raises(BackupDamaged):
        backup_check(path=path)


def test_restoring_over_a_database_that_is_not_empty_is_refused_and_changes_nothing(
    site, empty_machine, tmp_path
):
    path = backed_up(site, tmp_path)
    Certificate.objects.filter(serial__endswith="000002").delete()  # the site moved on
    before = database_facts(connection)

    with pytest.raises(RestoreRefused, match="--force"):
        backup_restore(
            path=path,
            connection=connection,
            media_root=empty_machine["media"],
            private_root=empty_machine["private"],
        )

    assert database_facts(connection) == before
    assert not empty_machine["media"].exists() and not empty_machine["private"].exists()


def test_restoring_into_folders_that_hold_files_is_refused_and_changes_nothing(
    site, empty_machine, tmp_path
):
    path = backed_up(site, tmp_path)
    empty_machine["private"].mkdir()
    (empty_machine["private"] / "note.txt").write_text("someone's file")

    with pytest.raises(RestoreRefused, match="PRIVATE_ROOT"):
        restore_into(empty_machine, path)

    assert database_tables(empty_machine["connection"]) == []
    assert files_of(empty_machine["private"]) == {"note.txt": b"someone's file"}
    assert not empty_machine["media"].exists()


def test_backups_are_not_kept_in_the_folder_nginx_serves(site):
    with pytest.raises(BackupError, match="MEDIA_ROOT"):
        backup_create(
            directory=site["media"] / "backups",
            connection=connection,
            media_root=site["media"],
            private_root=site["private"],
        )

    assert not (site["media"] / "backups").exists()


def test_the_commands_back_up_check_refuse_and_with_force_replace(site, settings, tmp_path):
    out = io.StringIO()
    call_command("backup", "--to", str(tmp_path / "backups"), stdout=out)
    path = Path(out.getvalue().splitlines()[-1])
    out = io.StringIO()
    call_command("backup_check", str(path), stdout=out)
    assert path.is_file() and "2" in out.getvalue()

    with pytest.raises(CommandError, match="--force"):
        call_command("restore", str(path), stdout=io.StringIO())

    Certificate.objects.filter(serial__endswith="000002").delete()
    out = io.StringIO()
    call_command("restore", str(path), "--force", stdout=out)
    assert Certificate.objects.count() == 2  # the backup's rows, as they were
    assert "--force" in out.getvalue()

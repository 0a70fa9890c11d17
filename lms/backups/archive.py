"""The backup file: one uncompressed tar (images and PostgreSQL's custom dump are compressed
already) holding `database/…`, `media/…`, `private/…`, then `manifest.json` and its own
sha256 in `manifest.json.sha256`. Every member's size and sha256 is in the manifest, so a
file cut short, a flipped byte or a member too many is found before anything is restored.

Written under a temporary name in the target folder and renamed when whole: a backup
interrupted half way never looks like one."""

import hashlib
import io
import json
import os
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

from django.utils.translation import gettext as _

from .exceptions import BackupDamaged

FORMAT = "shuangyu-backup/1"
MANIFEST = "manifest.json"
MANIFEST_SUM = "manifest.json.sha256"
ROOTS = ("database", "media", "private")
CHUNK = 1024 * 1024
MANIFEST_MAX_BYTES = 512 * 1024 * 1024


class _Hashing:
    """A reader that hashes and counts what passes through it."""

    def __init__(self, raw):
        self.raw = raw
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, size=-1):
        data = self.raw.read(size)
        self.sha256.update(data)
        self.size += len(data)
        return data


def file_digest(path: Path) -> dict:
    """{"size", "sha256"} of a file on disk."""
    with open(path, "rb") as handle:
        digest = hashlib.file_digest(handle, "sha256")
        return {"size": handle.tell(), "sha256": digest.hexdigest()}


def files_under(root: Path) -> list[tuple[str, Path]]:
    """(name relative to root, in POSIX form; path) of every regular file under root, sorted.
    Symbolic links are left out: a backup holds what the folder holds, not what it points at."""
    root = Path(root)
    if not root.is_dir():
        return []
    found = []
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            path = Path(folder, name)
            if path.is_file() and not path.is_symlink():
                found.append((path.relative_to(root).as_posix(), path))
    return found


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class ArchiveWriter:
    """`with ArchiveWriter(folder) as archive: archive.add_file(…); archive.finish(name)`.
    Until finish() the file has a hidden temporary name; leaving the block without finishing
    removes it."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.files: dict[str, dict] = {}
        self.path: Path | None = None

    def __enter__(self):
        handle, name = tempfile.mkstemp(dir=self.folder, prefix=".shuangyu-backup-", suffix=".part")
        os.fchmod(handle, 0o600)  # personal data: names, phones, certificates
        self.temporary = Path(name)
        self.raw = os.fdopen(handle, "wb")
        self.tar = tarfile.open(fileobj=self.raw, mode="w", format=tarfile.PAX_FORMAT)
        return self

    def add_file(self, name: str, path: Path) -> dict:
        """Add a file as member `name`; its size and sha256 as written go to the manifest."""
        info = tarfile.TarInfo(name)
        stat = path.stat()
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o600
        with open(path, "rb") as handle:
            reader = _Hashing(handle)
            self.tar.addfile(info, reader)
        self.files[name] = {"size": reader.size, "sha256": reader.sha256.hexdigest()}
        return self.files[name]

    def add_bytes(self, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode = len(data), 0o600
        self.tar.addfile(info, _Hashing(io.BytesIO(data)))

    def finish(self, name: str) -> Path:
        self.tar.close()
        self.raw.flush()
        os.fsync(self.raw.fileno())
        self.raw.close()
        final = self.folder / name
        stem, number = final.stem, 2
        while final.exists():  # two backups in one second: never replace one
            final = self.folder / f"{stem}-{number}.tar"
            number += 1
        os.replace(self.temporary, final)
        _fsync_folder(self.folder)
        self.path = final
        return final

    def __exit__(self, *exc):
        if self.path is None:
            self.tar.close()
            self.raw.close()
            self.temporary.unlink(missing_ok=True)
        return False


def manifest_bytes(manifest: dict) -> tuple[bytes, bytes]:
    """The manifest as written, and its sha256 line."""
    data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
    return data, (hashlib.sha256(data).hexdigest() + "\n").encode()


def _damaged(reason: str) -> BackupDamaged:
    return BackupDamaged(
        _("The backup file is damaged: %(reason)s. Nothing was restored.") % {"reason": reason}
    )


def _member_name_check(member: tarfile.TarInfo) -> None:
    name = PurePosixPath(member.name)
    if not member.isreg():
        raise _damaged(_("%(name)s is not a regular file") % {"name": member.name})
    if member.name in (MANIFEST, MANIFEST_SUM):
        return
    if (
        name.is_absolute()
        or ".." in name.parts
        or name.parts[0] not in ROOTS
        or len(name.parts) < 2
    ):
        raise _damaged(_("unexpected member %(name)s") % {"name": member.name})


def archive_verify(path: Path) -> dict:
    """Read the whole file once, hashing every member, and compare with the manifest (whose
    own sha256 is checked first). Returns the manifest; raises BackupDamaged. Writes nothing."""
    found: dict[str, dict] = {}
    manifest_data = manifest_sum = None
    try:
        with tarfile.open(path, mode="r:") as tar:
            for member in tar:
                _member_name_check(member)
                if member.name in found:
                    raise _damaged(_("%(name)s appears twice") % {"name": member.name})
                handle = tar.extractfile(member)
                if member.name == MANIFEST:
                    if member.size > MANIFEST_MAX_BYTES:
                        raise _damaged(_("the manifest is too large"))
                    manifest_data = handle.read()
                    found[member.name] = {}
                    continue
                if member.name == MANIFEST_SUM:
                    manifest_sum = handle.read(200).decode("ascii", "replace").strip()
                    found[member.name] = {}
                    continue
                reader = _Hashing(handle)
                while reader.read(CHUNK):
                    pass
                found[member.name] = {"size": reader.size, "sha256": reader.sha256.hexdigest()}
    except (tarfile.TarError, EOFError) as error:
        raise _damaged(_("not a readable backup (%(error)s)") % {"error": error}) from error
    except OSError as error:
        raise BackupDamaged(str(error)) from error
    if manifest_data is None or manifest_sum is None:
        raise _damaged(_("it has no manifest (cut short, or not a Shuangyu backup)"))
    if hashlib.sha256(manifest_data).hexdigest() != manifest_sum:
        raise _damaged(_("the manifest does not match its checksum"))
    manifest = json.loads(manifest_data)
    if manifest.get("format") != FORMAT:
        raise _damaged(_("unknown format %(format)s") % {"format": manifest.get("format")})
    expected = manifest["files"]
    found.pop(MANIFEST)
    found.pop(MANIFEST_SUM)
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    changed = sorted(name for name in set(expected) & set(found) if found[name] != expected[name])
    if missing or extra or changed:
        wrong = [
            *(_("%(name)s is missing") % {"name": name} for name in missing),
            *(_("%(name)s is not in the manifest") % {"name": name} for name in extra),
            *(_("%(name)s does not match its checksum") % {"name": name} for name in changed),
        ]
        raise _damaged("；".join(wrong[:10]) + ("…" if len(wrong) > 10 else ""))
    return manifest


def archive_extract(path: Path, *, manifest: dict, roots: dict[str, Path]) -> int:
    """Write every member to roots[its first folder] / the rest of its name, each under a
    temporary name renamed when whole and checked against the manifest as it is written.
    Returns how many files were written."""
    written = 0
    with tarfile.open(path, mode="r:") as tar:
        for member in tar:
            if member.name in (MANIFEST, MANIFEST_SUM):
                continue
            _member_name_check(member)
            root, *rest = PurePosixPath(member.name).parts
            target = Path(roots[root], *rest)
            target.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".restoring-")
            try:
                reader = _Hashing(tar.extractfile(member))
                with os.fdopen(handle, "wb") as out:
                    while data := reader.read(CHUNK):
                        out.write(data)
                digest = {"size": reader.size, "sha256": reader.sha256.hexdigest()}
                if digest != manifest["files"][member.name]:
                    raise _damaged(_("%(name)s changed while it was read") % {"name": member.name})
                os.chmod(temporary, 0o644 if root == "media" else 0o600)
                os.replace(temporary, target)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
            written += 1
    return written

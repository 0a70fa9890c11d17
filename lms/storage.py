"""Where files that hold personal data live: certificates (a name, a serial) and exports (names,
phone numbers, ID numbers).

They are kept under PRIVATE_ROOT, outside MEDIA_ROOT, which nginx serves to anyone who knows
an address: a certificate's address was its serial (DG-2026-000123), easy to count through.
Private files have no address; only the views that check who asks hand them out.
"""

from django.conf import settings
from django.core.files.storage import FileSystemStorage, default_storage, storages
from django.utils.functional import cached_property


class PrivateStorage(FileSystemStorage):
    @cached_property
    def base_location(self):
        return self._value_or_setting(self._location, settings.PRIVATE_ROOT)

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "PRIVATE_ROOT":  # a test's own folder
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)

    def url(self, name):
        raise ValueError(f"{name} is private: a view that checks who asks hands it out")


def private_storage():
    """The storage of private files (settings.STORAGES["private"]); the fields' `storage`."""
    return storages["private"]


def files_move_to_private(names) -> int:
    """Move files named in the database from the public media folder to the private one,
    keeping their names (for the migration that made the fields private). Returns how many."""
    private = private_storage()
    moved = 0
    for name in names:
        if not name or private.exists(name) or not default_storage.exists(name):
            continue
        with default_storage.open(name, "rb") as public:
            private.save(name, public)
        default_storage.delete(name)
        moved += 1
    return moved

"""Authentication by phone number (of the linked Person) or by user name."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db.models import Q

from .identity import normalize_phone


def users_for_identifier(identifier: str) -> list:
    """The accounts a login identifier names: by user name, or by the phone of their Person.

    Usually one; several when household members share a phone. The login throttle counts
    failures against these accounts, so every spelling of a phone number, and the user name
    of the same account, share one count.
    """
    identifier = (identifier or "").strip()
    if not identifier:
        return []
    condition = Q(username=identifier)
    try:
        phone = normalize_phone(identifier)
    except ValidationError:
        phone = ""
    if phone:
        condition |= Q(person__phone=phone)
    return list(get_user_model().objects.filter(condition).order_by("pk"))


class PhoneOrUsernameBackend(ModelBackend):
    """Villagers log in with the phone number on their roster record; staff may use a name."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        User = get_user_model()
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not username or password is None:
            return None
        candidates = users_for_identifier(username)
        if not candidates:
            User().set_password(password)  # same cost as a real check: no timing oracle
            return None
        for user in candidates:
            if user.check_password(password) and self.user_can_authenticate(user):
                return user
        return None

    def get_user(self, user_id):
        """The logged-in account with its roster record, village and branch, from the cache.

        Every page and every heartbeat (~333/s for 10,000 learners) asks for it; reading it
        from the database cost a query of four joined tables each time. Saving or deleting
        the account or its person forgets it (lms/people/signals.py); Django still checks
        the session against the cached password hash, so a password change logs out at once.
        """
        key = user_cache_key(user_id)
        user = cache.get(key)
        if user is None:
            User = get_user_model()
            user = (
                User._default_manager.select_related("person__village", "person__branch")
                .filter(pk=user_id)
                .first()
            )
            if user is None:
                return None
            cache.set(key, user, USER_CACHE_SECONDS)
        return user if self.user_can_authenticate(user) else None


# Bounds how long an edit made without save() (a queryset update) can go unseen.
USER_CACHE_SECONDS = 60


def user_cache_key(user_id) -> str:
    return f"people:session-user:{user_id}"


def user_cache_forget(*user_ids) -> None:
    cache.delete_many([user_cache_key(pk) for pk in user_ids if pk is not None])

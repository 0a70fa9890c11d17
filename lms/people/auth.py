"""Authentication by phone number (of the linked Person) or by user name."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ValidationError

from .identity import normalize_phone


class PhoneOrUsernameBackend(ModelBackend):
    """Villagers log in with the phone number on their roster record; staff may use a name."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        User = get_user_model()
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if not username or password is None:
            return None
        candidates = list(User.objects.filter(username=username.strip()))
        try:
            phone = normalize_phone(username)
        except ValidationError:
            phone = ""
        if phone:
            candidates += [
                user for user in User.objects.filter(person__phone=phone) if user not in candidates
            ]
        if not candidates:
            User().set_password(password)  # same cost as a real check: no timing oracle
            return None
        for user in candidates:
            if user.check_password(password) and self.user_can_authenticate(user):
                return user
        return None

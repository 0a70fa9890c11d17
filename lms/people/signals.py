"""Forgetting a cached session user (lms/people/auth.py) when the account or its person
changes: password, activity, name, village, or which account the person is linked to."""

from django.conf import settings
from django.db.models.signals import post_delete, post_init, post_save
from django.dispatch import receiver

from .auth import user_cache_forget
from .models import Person


@receiver(post_save, sender=settings.AUTH_USER_MODEL)
@receiver(post_delete, sender=settings.AUTH_USER_MODEL)
def _account_changed(sender, instance, **kwargs):
    user_cache_forget(instance.pk)


@receiver(post_init, sender=Person)
def _remember_account(sender, instance, **kwargs):
    instance._account_as_loaded = instance.__dict__.get("user_id")


@receiver(post_save, sender=Person)
@receiver(post_delete, sender=Person)
def _person_changed(sender, instance, **kwargs):
    # Both the account it is linked to now and the one it was loaded with (a merge or an
    # unlink moves the link).
    user_cache_forget(instance.user_id, getattr(instance, "_account_as_loaded", None))
    instance._account_as_loaded = instance.user_id

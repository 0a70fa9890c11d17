"""Reads about certificates, through the scope of the user who asks."""

from django.db.models import QuerySet

from lms.people.selectors import person_for_user, user_is_administrator, villages_visible_to

from .models import Certificate


def certificates_visible_to(user) -> QuerySet[Certificate]:
    """Staff: the certificates of people whose village their role covers. Learners: their own."""
    certificates = Certificate.objects.select_related("person__village")
    if user_is_administrator(user):
        return certificates
    visible = certificates.filter(person__village__in=villages_visible_to(user))
    person = person_for_user(user)
    if person is not None:
        visible = visible | certificates.filter(person=person)
    return visible


def certificates_of(person) -> QuerySet[Certificate]:
    """我的证书: a person's certificates, newest first."""
    return Certificate.objects.filter(person=person).order_by("-issued_at", "-pk")


def certificate_for_verification(serial: str) -> Certificate | None:
    """The certificate a serial names, or None; the serial is compared as printed
    (upper case, spaces ignored)."""
    serial = "".join((serial or "").split()).upper()
    if not serial or len(serial) > 32:
        return None
    return Certificate.objects.select_related("person").filter(serial=serial).first()

"""Reads about certificates, through the scope of the user who asks."""

from django.db.models import Q, QuerySet

from lms.people.selectors import (
    person_for_user,
    user_is_administrator,
    user_role,
    villages_visible_to,
)

from .models import Certificate


def certificates_in_staff_scope(user) -> QuerySet[Certificate]:
    """The certificates a staff role covers: those of people whose village it covers, and
    those issued for a training held in a village it covers, whoever attended (the organizer
    who issued a session's certificates, and downloaded them in its ZIP, finds each of them
    in the certificate list). The one scope of every staff entrance: the admin's list,
    inspect and revoke pages, and the PDF download."""
    if user_role(user) is None:
        return Certificate.objects.none()
    if user_is_administrator(user):
        return Certificate.objects.all()
    villages = villages_visible_to(user)
    return Certificate.objects.filter(
        Q(person__village__in=villages) | Q(session__village__in=villages)
    )


def certificates_visible_to(user) -> QuerySet[Certificate]:
    """Those in the user's staff scope, and a learner's own."""
    visible = certificates_in_staff_scope(user)
    person = person_for_user(user)
    if person is not None:
        visible = visible | Certificate.objects.filter(person=person)
    return visible.select_related("person__village")


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

"""我的证书 on pages of lower apps (我的学习) without those apps importing certificates."""

from django import template

from lms.people.selectors import person_for_user

from ..selectors import certificates_of

register = template.Library()
SHOWN = 5


@register.inclusion_tag("certificates/includes/my_certificates.html", takes_context=True)
def my_certificates(context):
    person = person_for_user(context["request"].user)
    certificates = list(certificates_of(person)[: SHOWN + 1]) if person is not None else []
    return {"certificates": certificates[:SHOWN], "more": len(certificates) > SHOWN}

"""The learner's tab bar (首页, 课程, 我的学习, 签到, 我的) on every page of the site."""

from django import template
from django.urls import reverse

from courses.selectors import catalogue_page
from lms.memo import ProcessMemo

register = template.Library()
_catalogue_url: ProcessMemo[str] = ProcessMemo(10)


def catalogue_url() -> str:
    def read() -> str:
        page = catalogue_page()
        return (page.get_url() or "/") if page is not None else "/"

    return _catalogue_url.get(None, read)


@register.inclusion_tag("home/includes/tabs.html", takes_context=True)
def learner_tabs(context):
    request = context["request"]
    tabs = {
        "home": "/",
        "courses": catalogue_url(),
        "study": reverse("home:my_study"),
        "sign_in": reverse("attendance:index"),
        "me": reverse("home:me"),
    }
    # The page belongs to the tab with the longest address its own starts with.
    under = [name for name, url in tabs.items() if url != "/" and request.path.startswith(url)]
    active = max(under, key=lambda name: len(tabs[name]), default=None)
    if request.path == "/":
        active = "home"
    return {"tabs": tabs, "active": active}

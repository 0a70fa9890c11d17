from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from lms.pages import ShuangyuPage


class HomePage(ShuangyuPage):
    """The township's front page: what the platform is and where to start."""

    intro = RichTextField(_("introduction"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    max_count = 1
    parent_page_types = ["wagtailcore.Page"]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        from lms.people.selectors import person_for_user, user_role

        context = super().get_context(request, *args, **kwargs)
        context["person"] = person_for_user(request.user)
        context["staff_role"] = user_role(request.user)
        return context


class Notification(models.Model):
    """An in-app message to a person (study reminders and the like), shown on 我的学习."""

    person = models.ForeignKey(
        "people.Person",
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=32)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("message"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["person", "read_at"], name="notification_unread")]

    def __str__(self):
        return f"{self.person} · {self.title}"

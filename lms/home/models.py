from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class HomePage(Page):
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

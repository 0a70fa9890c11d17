"""Admin view for assigning a course to a village, a party branch or a list of people.

The form offers only the organizer's villages, branches and people; the service checks the
scope again (courses.assignment), so a forged id is counted out of scope, never enrolled.
"""

from django import forms
from django.db.models import Q
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.permissions import policy_registry

from lms.people.admin_scope import AllowedUsersMixin
from lms.people.selectors import branches_visible_to, people_visible_to, villages_visible_to

from .assignment import assignment_people_ids, course_assign_start
from .models import CoursePage, Enrollment

ENROLLMENTS = "course_enrollments"  # the enrollments viewset's URL namespace


def enrollment_policy():
    return policy_registry.get_by_type(Enrollment)


class CourseAssignForm(forms.Form):
    course = forms.ModelChoiceField(label=gettext_lazy("course"), queryset=None)
    village = forms.ModelChoiceField(label=gettext_lazy("village"), queryset=None, required=False)
    branch = forms.ModelChoiceField(
        label=gettext_lazy("party branch"), queryset=None, required=False
    )
    people = forms.ModelMultipleChoiceField(
        label=gettext_lazy("people"), queryset=None, required=False
    )
    party_members_only = forms.BooleanField(
        label=gettext_lazy("party members only"),
        required=False,
        initial=True,
        help_text=gettext_lazy("For a village or a branch."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].queryset = CoursePage.objects.live().order_by("path")
        self.fields["village"].queryset = villages_visible_to(user)
        # Branches are listed township-wide; offer those of the user's villages (or of none).
        villages = villages_visible_to(user)
        self.fields["branch"].queryset = branches_visible_to(user).filter(
            Q(village__in=villages) | Q(village__isnull=True)
        )
        self.fields["people"].queryset = people_visible_to(user).select_related("village")
        self.fields["people"].label_from_instance = lambda p: f"{p.name}（{p.village.name}）"

    def clean(self):
        data = super().clean()
        chosen = [name for name in ("village", "branch", "people") if data.get(name)]
        if len(chosen) != 1:
            raise forms.ValidationError(_("Choose a village, a party branch or some people."))
        return data


class CourseAssignView(AllowedUsersMixin, WagtailAdminTemplateMixin, TemplateView):
    page_title = gettext_lazy("Assign a course")
    header_icon = "group"
    template_name = "courses/admin/assign.html"

    def user_is_allowed(self, user) -> bool:
        return enrollment_policy().user_has_permission(user, "add")

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse(f"{ENROLLMENTS}:index"),
                "label": capfirst(Enrollment._meta.verbose_name_plural),
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, form=None, **kwargs):
        form = form or CourseAssignForm(user=self.request.user)
        return super().get_context_data(form=form, media=form.media, **kwargs)

    def post(self, request, *args, **kwargs):
        form = CourseAssignForm(request.POST, user=request.user)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        data = form.cleaned_data
        ids = assignment_people_ids(
            by=request.user,
            village=data["village"],
            branch=data["branch"],
            people=data["people"] or (),
            party_members_only=data["party_members_only"],
        )
        counts = course_assign_start(course=data["course"], people_ids=ids, by=request.user)
        if counts is None:
            messages.success(
                request,
                _("“%(course)s” is being assigned; the enrollments appear here in a few moments.")
                % {"course": data["course"].title},
            )
        else:
            messages.success(
                request,
                _(
                    "“%(course)s”: %(assigned)d enrolled, %(reenrolled)d enrolled again,"
                    " %(already)d already enrolled."
                )
                % {"course": data["course"].title, **counts},
            )
        return redirect(reverse(f"{ENROLLMENTS}:index"))

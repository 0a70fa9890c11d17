"""Admin view for assigning a course to a village, a party branch or a list of people.

The form offers only the organizer's villages, branches and people; the service checks the
scope again (courses.assignment), so a forged id is counted out of scope, never enrolled.
"""

from django import forms
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.permissions import policy_registry

from lms.people.admin_scope import AllowedUsersMixin
from lms.people.selectors import (
    branches_visible_to,
    people_visible_to,
    user_role,
    villages_visible_to,
)

from .assignment import (
    assignment_people_ids,
    course_assign_start,
    course_assignment_retry,
    course_assignment_visible_to,
)
from .models import CourseAssignment, CoursePage, Enrollment

ENROLLMENTS = "course_enrollments"  # the enrollments viewset's URL namespace


def enrollment_policy():
    return policy_registry.get_by_type(Enrollment)


def counts_text(course: CoursePage, counts: dict[str, int]) -> str:
    return _(
        "“%(course)s”: %(assigned)d enrolled, %(reenrolled)d enrolled again,"
        " %(already)d already enrolled."
    ) % {"course": course.title, **counts}


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
        recent = CourseAssignment.objects.filter(requested_by=self.request.user).select_related(
            "course"
        )[:5]
        return super().get_context_data(form=form, media=form.media, recent=recent, **kwargs)

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
        result = course_assign_start(course=data["course"], people_ids=ids, by=request.user)
        if isinstance(result, CourseAssignment):
            return redirect(f"{ENROLLMENTS}:assignment", result.pk)
        messages.success(request, counts_text(data["course"], result))
        return redirect(reverse(f"{ENROLLMENTS}:index"))


class CourseAssignmentView(AllowedUsersMixin, WagtailAdminTemplateMixin, TemplateView):
    """A queued assignment: its progress while the task works (the page refreshes itself),
    then the counts, or the error and a retry that goes on from where it stopped. For the
    organizer who asked and staff who see all its villages; 404 for anyone else, as for one
    that does not exist."""

    page_title = gettext_lazy("Assigning a course")
    header_icon = "group"
    template_name = "courses/admin/assignment.html"

    def user_is_allowed(self, user) -> bool:
        return user_role(user) is not None

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse(f"{ENROLLMENTS}:index"),
                "label": capfirst(Enrollment._meta.verbose_name_plural),
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def assignment(self) -> CourseAssignment:
        assignment = get_object_or_404(
            # Not the ids (up to 30,000 for a township): the page refreshes every 2 s.
            CourseAssignment.objects.select_related("course").defer("person_ids"),
            pk=self.kwargs["assignment_id"],
        )
        if not course_assignment_visible_to(self.request.user, assignment):
            raise Http404
        return assignment

    def get_context_data(self, **kwargs):
        assignment = self.assignment()
        enrollments = reverse(f"{ENROLLMENTS}:index")
        return super().get_context_data(
            assignment=assignment,
            refresh=assignment.is_pending and not assignment.is_stalled,
            stalled=assignment.is_stalled,
            counts=counts_text(assignment.course, assignment.counts),
            enrollments_url=f"{enrollments}?course={assignment.course_id}",
            **kwargs,
        )

    def post(self, request, assignment_id):
        course_assignment_retry(assignment=self.assignment())
        return redirect(f"{ENROLLMENTS}:assignment", assignment_id)

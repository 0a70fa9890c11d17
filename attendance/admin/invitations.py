"""Who is invited to a session: the roster, inviting villages, branches or people, the
waiting list, and cancelling a registration."""

from collections import defaultdict

from django.http import Http404
from django.shortcuts import redirect
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View
from wagtail.admin import messages

from lms.people.models import Person
from lms.people.selectors import (
    people_matching,
    people_visible_to,
    user_sees_identifiers,
)

from .. import registrations
from ..exceptions import AttendanceError
from ..models import (
    Registration,
    TrainingSession,
)
from ..selectors import session_counts
from .common import (
    SessionPageMixin,
    local,
    session_policy,
    session_url,
    user_label,
)
from .forms import (
    BranchInviteForm,
    PeopleInviteForm,
    RosterSearchForm,
    VillageInviteForm,
)

ROSTER_SEARCH_LIMIT = 100  # people listed for one search on the roster page

# --- Roster and invitations -------------------------------------------------------------------


class SessionRosterView(SessionPageMixin, TemplateView):
    """Who is invited and who waits; invite a village, a party branch or chosen people."""

    page_title = gettext_lazy("Roster and invitations")
    header_icon = "group"
    template_name = "attendance/admin/session_roster.html"
    forms = {"village": VillageInviteForm, "branch": BranchInviteForm, "people": PeopleInviteForm}

    @cached_property
    def can_change(self) -> bool:
        return session_policy().user_has_permission_for_instance(
            self.request.user, "change", self.session
        )

    @cached_property
    def masked(self) -> bool:
        return not user_sees_identifiers(self.request.user)

    def candidates(self, query: str) -> list[Person]:
        if not query:
            return []
        already = self.session.registrations.exclude(status=Registration.Status.CANCELLED).values(
            "person_id"
        )
        user = self.request.user
        people = (
            people_matching(people_visible_to(user), query=query, user=user)
            .exclude(pk__in=already)
            .select_related("village")
            .order_by("village__name", "name", "pk")
        )
        return list(people[:ROSTER_SEARCH_LIMIT])

    def make_forms(self, data=None, mode=None):
        search = RosterSearchForm(self.request.GET or None)
        query = search.cleaned_data["q"].strip() if search.is_valid() else ""
        user = self.request.user
        forms = {
            "village": VillageInviteForm(data if mode == "village" else None, user=user),
            "branch": BranchInviteForm(data if mode == "branch" else None, user=user),
            "people": PeopleInviteForm(
                data if mode == "people" else None,
                user=user,
                candidates=self.candidates(query),
                masked=self.masked,
            ),
        }
        return search, query, forms

    def get_context_data(self, forms=None, **kwargs):
        search, query, fresh = self.make_forms()
        forms = {**fresh, **(forms or {})}
        registrations = list(
            self.session.registrations.select_related(
                "person__village", "invited_by__person"
            ).order_by("status", "created_at", "pk")
        )
        rows = []
        for registration in registrations:
            person = registration.person
            rows.append(
                {
                    "registration": registration,
                    "person": person,
                    "phone": person.masked_phone if self.masked else person.phone,
                    "invited_by": user_label(registration.invited_by),
                    "created_at": local(registration.created_at),
                    "cancel_url": session_url(
                        "registration_cancel", self.session.pk, registration.pk
                    ),
                }
            )
        by_status = defaultdict(list)
        for row in rows:
            by_status[row["registration"].status].append(row)
        return super().get_context_data(
            counts=session_counts(self.session),
            registered=by_status[Registration.Status.REGISTERED],
            waitlisted=by_status[Registration.Status.WAITLISTED],
            cancelled=by_status[Registration.Status.CANCELLED],
            can_change=self.can_change and self.session.status != TrainingSession.Status.CANCELLED,
            search_form=search,
            query=query,
            village_form=forms["village"],
            branch_form=forms["branch"],
            people_form=forms["people"],
            sheet_url=session_url("sheet_pdf", self.session.pk),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        if not self.can_change:
            raise Http404
        mode = request.POST.get("mode")
        if mode not in self.forms:
            return redirect(session_url("roster", self.session.pk))
        _search, _query, forms = self.make_forms(request.POST, mode)
        form = forms[mode]
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(forms={mode: form}))
        data = form.cleaned_data
        try:
            counts = registrations.registration_invite(
                session=self.session,
                people=data.get("people", ()),
                village=data.get("village"),
                branch=data.get("branch"),
                party_members_only=data.get("party_members_only", False),
                by=request.user,
            )
        except AttendanceError as error:
            messages.error(request, str(error))
            return redirect(session_url("roster", self.session.pk))
        messages.success(
            request,
            _(
                "Invited: %(registered)d registered, %(waitlisted)d on the waiting list, "
                "%(already)d already invited."
            )
            % counts,
        )
        return redirect(session_url("roster", self.session.pk))


class RegistrationCancelView(SessionPageMixin, View):
    permission_action = "change"
    http_method_names = ["post"]

    def post(self, request, *args, pk, registration_pk, **kwargs):
        registration = self.session.registrations.filter(pk=registration_pk).first()
        if registration is None:
            raise Http404
        promoted = registrations.registration_cancel(registration=registration, by=request.user)
        message = _("%(name)s is no longer invited.") % {"name": registration.person.name}
        if promoted is not None:
            message += " " + _("%(name)s moves up from the waiting list.") % {
                "name": promoted.person.name
            }
        messages.success(request, message)
        return redirect(session_url("roster", self.session.pk))

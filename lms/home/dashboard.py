"""The admin's dashboard panels, one set per role (lms.home composes; the figures come from
lms.stats, the sessions from attendance, who is behind from the ledger).

- organizer: today's and this week's sessions in their villages, one tap to 签到大屏 and 点名;
- secretary: her villages' figures this year and the party members behind on study;
- township staff and administrators: the year's figures against the targets, the two tracks
  side by side, and the latest paper-sheet imports.
Each panel costs a fixed number of queries, however many sessions or people there are.
"""

import datetime

from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.admin.ui.components import Component

from attendance.models import AttendanceRecord
from attendance.selectors import sessions_visible_to
from lms.ledger.selectors import members_behind
from lms.people.models import RoleAssignment
from lms.people.selectors import user_role, villages_visible_to
from lms.stats import charts
from lms.stats.report import COLUMNS
from lms.stats.selectors import (
    attendance_breakdown,
    attendance_totals,
    targets_progress,
    year_filter,
)

Role = RoleAssignment.Role
BEHIND_SHOWN = 10
IMPORTS_SHOWN = 5


def _local_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class RolePanel(Component):
    """A panel for one user, styled by the statistics' small stylesheet (no script)."""

    def __init__(self, user):
        self.user = user

    class Media:
        css = {"all": ["css/stats.css"]}


class SessionsPanel(RolePanel):
    """Today's sessions and the rest of this week's, with the links an organizer needs."""

    name = "sy_sessions"
    order = 10
    template_name = "home/panels/sessions.html"

    def get_context_data(self, parent_context=None):
        return sessions_this_week(self.user)


def _came():
    return Q(attendance__status__in=AttendanceRecord.CAME)


def sessions_this_week(user) -> dict:
    """Today's sessions in the user's villages, with how many came and how many walk-ins
    wait at the desk, and the rest of this week's: the admin's panel and the phone desk."""
    today = timezone.localdate()
    week_end = today + datetime.timedelta(days=7 - today.weekday())
    sessions = list(
        sessions_visible_to(user)
        .exclude(status="cancelled")
        .filter(starts_at__gte=_local_day(today), starts_at__lt=_local_day(week_end))
        .select_related("village", "kind")
        .annotate(
            came=Count("attendance", filter=_came(), distinct=True),
            waiting=Count(
                "pending_walk_ins",
                filter=Q(pending_walk_ins__status="pending"),
                distinct=True,
            ),
        )
        .order_by("starts_at", "pk")
    )
    return {
        "today": [s for s in sessions if s.local_date == today],
        "later": [s for s in sessions if s.local_date != today],
    }


def village_figures(user) -> dict:
    """This year's 期/人次/人数/户 of the user's villages and the party members behind on
    study (the statistics' and the ledger's one implementation each)."""
    today = timezone.localdate()
    villages = villages_visible_to(user)
    behind = []
    townships = {v.township_id: v.township for v in villages.select_related("township")}
    for township in townships.values():
        behind += list(
            members_behind(township=township, year=today.year, on=today)
            .filter(village__in=villages)
            .select_related("village")[:BEHIND_SHOWN]
        )
    return {
        "year": today.year,
        "totals": attendance_totals(year_filter(user, year=today.year)),
        "behind": behind[:BEHIND_SHOWN],
        "columns": COLUMNS,
    }


class VillageFiguresPanel(RolePanel):
    """This year's figures of the user's villages and who is behind on study."""

    name = "sy_village_figures"
    order = 20
    template_name = "home/panels/village_figures.html"

    def get_context_data(self, parent_context=None):
        return village_figures(self.user)


class TownshipYearPanel(RolePanel):
    """The year's 期/人次/人数/户 against the targets, both tracks side by side."""

    name = "sy_township_year"
    order = 10
    template_name = "home/panels/township_year.html"

    def get_context_data(self, parent_context=None):
        year = timezone.localdate().year
        f = year_filter(self.user, year=year)
        by_track = attendance_breakdown(f, by="track")
        return {
            "year": year,
            "totals": attendance_totals(f),
            "targets": targets_progress(self.user, year=year),
            "tracks_chart": charts.grouped_bar_chart(
                title=_("The two tracks this year"),
                categories=[str(label) for _key, label in COLUMNS],
                series=[(row.label, [getattr(row, k) for k, _l in COLUMNS]) for row in by_track],
            ),
        }


class LatestImportsPanel(RolePanel):
    """The latest paper sign-in sheets imported in the user's villages."""

    name = "sy_latest_imports"
    order = 30
    template_name = "home/panels/latest_imports.html"

    def get_context_data(self, parent_context=None):
        imports = (
            sessions_visible_to(self.user)
            .filter(attendance__method=AttendanceRecord.Method.IMPORT)
            .annotate(imported=Count("attendance"), imported_at=Max("attendance__created_at"))
            .select_related("village")
            .order_by("-imported_at")[:IMPORTS_SHOWN]
        )
        return {"imports": list(imports)}


PANELS = {
    Role.ORGANIZER: [SessionsPanel, VillageFiguresPanel],
    Role.SECRETARY: [VillageFiguresPanel, SessionsPanel],
    Role.TOWNSHIP_STAFF: [TownshipYearPanel, SessionsPanel, LatestImportsPanel],
    Role.ADMINISTRATOR: [TownshipYearPanel, SessionsPanel, LatestImportsPanel],
}


def panels_for(user) -> list[Component]:
    """The role's panels, first things first (ahead of Wagtail's own)."""
    panels = []
    for position, panel_class in enumerate(PANELS.get(user_role(user), [])):
        panel = panel_class(user)
        panel.order = position - 100
        panels.append(panel)
    return panels

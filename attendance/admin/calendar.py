"""The month calendar of the sessions a user may see."""

import calendar
import datetime
from collections import defaultdict

from django.utils import formats, timezone
from django.utils.dates import WEEKDAYS_ABBR
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from lms.people.selectors import (
    villages_visible_to,
)

from ..models import (
    TrainingSession,
)
from ..selectors import sessions_visible_to
from .common import PermissionMixin, session_policy, session_url

# --- The calendar -----------------------------------------------------------------------------


def _parse_month(value: str | None, today: datetime.date) -> datetime.date:
    try:
        year, month = (int(part) for part in (value or "").split("-"))
        return datetime.date(year, month, 1)
    except (TypeError, ValueError):
        return today.replace(day=1)


def _parse_date(value: str | None) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _shift_month(first: datetime.date, months: int) -> datetime.date:
    index = first.year * 12 + first.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


class SessionCalendarView(PermissionMixin, WagtailAdminTemplateMixin, TemplateView):
    """A month of sessions in scope (?month=2026-03), and on a phone the list of one week
    (?week=2026-03-09); each links to its session page."""

    page_title = gettext_lazy("Training calendar")
    header_icon = "date"
    template_name = "attendance/admin/calendar.html"
    breadcrumbs_items = []  # a top-level page: Wagtail's plain header with the title

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        week_param = _parse_date(self.request.GET.get("week"))
        month = _parse_month(self.request.GET.get("month"), today)
        if week_param and not self.request.GET.get("month"):
            month = week_param.replace(day=1)
        weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(month.year, month.month)
        if week_param:
            week_start = week_param - datetime.timedelta(days=week_param.weekday())
        elif month <= today < _shift_month(month, 1):
            week_start = today - datetime.timedelta(days=today.weekday())
        else:
            week_start = weeks[0][0]
        week_days = [week_start + datetime.timedelta(days=n) for n in range(7)]

        villages = villages_visible_to(self.request.user)
        village = None
        village_id = self.request.GET.get("village")
        if village_id and village_id.isdigit():
            village = villages.filter(pk=village_id).first()

        first_day = min(weeks[0][0], week_start)
        last_day = max(weeks[-1][-1], week_days[-1])
        zone = timezone.get_current_timezone()
        sessions = (
            sessions_visible_to(self.request.user)
            .filter(
                starts_at__gte=datetime.datetime.combine(first_day, datetime.time.min, zone),
                starts_at__lt=datetime.datetime.combine(
                    last_day + datetime.timedelta(days=1), datetime.time.min, zone
                ),
            )
            .select_related("village", "kind")
            .order_by("starts_at", "pk")
        )
        if village is not None:
            sessions = sessions.filter(village=village)
        by_day = defaultdict(list)
        for session in sessions:
            start = timezone.localtime(session.starts_at)
            by_day[start.date()].append(
                {
                    "session": session,
                    "time": f"{start:%H:%M}",
                    "url": session_url("inspect", session.pk),
                    "cancelled": session.status == TrainingSession.Status.CANCELLED,
                }
            )

        def query(**params):
            values = {"village": village.pk if village else None, **params}
            return "?" + "&".join(f"{key}={value}" for key, value in values.items() if value)

        return super().get_context_data(
            month=month,
            month_label=formats.date_format(month, "YEAR_MONTH_FORMAT"),
            weekday_names=[WEEKDAYS_ABBR[day] for day in range(7)],
            weeks=[
                [
                    {
                        "date": day,
                        "in_month": day.month == month.month,
                        "today": day == today,
                        "sessions": by_day.get(day, []),
                    }
                    for day in week
                ]
                for week in weeks
            ],
            week_days=[
                {"date": day, "today": day == today, "sessions": by_day.get(day, [])}
                for day in week_days
            ],
            week_start=week_start,
            previous_month_url=query(month=f"{_shift_month(month, -1):%Y-%m}"),
            next_month_url=query(month=f"{_shift_month(month, 1):%Y-%m}"),
            this_month_url=query(),
            previous_week_url=query(week=f"{week_start - datetime.timedelta(days=7)}"),
            next_week_url=query(week=f"{week_start + datetime.timedelta(days=7)}"),
            villages=villages,
            village=village,
            can_add=session_policy().user_has_permission(self.request.user, "add"),
            add_url=session_url("add"),
            **kwargs,
        )

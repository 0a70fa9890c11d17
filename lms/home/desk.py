"""工作台: the phone page of organizers, village secretaries and township staff in the field —
today's sessions with 签到大屏, 点名 and 扫码 a tap away and the walk-ins waiting, the rest of
the week, and their villages' figures with who is behind on study. The same figures as the
admin's dashboard (lms/home/dashboard.py), without the admin's weight on a village network."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from lms.people.selectors import user_role

from .dashboard import sessions_this_week, village_figures


@never_cache
@login_required
@require_GET
def desk(request):
    if user_role(request.user) is None:
        return redirect("home:my_study")
    return render(
        request,
        "home/desk.html",
        {**sessions_this_week(request.user), **village_figures(request.user)},
    )

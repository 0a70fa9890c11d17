"""我的: the learner's own page (who they are, their certificates and sign-in card, the
elder mode, logging out), and the elder mode's switch."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from lms.people.selectors import person_for_user, user_role

# 长辈版 (the elder mode: large text, strong contrast) is kept per phone, for a year: an
# older member's phone stays in it whoever logs in, and it works before logging in too.
ELDER_COOKIE = "elder"
ELDER_SECONDS = 365 * 24 * 3600


@login_required
@require_GET
def me(request):
    return render(
        request,
        "home/me.html",
        {"person": person_for_user(request.user), "staff": user_role(request.user) is not None},
    )


@require_POST
def elder_mode(request):
    """Switch the elder mode on (elder=1) or off, then back to where the member was."""
    back = request.POST.get("next") or "/"
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = "/"
    response = HttpResponseRedirect(back)
    if request.POST.get("elder") == "1":
        response.set_cookie(
            ELDER_COOKIE, "1", max_age=ELDER_SECONDS, samesite="Lax", secure=request.is_secure()
        )
    else:
        response.delete_cookie(ELDER_COOKIE, samesite="Lax")
    return response

"""Site-side views of the people app: logging in and out with a phone number."""

from django.contrib.auth import views as auth_views
from django.urls import reverse

from .forms import LoginForm
from .selectors import user_role


class LoginView(auth_views.LoginView):
    template_name = "people/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        """A member lands on 我的学习 (what they came for); staff on a phone on their field
        desk (工作台), staff on a computer on the front page."""
        if user_role(self.request.user) is None:
            return reverse("home:my_study")
        agent = self.request.headers.get("User-Agent", "")
        if "Mobile" in agent or "Android" in agent:
            return reverse("home:desk")
        return super().get_default_redirect_url()


class LogoutView(auth_views.LogoutView):
    pass

"""The attendance admin's rooms: common (URLs, policy, the session page's mixins), chooser,
sessions, invitations, sheets, calendar, imports (plan and paper sheet), forms.

The viewsets and hooks that put them in Wagtail's admin are in attendance/wagtail_hooks.py.
"""

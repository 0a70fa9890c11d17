"""Site-side attendance pages: signing in on a phone, the organizer's screen and roll-call.

Mounted at /training/. /training/s/<token>/ is what the screen's QR code holds, so it
stays short for cheap phones' cameras.
"""

from django.urls import path

from . import views

app_name = "attendance"

urlpatterns = [
    path("", views.session_list, name="index"),
    # Attendees
    path("s/<str:token>/", views.token, name="token"),
    path("code/", views.code, name="code"),
    path("sign-in/", views.sign_in_page, name="sign_in"),
    path("done/", views.done, name="done"),
    path("my-code/", views.my_code, name="my_code"),
    path("sessions/<int:pk>/rate/", views.rate, name="rate"),
    # Organizers
    path("sessions/<int:pk>/", views.session_detail, name="session"),
    path("sessions/<int:pk>/screen/", views.screen, name="screen"),
    path("sessions/<int:pk>/roll-call/", views.roll_call, name="roll_call"),
    path("sessions/<int:pk>/scan/", views.scan, name="scan"),
    path("walk-ins/<int:pk>/", views.walk_in, name="walk_in"),
    path("cards/", views.cards, name="cards"),
]

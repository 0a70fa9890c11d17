"""Site-side attendance pages: signing in on a phone, the organizer's screen and roll-call.

Mounted at /training/. /training/s/<token>/ is what the screen's QR code holds, so it
stays short for cheap phones' cameras.
"""

from django.urls import path

from .views import attendees, organizers

app_name = "attendance"

urlpatterns = [
    path("", organizers.session_list, name="index"),
    # Attendees
    path("s/<str:token>/", attendees.token, name="token"),
    path("code/", attendees.code, name="code"),
    path("sign-in/", attendees.sign_in_page, name="sign_in"),
    path("done/", attendees.done, name="done"),
    path("my-code/", attendees.my_code, name="my_code"),
    path("sessions/<int:pk>/rate/", attendees.rate, name="rate"),
    # Organizers
    path("sessions/<int:pk>/", organizers.session_detail, name="session"),
    path("sessions/<int:pk>/screen/", organizers.screen, name="screen"),
    path("sessions/<int:pk>/roll-call/", organizers.roll_call, name="roll_call"),
    path("sessions/<int:pk>/scan/", organizers.scan, name="scan"),
    path("walk-ins/<int:pk>/", organizers.walk_in, name="walk_in"),
    path("cards/", organizers.cards, name="cards"),
]

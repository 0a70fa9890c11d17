"""Taking a lesson's quiz."""

urlpatterns: list = []

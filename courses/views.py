"""Study views: enrolment, heartbeats from the page, the learner dashboard (我的学习)."""

urlpatterns: list = []

"""Routes of CAP, spread into the crisis app's ``urlpatterns`` (namespace ``crisis``): each
starts with ``cap/``, so that they sit at /crisis/cap/."""

from django.urls import path

from vigil.crisis import cap_views

cap_urlpatterns = [
    path("cap/upload/", cap_views.cap_upload, name="cap_upload"),
    path("cap/alerts/", cap_views.cap_alert_list, name="cap_alert_list"),
    path("cap/advisories/<int:pk>.cap", cap_views.advisory_cap, name="advisory_cap"),
    path("cap/crises/<int:pk>.cap", cap_views.crisis_cap, name="crisis_cap"),
    path("cap/advisories.atom", cap_views.advisories_feed, name="advisories_feed"),
    path("cap/crises.atom", cap_views.crises_feed, name="crises_feed"),
]

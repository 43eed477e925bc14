"""Pages of programme performance, under /performance/."""

from django.urls import path, re_path

from vigil.performance import report_views, views

app_name = "performance"

# An indicator's id as the seed numbers it: SP1.a.i, SP2.1.b.ii, SP2.2.d.
INDICATOR = r"(?P<indicator_id>SP[0-9](?:\.[0-9a-z]+)+)"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("targets/", views.targets, name="targets"),
    path("report/", report_views.report, name="report"),
    path("hxl/indicators.csv", report_views.hxl_indicators, name="hxl_indicators"),
    path("hxl/incidents.csv", report_views.hxl_incidents, name="hxl_incidents"),
    re_path(rf"^{INDICATOR}/$", views.indicator_detail, name="indicator"),
    re_path(rf"^{INDICATOR}/settings/(?P<key>[a-z_]+)/$", views.setting_edit,
            name="setting_edit"),
]

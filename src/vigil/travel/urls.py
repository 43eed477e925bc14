from django.urls import path

from vigil.travel import views

app_name = "travel"

urlpatterns = [
    path("", views.my_trips, name="my_trips"),
    path("requests/", views.request_list, name="request_list"),
    path("requests/new/", views.request_edit, name="request_create"),
    path("requests/<int:pk>/", views.request_detail, name="request_detail"),
    path("requests/<int:pk>/edit/", views.request_edit, name="request_edit"),
    path("requests/<int:pk>/submit/", views.request_submit, name="request_submit"),
    path("requests/<int:pk>/cancel/", views.request_cancel, name="request_cancel"),
    path("clearances/<int:pk>/decide/", views.clearance_decide, name="clearance_decide"),
    path("approvals/", views.approval_queue, name="approval_queue"),
    path("uncovered/", views.uncovered_stops, name="uncovered_stops"),
    path("assistants/", views.delegations, name="delegations"),
    path("advisories/", views.advisory_list, name="advisory_list"),
    path("advisories/new/", views.advisory_edit, name="advisory_create"),
    path("advisories/<int:pk>/", views.advisory_detail, name="advisory_detail"),
    path("advisories/<int:pk>/edit/", views.advisory_edit, name="advisory_edit"),
    path("advisories/for/", views.advisories_for, name="advisories_for"),
    path("directory/", views.directory, name="directory"),
    path("directory/<str:iso2>/", views.directory_country, name="directory_country"),
    path("contacts/new/", views.contact_edit, name="contact_create"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact_edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact_delete"),
    path("controls/", views.area_controls, name="area_controls"),
    path("controls/<int:area_pk>/", views.area_control_edit, name="area_control_edit"),
    path("operators/", views.operator_list, name="operator_list"),
    path("operators/<int:pk>/", views.operator_edit, name="operator_edit"),
    path("whereabouts/", views.whereabouts_page, name="whereabouts"),
    path("whereabouts.geojson", views.whereabouts_geojson, name="whereabouts_geojson"),
    path("coverage/", views.coverage, name="coverage"),
    path("residence/confirm/", views.residence_confirm, name="residence_confirm"),
]

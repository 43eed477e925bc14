"""Pages of entry events, under /hq/ (names hq:gate_*)."""

from django.urls import URLPattern, path

from vigil.hq import gate_views as views

urlpatterns: list[URLPattern] = [
    path("premises/", views.gate_premises_list, name="gate_premises_list"),
    path("premises/<int:pk>/day/", views.gate_premises_day, name="gate_premises_day"),
    path("gate/scan/", views.gate_scan, name="gate_scan"),
    path("gate/report/", views.gate_report, name="gate_report"),
    path("gate/events/", views.gate_event_list, name="gate_event_list"),
    path("gate/unauthorized/", views.gate_unauthorized_list, name="gate_unauthorized_list"),
    path("gate/unauthorized/<int:pk>/", views.gate_unauthorized_detail,
         name="gate_unauthorized_detail"),
    path("gate/unauthorized/<int:pk>/review/", views.gate_unauthorized_review,
         name="gate_unauthorized_review"),
    path("gate/unauthorized/<int:pk>/incident/", views.gate_unauthorized_incident,
         name="gate_unauthorized_incident"),
    path("gate/import/", views.gate_import, name="gate_import"),
    path("gate/imports/", views.gate_import_list, name="gate_import_list"),
    path("gate/imports/<int:pk>/", views.gate_import_detail, name="gate_import_detail"),
    path("gate/mappings/", views.gate_mapping_list, name="gate_mapping_list"),
    path("gate/mappings/new/", views.gate_mapping_edit, name="gate_mapping_create"),
    path("gate/mappings/<int:pk>/", views.gate_mapping_detail, name="gate_mapping_detail"),
    path("gate/mappings/<int:pk>/edit/", views.gate_mapping_edit, name="gate_mapping_edit"),
    path("gate/statistics/", views.gate_statistics, name="gate_statistics"),
    path("gate/rules/", views.gate_rules_list, name="gate_rules_list"),
    path("gate/rules/<int:pk>/", views.gate_rules_edit, name="gate_rules_edit"),
]

from django.urls import path

from vigil.risk import views

app_name = "risk"

urlpatterns = [
    path("levels/", views.level_board, name="level_board"),
    path("levels/map/", views.level_map, name="level_map"),
    path("levels/map.geojson", views.level_geojson, name="level_geojson"),
    path("levels/<int:pk>/", views.level_detail, name="level_detail"),
    path("levels/<int:pk>/resubmit/", views.level_resubmit, name="level_resubmit"),
    path("levels/<int:pk>/<str:action>/", views.level_decide, name="level_decide"),
    path("areas/<int:area_pk>/", views.area_levels, name="area_levels"),
    path("areas/<int:area_pk>/propose/", views.level_propose, name="level_propose"),
    path("settings/", views.risk_settings, name="settings"),
    path("due/", views.reviews_due, name="reviews_due"),
    path("criticality/", views.criticality_board, name="criticality_board"),
    path("sras/", views.sra_list, name="sra_list"),
    path("sras/new/", views.sra_edit, name="sra_create"),
    path("sras/<int:pk>/", views.sra_detail, name="sra_detail"),
    path("sras/<int:pk>/edit/", views.sra_edit, name="sra_edit"),
    path("sras/<int:pk>/compare/", views.sra_diff, name="sra_diff"),
    path("sras/<int:pk>/risks/new/", views.entry_edit, name="entry_create"),
    path("sras/<int:pk>/risks/<int:entry_pk>/", views.entry_edit, name="entry_edit"),
    path("sras/<int:pk>/risks/<int:entry_pk>/remove/", views.entry_remove,
         name="entry_remove"),
    path("sras/<int:pk>/activities/new/", views.activity_edit, name="activity_create"),
    path("sras/<int:pk>/activities/<int:activity_pk>/", views.activity_edit,
         name="activity_edit"),
    path("sras/<int:pk>/<str:action>/", views.sra_action, name="sra_action"),
]

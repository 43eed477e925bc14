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
]

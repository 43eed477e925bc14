from django.urls import path

from vigil.incidents import views

app_name = "incidents"

urlpatterns = [
    path("", views.incident_list, name="incident_list"),
    path("map/", views.incident_map, name="incident_map"),
    path("incidents.geojson", views.incident_geojson, name="incident_geojson"),
    path("statistics/", views.statistics, name="statistics"),
    path("new/", views.incident_edit, name="incident_create"),
    path("<int:pk>/", views.incident_detail, name="incident_detail"),
    path("<int:pk>/edit/", views.incident_edit, name="incident_edit"),
    path("<int:pk>/people/", views.person_add, name="person_add"),
    path("<int:pk>/people/<int:row>/remove/", views.person_remove, name="person_remove"),
    path("<int:pk>/assets/", views.asset_add, name="asset_add"),
    path("<int:pk>/assets/<int:row>/remove/", views.asset_remove, name="asset_remove"),
]

from django.urls import path

from vigil.places import views

app_name = "places"

urlpatterns = [
    path("duty-stations/", views.duty_station_list, name="duty_station_list"),
    path("duty-stations/map/", views.duty_station_map, name="duty_station_map"),
    path("duty-stations/map.geojson", views.duty_station_geojson, name="duty_station_geojson"),
    path("duty-stations/new/", views.duty_station_edit, name="duty_station_create"),
    path("duty-stations/import/", views.duty_station_import, name="duty_station_import"),
    path("duty-stations/<int:pk>/", views.duty_station_detail, name="duty_station_detail"),
    path("duty-stations/<int:pk>/edit/", views.duty_station_edit, name="duty_station_edit"),
    path("security-areas/", views.security_area_list, name="security_area_list"),
    path("security-areas/new/", views.security_area_edit, name="security_area_create"),
    path("security-areas/<int:pk>/", views.security_area_detail, name="security_area_detail"),
    path("security-areas/<int:pk>/edit/", views.security_area_edit, name="security_area_edit"),
    path("premises/", views.premises_list, name="premises_list"),
    path("premises/new/", views.premises_edit, name="premises_create"),
    path("premises/<int:pk>/", views.premises_detail, name="premises_detail"),
    path("premises/<int:pk>/edit/", views.premises_edit, name="premises_edit"),
]

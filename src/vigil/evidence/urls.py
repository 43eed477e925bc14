"""Pages of the likelihood proposals, under /evidence/."""

from django.urls import path

from vigil.evidence import views

app_name = "evidence"

urlpatterns = [
    path("", views.index, name="index"),
    path("areas/<int:pk>/", views.area_detail, name="area"),
    path("countries/<str:iso2>/", views.country_detail, name="country"),
    path("settings/", views.settings_page, name="settings"),
]

"""Pages of this app (filled by the app)."""

from django.urls import URLPattern

app_name = "costshare"

urlpatterns: list[URLPattern] = []

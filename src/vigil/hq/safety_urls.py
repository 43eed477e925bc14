"""Pages of this area (filled by the area)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []

"""The check-in link, kept short for SMS: /c/<token>/."""

from django.urls import path

from vigil.crisis import views

urlpatterns = [path("<str:token>/", views.checkin_page, name="checkin")]

"""Pages of host-country cooperation, under /coordination/host/."""

from django.urls import path

from vigil.coordination import host_views as views

urlpatterns = [
    path("host/", views.country_list, name="host_country_list"),
    path("host/countries/<int:pk>/", views.country_detail, name="host_country_detail"),
    path("host/agreements/new/", views.agreement_edit, name="host_agreement_create"),
    path("host/agreements/<int:pk>/edit/", views.agreement_edit, name="host_agreement_edit"),
    path("host/agreements/<int:pk>/end/", views.agreement_end, name="host_agreement_end"),
    path("host/support/new/", views.support_edit, name="host_support_create"),
    path("host/support/<int:pk>/edit/", views.support_edit, name="host_support_edit"),
    path("host/support/<int:pk>/end/", views.support_end, name="host_support_end"),
    path("host/meetings/new/", views.meeting_edit, name="host_meeting_create"),
    path("host/meetings/<int:pk>/edit/", views.meeting_edit, name="host_meeting_edit"),
    path("host/ratings/new/", views.rating_edit, name="host_rating_create"),
    path("host/ratings/<int:pk>/edit/", views.rating_edit, name="host_rating_edit"),
    path("host/incidents/<int:incident_pk>/handling/", views.handling_edit,
         name="host_handling_edit"),
]

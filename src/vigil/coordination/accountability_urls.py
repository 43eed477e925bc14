"""Pages of the accountability framework, under /coordination/accountability/."""

from django.urls import path

from vigil.coordination import accountability_views as views

urlpatterns = [
    path("accountability/", views.accountability_index, name="accountability_index"),
    path("accountability/countries/<int:pk>/", views.accountability_country,
         name="accountability_country"),
    path("accountability/mine/", views.my_functions, name="my_functions"),
    path("accountability/gaps/", views.gap_board, name="gap_board"),
    path("accountability/requirements/", views.requirement_list, name="requirement_list"),
    path("accountability/requirements/<int:pk>/", views.requirement_edit,
         name="requirement_edit"),
    path("appointments/", views.appointment_list, name="appointment_list"),
    path("appointments/new/", views.appointment_create, name="appointment_create"),
    path("appointments/<int:pk>/", views.appointment_detail, name="appointment_detail"),
    path("appointments/<int:pk>/edit/", views.appointment_edit, name="appointment_edit"),
    path("appointments/<int:pk>/end/", views.appointment_end, name="appointment_end"),
]

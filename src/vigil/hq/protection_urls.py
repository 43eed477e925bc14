"""Pages of protective services for senior officials (need-to-know)."""

from django.urls import path

from vigil.hq import protection_views as views

urlpatterns = [
    path("protection/principals/", views.principal_list, name="protection_principal_list"),
    path("protection/principals/new/", views.principal_edit,
         name="protection_principal_create"),
    path("protection/principals/<int:pk>/", views.principal_detail,
         name="protection_principal_detail"),
    path("protection/principals/<int:pk>/edit/", views.principal_edit,
         name="protection_principal_edit"),
    path("protection/cases/", views.case_list, name="protection_case_list"),
    path("protection/cases/new/", views.case_edit, name="protection_case_create"),
    path("protection/cases/<int:pk>/", views.case_detail, name="protection_case_detail"),
    path("protection/cases/<int:pk>/edit/", views.case_edit, name="protection_case_edit"),
    path("protection/cases/<int:pk>/destinations/", views.destination_add,
         name="protection_destination_add"),
    path("protection/cases/<int:pk>/destinations/<int:row>/remove/",
         views.destination_remove, name="protection_destination_remove"),
    path("protection/cases/<int:pk>/destinations/from-trip/", views.destinations_from_trip,
         name="protection_destinations_from_trip"),
    path("protection/cases/<int:pk>/assessment/", views.assessment_edit,
         name="protection_assessment_edit"),
    path("protection/cases/<int:pk>/assessment/refresh/", views.assessment_refresh,
         name="protection_assessment_refresh"),
    path("protection/cases/<int:pk>/tasks/<int:row>/", views.task_update,
         name="protection_task_update"),
    path("protection/cases/<int:pk>/<slug:move>/", views.case_move,
         name="protection_case_move"),
]

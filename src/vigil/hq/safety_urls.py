"""Pages of safety claims, under /hq/claims/."""

from django.urls import path

from vigil.hq import safety_views as views

urlpatterns = [
    path("claims/", views.claim_list, name="claim_list"),
    path("claims/statistics/", views.claim_statistics, name="claim_statistics"),
    path("claims/new/", views.claim_edit, name="claim_create"),
    path("claims/file/", views.claim_file, name="claim_file"),
    path("claims/<int:pk>/", views.claim_detail, name="claim_detail"),
    path("claims/<int:pk>/edit/", views.claim_edit, name="claim_edit"),
    path("claims/<int:pk>/<str:action>/", views.claim_move, name="claim_move"),
]

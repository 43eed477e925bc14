"""Pages of emergency plans and drills, under /hq/plans/."""

from django.urls import path

from vigil.hq import plans_views as views

urlpatterns = [
    path("plans/", views.plan_board, name="plan_board"),
    path("plans/stations/<int:pk>/", views.plan_station, name="plan_station"),
    path("plans/all/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_edit, name="plan_create"),
    path("plans/settings/", views.plan_settings, name="plan_settings"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:pk>/review/", views.plan_review, name="plan_review"),
    path("plans/<int:pk>/new-version/", views.plan_revise, name="plan_revise"),
    path("plans/<int:pk>/<str:action>/", views.plan_move, name="plan_move"),
    path("drills/", views.drill_list, name="drill_list"),
    path("drills/new/", views.drill_edit, name="drill_create"),
    path("drills/<int:pk>/", views.drill_detail, name="drill_detail"),
    path("drills/<int:pk>/edit/", views.drill_edit, name="drill_edit"),
    path("drills/<int:pk>/actions/", views.action_add, name="drill_action_add"),
    path("corrective-actions/", views.action_list, name="drill_action_list"),
    path("corrective-actions/<int:pk>/edit/", views.action_edit, name="drill_action_edit"),
    path("corrective-actions/<int:pk>/close/", views.action_close, name="drill_action_close"),
]

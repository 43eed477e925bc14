"""Pages of security management teams, under /coordination/smt/."""

from django.urls import path

from vigil.coordination import smt_views as views

urlpatterns = [
    path("smt/", views.team_list, name="smt_list"),
    path("smt/new/", views.team_edit, name="smt_create"),
    path("smt/settings/", views.settings_page, name="smt_settings"),
    path("smt/<int:pk>/", views.team_detail, name="smt_detail"),
    path("smt/<int:pk>/edit/", views.team_edit, name="smt_edit"),
    path("smt/<int:pk>/close/", views.team_deactivate, name="smt_deactivate"),
    path("smt/<int:pk>/meetings/new/", views.meeting_create, name="smt_meeting_create"),
    path("smt/<int:pk>/joint-plans/new/", views.plan_create, name="smt_plan_create"),
    path("smt/meetings/<int:pk>/", views.meeting_detail, name="smt_meeting_detail"),
    path("smt/meetings/<int:pk>/edit/", views.meeting_edit, name="smt_meeting_edit"),
    path("smt/meetings/<int:pk>/record/", views.meeting_record, name="smt_meeting_record"),
    path("smt/meetings/<int:pk>/cancel/", views.meeting_cancel, name="smt_meeting_cancel"),
    path("smt/meetings/<int:pk>/action-points/", views.action_add, name="smt_action_add"),
    path("smt/action-points/", views.action_list, name="smt_action_list"),
    path("smt/action-points/mine/", views.action_mine, name="smt_action_mine"),
    path("smt/action-points/<int:pk>/", views.action_detail, name="smt_action_detail"),
    path("smt/action-points/<int:pk>/edit/", views.action_edit, name="smt_action_edit"),
    path("smt/action-points/<int:pk>/close/", views.action_close, name="smt_action_close"),
    path("smt/action-points/<int:pk>/reopen/", views.action_reopen, name="smt_action_reopen"),
    path("smt/joint-plans/", views.plan_list, name="smt_plan_list"),
    path("smt/joint-plans/<int:pk>/", views.plan_detail, name="smt_plan_detail"),
    path("smt/joint-plans/<int:pk>/edit/", views.plan_edit, name="smt_plan_edit"),
    path("smt/joint-plans/<int:pk>/<str:action>/", views.plan_move, name="smt_plan_move"),
    path("smt/decisions/", views.decision_list, name="smt_decision_list"),
]

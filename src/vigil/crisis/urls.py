from django.urls import path

from vigil.crisis import views
from vigil.crisis.cap_urls import cap_urlpatterns

app_name = "crisis"

urlpatterns = [
    path("", views.crisis_list, name="crisis_list"),
    path("declare/", views.crisis_create, name="crisis_create"),
    path("<int:pk>/", views.crisis_detail, name="crisis_detail"),
    path("<int:pk>/board/", views.board, name="board"),
    path("<int:pk>/board.json", views.board_json, name="board_json"),
    path("<int:pk>/headcount.geojson", views.headcount_geojson, name="headcount_geojson"),
    path("<int:pk>/board/<int:entry_pk>/", views.entry_update, name="entry_update"),
    path("<int:pk>/board/add/", views.entry_add, name="entry_add"),
    path("<int:pk>/board/refresh/", views.headcount_refresh, name="headcount_refresh"),
    path("<int:pk>/log/", views.log_add, name="log_add"),
    path("<int:pk>/team/", views.member_add, name="member_add"),
    path("<int:pk>/team/<int:member_pk>/remove/", views.member_remove, name="member_remove"),
    path("<int:pk>/close/", views.crisis_close, name="crisis_close"),
    path("<int:pk>/broadcast/", views.broadcast_create, name="broadcast_create"),
    path("messages/", views.broadcast_list, name="broadcast_list"),
    path("messages/new/", views.broadcast_general, name="broadcast_general"),
    path("messages/<int:pk>/", views.broadcast_detail, name="broadcast_detail"),
    path("check-ins/", views.checkin_list, name="checkin_list"),
    path("check-ins/<int:pk>/answer/", views.my_checkin_answer, name="my_checkin_answer"),
    path("incidents/<int:pk>/people/", views.incident_people, name="incident_people"),
    *cap_urlpatterns,
]

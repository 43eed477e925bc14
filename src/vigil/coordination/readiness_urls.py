"""Pages of mission readiness, under /coordination/readiness/."""

from django.urls import path

from vigil.coordination import readiness_views as views

urlpatterns = [
    path("readiness/", views.checklist_list, name="readiness_list"),
    path("readiness/new/", views.checklist_open, name="readiness_open"),
    path("readiness/mine/", views.my_items, name="readiness_mine"),
    path("readiness/<int:pk>/", views.checklist_detail, name="readiness_detail"),
    path("readiness/<int:pk>/edit/", views.checklist_edit, name="readiness_edit"),
    path("readiness/<int:pk>/requirements/new/", views.item_add, name="readiness_item_add"),
    path("readiness/<int:pk>/<str:action>/", views.checklist_move, name="readiness_move"),
    path("readiness/requirements/<int:pk>/edit/", views.item_edit, name="readiness_item_edit"),
    path("readiness/requirements/<int:pk>/status/", views.item_status,
         name="readiness_item_status"),
    path("readiness/templates/", views.template_list, name="readiness_template_list"),
    path("readiness/templates/new/", views.template_edit, name="readiness_template_create"),
    path("readiness/templates/<int:pk>/", views.template_detail,
         name="readiness_template_detail"),
    path("readiness/templates/<int:pk>/edit/", views.template_edit,
         name="readiness_template_edit"),
    path("readiness/templates/<int:pk>/copy/", views.template_copy,
         name="readiness_template_copy"),
    path("readiness/templates/<int:pk>/in-use/<str:active>/", views.template_active,
         name="readiness_template_active"),
    path("readiness/templates/<int:pk>/requirements/new/", views.template_item_edit,
         name="readiness_template_item_add"),
    path("readiness/templates/<int:pk>/requirements/<int:item_pk>/edit/",
         views.template_item_edit, name="readiness_template_item_edit"),
    path("readiness/templates/<int:pk>/requirements/<int:item_pk>/remove/",
         views.template_item_remove, name="readiness_template_item_remove"),
    path("readiness/templates/<int:pk>/requirements/<int:item_pk>/<str:direction>/",
         views.template_item_move, name="readiness_template_item_move"),
]

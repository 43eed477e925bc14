"""Pages of cost-sharing, under /costshare/."""

from django.urls import URLPattern, path

from vigil.costshare import views

app_name = "costshare"

urlpatterns: list[URLPattern] = [
    path("", views.biennium_list, name="biennium_list"),
    path("bienniums/new/", views.biennium_edit, name="biennium_create"),
    path("bienniums/<int:pk>/", views.biennium_detail, name="biennium_detail"),
    path("bienniums/<int:pk>/edit/", views.biennium_edit, name="biennium_edit"),
    path("bienniums/<int:pk>/thresholds/", views.thresholds_edit, name="thresholds_edit"),
    path("bienniums/<int:pk>/census/take/", views.census_take, name="census_take"),
    path("bienniums/<int:pk>/census/import/", views.census_import, name="census_import"),
    path("bienniums/<int:pk>/apportion/", views.apportion, name="apportion"),
    path("bienniums/<int:pk>/approve/", views.approve, name="approve"),
    path("bienniums/<int:pk>/statements/<str:organization>/", views.statement,
         name="statement"),
    path("censuses/<int:pk>/", views.census_detail, name="census_detail"),
    path("censuses/<int:pk>/final/", views.census_move, {"status": "final"},
         name="census_finalize"),
    path("censuses/<int:pk>/reopen/", views.census_move, {"status": "draft"},
         name="census_reopen"),
    path("censuses/<int:pk>/delete/", views.census_delete, name="census_delete"),
    path("compare/", views.compare, name="compare"),
]

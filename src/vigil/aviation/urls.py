"""Pages of aviation advice."""

from django.urls import URLPattern, path

from vigil.aviation import views

app_name = "aviation"

urlpatterns: list[URLPattern] = [
    path("operators/", views.operator_list, name="operator_list"),
    path("operators/<int:pk>/", views.operator_detail, name="operator_detail"),
    path("operators/<int:pk>/assess/", views.assessment_create, name="assessment_create"),
    path("operators/<int:pk>/edit/", views.operator_edit, name="operator_edit"),
    path("advice/", views.advice_list, name="advice_list"),
    path("advice/inbox/", views.advice_inbox, name="advice_inbox"),
    path("advice/ask/", views.advice_create, name="advice_create"),
    path("advice/<int:pk>/", views.advice_detail, name="advice_detail"),
    path("advice/<int:pk>/answer/", views.advice_answer, name="advice_answer"),
    path("advice/<int:pk>/close/", views.advice_close, name="advice_close"),
    path("figures/", views.figures, name="figures"),
    path("settings/", views.settings_edit, name="settings"),
]

"""Pages of critical-incident stress support."""

from django.urls import URLPattern, path

from vigil.wellbeing import views

app_name = "wellbeing"

urlpatterns: list[URLPattern] = [
    path("cases/", views.case_list, name="case_list"),
    path("cases/refer/", views.case_refer, name="case_refer"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/take/", views.case_take, name="case_take"),
    path("cases/<int:pk>/contact/", views.case_contact, name="case_contact"),
    path("cases/<int:pk>/session/", views.case_session, name="case_session"),
    path("cases/<int:pk>/close/", views.case_close, name="case_close"),
    path("cases/<int:pk>/decline/", views.case_decline, name="case_decline"),
    path("mine/", views.my_cases, name="my_cases"),
    path("request/", views.request_support, name="request"),
    path("counts/", views.counts, name="counts"),
    path("briefings/", views.briefing_list, name="briefing_list"),
    path("briefings/new/", views.briefing_edit, name="briefing_create"),
    path("briefings/<int:pk>/", views.briefing_edit, name="briefing_edit"),
    path("counsellors/", views.counsellor_list, name="counsellor_list"),
    path("counsellors/new/", views.counsellor_edit, name="counsellor_create"),
    path("counsellors/<int:pk>/", views.counsellor_edit, name="counsellor_edit"),
]

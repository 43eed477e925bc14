"""Pages of training."""

from django.urls import path

from vigil.training import views

app_name = "training"

urlpatterns = [
    path("", views.my_training, name="mine"),
    path("courses/", views.course_list, name="course_list"),
    path("courses/new/", views.course_edit, name="course_create"),
    path("courses/<int:pk>/", views.course_detail, name="course_detail"),
    path("courses/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("sessions/", views.session_list, name="session_list"),
    path("sessions.ics", views.sessions_ics, name="sessions_ics"),
    path("sessions/new/", views.session_edit, name="session_create"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/enrol/", views.session_enrol, name="session_enrol"),
    path("sessions/<int:pk>/<str:action>/", views.session_move, name="session_move"),
    path("enrolments/<int:pk>/cancel/", views.enrolment_cancel, name="enrolment_cancel"),
    path("enrolments/<int:pk>/attendance/", views.enrolment_attendance,
         name="enrolment_attendance"),
    path("enrolments/<int:pk>/result/", views.enrolment_result, name="enrolment_result"),
    path("completions/", views.completion_list, name="completion_list"),
    path("completions/new/", views.completion_create, name="completion_create"),
    path("completions/import/", views.completion_import, name="completion_import"),
    path("completions/<int:pk>/", views.completion_detail, name="completion_detail"),
    path("completions/<int:pk>/certificate.pdf", views.completion_certificate,
         name="completion_certificate"),
    path("completions/<int:pk>/revoke/", views.completion_revoke, name="completion_revoke"),
    path("needs/", views.needs, name="needs"),
    path("verify/", views.verify, name="verify_form"),
    path("verify/<str:code>/", views.verify, name="verify"),
]

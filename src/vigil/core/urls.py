from django.urls import path

from vigil.core import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in/", views.LoginView.as_view(), name="login"),
    path("sign-out/", views.LogoutView.as_view(), name="logout"),
    path("audit/", views.audit_log, name="audit_log"),
]

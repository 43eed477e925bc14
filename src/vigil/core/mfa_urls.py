from django.urls import path

from vigil.core import mfa_views

app_name = "second_factor"

urlpatterns = [
    path("", mfa_views.overview, name="overview"),
    path("enrol/", mfa_views.enrol, name="enrol"),
    path("verify/", mfa_views.verify, name="verify"),
    path("recovery-codes/", mfa_views.recovery_codes, name="recovery_codes"),
    path("remove/", mfa_views.remove, name="remove"),
    path("reset/", mfa_views.reset, name="reset"),
]

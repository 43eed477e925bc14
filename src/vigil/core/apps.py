from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "vigil.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from axes.signals import user_locked_out
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
        from django.db.models.signals import post_save

        from vigil.core import checks_production, receivers  # noqa: F401 - checks register

        user_logged_in.connect(receivers.language_from_browser,
                               dispatch_uid="vigil.language_from_browser")
        user_logged_in.connect(receivers.signed_in, dispatch_uid="vigil.signed_in")
        user_logged_out.connect(receivers.signed_out, dispatch_uid="vigil.signed_out")
        user_login_failed.connect(receivers.sign_in_failed, dispatch_uid="vigil.sign_in_failed")
        user_locked_out.connect(receivers.locked_out, dispatch_uid="vigil.locked_out")
        post_save.connect(receivers.password_saved, sender=get_user_model(),
                          dispatch_uid="vigil.password_saved")
        # Each app's home.py registers its menu entries and home panels.
        autodiscover_modules("home")

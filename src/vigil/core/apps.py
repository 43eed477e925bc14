from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "vigil.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from vigil.core.receivers import language_from_browser

        user_logged_in.connect(language_from_browser, dispatch_uid="vigil.language_from_browser")
        # Each app's home.py registers its menu entries and home panels.
        autodiscover_modules("home")

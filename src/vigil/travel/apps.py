from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TravelConfig(AppConfig):
    name = "vigil.travel"
    label = "travel"
    verbose_name = _("Travel (TRIP)")

    def ready(self) -> None:
        from vigil.travel import receivers  # noqa: F401 - connects them

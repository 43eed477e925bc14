from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WellbeingConfig(AppConfig):
    name = "vigil.wellbeing"
    label = "wellbeing"
    verbose_name = _("Critical-incident stress")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AviationConfig(AppConfig):
    name = "vigil.aviation"
    label = "aviation"
    verbose_name = _("Aviation risk")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HqConfig(AppConfig):
    name = "vigil.hq"
    label = "hq"
    verbose_name = _("Headquarters security")

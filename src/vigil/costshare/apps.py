from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CostshareConfig(AppConfig):
    name = "vigil.costshare"
    label = "costshare"
    verbose_name = _("Cost-sharing")

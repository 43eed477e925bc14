from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvidenceConfig(AppConfig):
    name = "vigil.evidence"
    label = "evidence"
    verbose_name = _("Evidence")

    def ready(self) -> None:
        # Risk asks for likelihood proposals through its registry; risk imports no evidence.
        from vigil.evidence import proposals
        from vigil.risk import proposals as risk_proposals

        risk_proposals.register(proposals.for_area)

"""The evidence method's configuration: one row (pk 1, made by the migration)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from vigil.core.models import VersionedModel
from vigil.evidence import rules

DEFAULTS = rules.Params()


def _default_bounds() -> list[float]:
    return list(rules.DEFAULT_STEP_BOUNDS)


def _default_prior() -> list[float]:
    return list(rules.DEFAULT_LEVEL_PRIOR)


class EvidenceSettings(VersionedModel):
    """The parameters of the likelihood proposals (docs/evidence.md). `vigil evidence backtest
    --apply` writes those the back-test chose; an administrator of risk may set them."""

    half_life_years = models.FloatField(_("half-life of an incident's weight (years)"),
                                        default=DEFAULTS.half_life_years)
    severity_weight = models.FloatField(
        _("extra weight of an incident that killed or abducted"),
        default=DEFAULTS.severity_weight)
    neighbour_weight = models.FloatField(
        _("weight of an incident in a neighbouring area or country"),
        default=DEFAULTS.neighbour_weight)
    horizon_years = models.FloatField(_("years of record read"),
                                      default=DEFAULTS.horizon_years)
    prior_years = models.FloatField(_("weight of the prior (years of record)"),
                                    default=DEFAULTS.prior_years)
    step_bounds = models.JSONField(
        _("chance of at least one incident at which each step begins"),
        default=_default_bounds)
    level_prior = models.JSONField(_("prior incidents a year by security level"),
                                   default=_default_prior)
    chosen_by = models.CharField(
        _("chosen by"), max_length=200, blank=True,
        help_text=_("The back-test that chose these parameters, or empty when set by hand."))

    class Meta:
        verbose_name = _("evidence settings")

    def __str__(self) -> str:
        return f"evidence settings v{self.version}"

    @property
    def params(self) -> rules.Params:
        return rules.Params(
            half_life_years=self.half_life_years, severity_weight=self.severity_weight,
            neighbour_weight=self.neighbour_weight, horizon_years=self.horizon_years,
            prior_years=self.prior_years, step_bounds=tuple(self.step_bounds),
            level_prior=tuple(self.level_prior))

"""The records of programme performance that are typed in: the baseline and target of each
indicator for a biennium, and each indicator's settings (such as the time target for
"timely"). The actuals are never stored: they are computed from the records each time."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vigil.core.models import VersionedModel

__all__ = ["IndicatorSetting", "Target"]


class Target(VersionedModel):
    """The baseline and the target of one indicator for the biennium starting in
    ``biennium_start`` (an even year), as the programme manager set them."""

    indicator = models.CharField(_("indicator"), max_length=16, db_index=True)
    biennium_start = models.PositiveSmallIntegerField(
        _("biennium"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    baseline = models.DecimalField(_("baseline"), max_digits=12, decimal_places=1, null=True,
                                   blank=True)
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=1, null=True,
                                 blank=True)
    note = models.TextField(_("note"), blank=True,
                            help_text=_("Where the figures come from, e.g. the programme "
                                        "budget document."))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+", verbose_name=_("set by"))

    class Meta:
        verbose_name = _("indicator target")
        verbose_name_plural = _("indicator targets")
        ordering = ["-biennium_start", "indicator"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "biennium_start"],
                                    name="target_one_per_indicator_biennium"),
            models.CheckConstraint(condition=Q(biennium_start__gte=2000)
                                   & Q(biennium_start__lte=2100),
                                   name="target_biennium_range"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.biennium_start}-{self.biennium_start + 1}"


class IndicatorSetting(VersionedModel):
    """A setting of one indicator that differs from its default (performance.definitions)."""

    indicator = models.CharField(_("indicator"), max_length=16)
    key = models.CharField(_("setting"), max_length=40)
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                               blank=True, related_name="+", verbose_name=_("set by"))

    class Meta:
        verbose_name = _("indicator setting")
        verbose_name_plural = _("indicator settings")
        ordering = ["indicator", "key"]
        constraints = [models.UniqueConstraint(fields=["indicator", "key"],
                                               name="indicatorsetting_unique")]

    def __str__(self) -> str:
        return f"{self.indicator} · {self.key} = {self.value}"

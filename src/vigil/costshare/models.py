"""Cost-sharing of jointly financed field security costs: bienniums with their budget and
threshold table, censuses of field personnel, and the apportionment of each budget."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vigil.core.models import TimestampedModel, VersionedModel
from vigil.costshare import rules
from vigil.people.models import Organization
from vigil.places.models import Country


class Biennium(VersionedModel):
    """Two budget years, and the budget of the jointly financed activities in them (USD)."""

    start_year = models.PositiveSmallIntegerField(
        _("first year"), unique=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("The biennium's first year, an even year: 2026 for 2026-2027."))
    budget = models.DecimalField(_("budget (US$)"), max_digits=14, decimal_places=2,
                                 validators=[MinValueValidator(Decimal(0))],
                                 help_text=_("The jointly financed budget for the two years."))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("biennium")
        verbose_name_plural = _("bienniums")
        ordering = ["-start_year"]
        constraints = [models.CheckConstraint(condition=Q(budget__gte=0),
                                              name="costshare_biennium_budget_not_negative")]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return rules.biennium_label(self.start_year)


class ShareThreshold(TimestampedModel):
    """One row of a biennium's table: a share below this percentage pays this flat amount."""

    biennium = models.ForeignKey(Biennium, on_delete=models.CASCADE, related_name="thresholds",
                                 verbose_name=_("biennium"))
    below_percent = models.DecimalField(
        _("share below (%)"), max_digits=6, decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001")), MaxValueValidator(Decimal(100))])
    flat_amount = models.DecimalField(_("flat amount (US$)"), max_digits=14, decimal_places=2,
                                      validators=[MinValueValidator(Decimal(0))])

    class Meta:
        verbose_name = _("share threshold")
        verbose_name_plural = _("share thresholds")
        ordering = ["biennium", "below_percent"]
        constraints = [models.UniqueConstraint(fields=["biennium", "below_percent"],
                                               name="costshare_threshold_unique")]

    def __str__(self) -> str:
        return f"< {self.percent_text} %: {self.flat_amount}"

    @property
    def percent_text(self) -> str:
        return rules.percent_text(self.below_percent)


class Census(VersionedModel):
    """Field personnel by organization and country on a census date."""

    class Source(models.TextChoices):
        REGISTRY = "registry", _("People registry")
        IMPORT = "import", _("Imported")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        FINAL = "final", _("Final")

    biennium = models.ForeignKey(Biennium, on_delete=models.PROTECT, related_name="censuses",
                                 verbose_name=_("biennium"))
    census_date = models.DateField(_("census date"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.DRAFT)
    note = models.TextField(_("note"), blank=True)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                 blank=True, related_name="+", verbose_name=_("taken by"))
    finalized_at = models.DateTimeField(_("made final"), null=True, blank=True)

    class Meta:
        verbose_name = _("census")
        verbose_name_plural = _("censuses")
        ordering = ["-census_date", "-pk"]

    def __str__(self) -> str:
        return f"{self.biennium.label} · {self.census_date.isoformat()}"


class CensusLine(models.Model):
    census = models.ForeignKey(Census, on_delete=models.CASCADE, related_name="lines",
                               verbose_name=_("census"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organization"))
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("country"))
    headcount = models.PositiveIntegerField(_("headcount"))

    class Meta:
        verbose_name = _("census line")
        verbose_name_plural = _("census lines")
        ordering = ["organization__code", "country__name"]
        constraints = [models.UniqueConstraint(fields=["census", "organization", "country"],
                                               name="costshare_census_line_unique")]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.country_id}: {self.headcount}"


class Apportionment(VersionedModel):
    """A biennium's budget apportioned from one final census; locked once approved."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")

    biennium = models.OneToOneField(Biennium, on_delete=models.PROTECT,
                                    related_name="apportionment", verbose_name=_("biennium"))
    census = models.ForeignKey(Census, on_delete=models.PROTECT, related_name="apportionments",
                               verbose_name=_("census"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.DRAFT)
    budget = models.DecimalField(_("budget (US$)"), max_digits=14, decimal_places=2)
    thresholds = models.JSONField(_("thresholds applied"), default=list)
    total_headcount = models.PositiveIntegerField(_("total headcount"), default=0)
    computed_at = models.DateTimeField(_("computed"))
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("computed by"))
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("approved by"))

    class Meta:
        verbose_name = _("apportionment")
        verbose_name_plural = _("apportionments")
        ordering = ["-biennium__start_year"]

    def __str__(self) -> str:
        return str(self.biennium)


class ApportionmentLine(models.Model):
    class Basis(models.TextChoices):
        FLAT = rules.Basis.FLAT.value, _("Flat amount")
        PRO_RATA = rules.Basis.PRO_RATA.value, _("Pro rata")
        RAISED = rules.Basis.RAISED.value, _("Raised to the highest flat amount")
        NONE = rules.Basis.NONE.value, _("No field personnel")

    apportionment = models.ForeignKey(Apportionment, on_delete=models.CASCADE,
                                      related_name="lines", verbose_name=_("apportionment"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organization"))
    headcount = models.PositiveIntegerField(_("headcount"))
    share_percent = models.DecimalField(_("share (%)"), max_digits=8, decimal_places=4)
    basis = models.CharField(_("basis"), max_length=10, choices=Basis.choices)
    threshold_percent = models.DecimalField(_("threshold (%)"), max_digits=6, decimal_places=3,
                                            null=True, blank=True)
    amount = models.DecimalField(_("amount (US$)"), max_digits=14, decimal_places=2)

    class Meta:
        verbose_name = _("apportionment line")
        verbose_name_plural = _("apportionment lines")
        ordering = ["-amount", "organization__code"]
        constraints = [models.UniqueConstraint(fields=["apportionment", "organization"],
                                               name="costshare_apportionment_line_unique")]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.amount}"

    @property
    def threshold_text(self) -> str:
        return "" if self.threshold_percent is None else rules.percent_text(
            self.threshold_percent)

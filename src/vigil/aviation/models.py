"""Aviation risk advice: the suitability assessments of air operators (with their basis, the
assessor and how long they stand), the advice requests of air-travel focal points and security
professionals, and the settings that measure how quickly advice is given.

The air operator registry itself stays in travel (travel.AirOperator): clearance reads the
suitability in force from there, and aviation writes it there through travel's services each
time an assessment is recorded or lapses."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.aviation import rules
from vigil.core.authz import ScopeKind
from vigil.core.models import TimestampedModel, VersionedModel
from vigil.places.models import Country


class AviationSettings(VersionedModel):
    """The configurable targets of aviation advice, one row."""

    advice_target_hours = models.PositiveSmallIntegerField(
        _("advice answered within (hours)"), default=48,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
        help_text=_("The target response time of SP2.2.d: advice requests answered within it "
                    "count as timely."))
    validity_months = models.PositiveSmallIntegerField(
        _("an assessment stands for (months)"), default=12,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("The valid-until date an assessment form proposes."))

    class Meta:
        verbose_name = _("aviation settings")
        verbose_name_plural = _("aviation settings")

    def __str__(self) -> str:
        return f"aviation settings v{self.version}"


class Assessment(TimestampedModel):
    """One suitability assessment of an air operator. Assessments are never changed: a new
    one replaces the one before it, and the history stays."""

    class Outcome(models.TextChoices):
        SUITABLE = rules.SUITABLE, _("Suitable")
        WITH_CONDITIONS = rules.WITH_CONDITIONS, _("Suitable with conditions")
        UNSUITABLE = rules.UNSUITABLE, _("Not suitable")
        NOT_ASSESSED = rules.NOT_ASSESSED, _("Not assessed")

    operator = models.ForeignKey("travel.AirOperator", on_delete=models.PROTECT,
                                 related_name="assessments", verbose_name=_("air operator"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices)
    icao_ei_score = models.DecimalField(
        _("ICAO USOAP effective implementation (%)"), max_digits=5, decimal_places=2,
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("The ICAO audit result for the operator's state, 0 to 100."))
    state_audit_note = models.TextField(
        _("state audit note"), blank=True,
        help_text=_("Significant safety concerns, the audit's date, lists such as the EU Air "
                    "Safety List."))
    iosa_registered = models.BooleanField(_("IOSA registered"), default=False)
    iosa_expires = models.DateField(_("IOSA registration expires"), null=True, blank=True)
    bars_registered = models.BooleanField(_("BARS registered"), default=False)
    bars_expires = models.DateField(_("BARS registration expires"), null=True, blank=True)
    incident_history = models.TextField(_("incident history"), blank=True)
    conditions = models.TextField(
        _("conditions"), blank=True,
        help_text=_("When suitable with conditions: what travellers must keep to."))
    note = models.TextField(_("note"), blank=True)
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="+",
                                 verbose_name=_("assessor"))
    assessed_on = models.DateField(_("assessed on"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("suitability assessment")
        verbose_name_plural = _("suitability assessments")
        ordering: ClassVar[list[str]] = ["-assessed_on", "-pk"]
        indexes: ClassVar[list[models.Index]] = [
            models.Index(fields=["operator", "-assessed_on", "-id"],
                         name="aviation_assessment_latest")]

    def __str__(self) -> str:
        return f"{self.operator_id} {self.outcome} {self.assessed_on}"

    def facts(self) -> rules.AssessmentFacts:
        return rules.AssessmentFacts(
            outcome=self.outcome, assessed_on=self.assessed_on, valid_until=self.valid_until,
            conditions=self.conditions, icao_ei_score=self.icao_ei_score,
            iosa_registered=self.iosa_registered, iosa_expires=self.iosa_expires,
            bars_registered=self.bars_registered, bars_expires=self.bars_expires,
            order=self.pk or 0)


class AdviceRequest(VersionedModel):
    """A question on an air operator or a route from an air-travel focal point or a security
    professional, and the aviation officer's answer. Its response time counts for SP2.2.d."""

    class Status(models.TextChoices):
        NEW = rules.ADVICE_NEW, _("New")
        ANSWERED = rules.ADVICE_ANSWERED, _("Answered")
        CLOSED = rules.ADVICE_CLOSED, _("Closed")

    scope_paths: ClassVar[dict[ScopeKind, str]] = {ScopeKind.COUNTRY: "country"}

    requester = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="+", verbose_name=_("requester"))
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("country"),
                                help_text=_("The country the question is asked for."))
    operator = models.ForeignKey("travel.AirOperator", on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="advice_requests",
                                 verbose_name=_("air operator"))
    origin = models.CharField(_("from"), max_length=120, blank=True)
    destination = models.CharField(_("to"), max_length=120, blank=True)
    question = models.TextField(_("question"))
    asked_at = models.DateTimeField(_("asked at"), default=timezone.now, db_index=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.NEW, db_index=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("answered by"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closing_note = models.TextField(_("closing note"), blank=True)

    class Meta:
        verbose_name = _("advice request")
        verbose_name_plural = _("advice requests")
        ordering: ClassVar[list[str]] = ["-asked_at", "-pk"]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return f"AV-{self.pk or 0:05d}"

    @property
    def subject(self) -> str:
        if self.operator_id is not None and self.operator is not None:
            return str(self.operator)
        return " → ".join(p for p in (self.origin, self.destination) if p)

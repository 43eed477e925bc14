"""Emergency plans and drills of headquarters duty stations and regional commissions.

Each station keeps a crisis management plan, an evacuation plan and a contingency plan. A plan
is drafted, submitted, approved by the designated official (not its last editor), reviewed
("reviewed, no change") within its review period, and superseded when a newer version of the
same kind is approved. Drills and exercises test the plans; their findings become corrective
actions tracked to closure. Whether a station's plans are "updated and tested as required" is
a rule (hq.plans_rules) over these records and the configured periods (PlanSettings)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import ScopeKind
from vigil.core.models import VersionedModel
from vigil.hq import plans_rules
from vigil.hq.models.access import STATION_SCOPE
from vigil.places.models import DutyStation, Premises

__all__ = ["ActionStatus", "CorrectiveAction", "Drill", "DrillKind", "EmergencyPlan",
           "PlanEvent", "PlanKind", "PlanReview", "PlanSettings", "PlanStatus"]


class PlanKind(models.TextChoices):
    CRISIS = "crisis", _("Crisis management plan")
    EVACUATION = "evacuation", _("Evacuation plan")
    CONTINGENCY = "contingency", _("Contingency plan")


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for approval")
    APPROVED = "approved", _("Approved")
    SUPERSEDED = "superseded", _("Superseded")


class EmergencyPlan(VersionedModel):
    duty_station = models.ForeignKey(DutyStation, on_delete=models.PROTECT,
                                     related_name="emergency_plans",
                                     verbose_name=_("duty station"))
    kind = models.CharField(_("kind"), max_length=12, choices=PlanKind.choices)
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="+", verbose_name=_("owner"))
    version_label = models.CharField(_("plan version"), max_length=20,
                                     help_text=_("As printed on the plan, e.g. 2026.1."))
    summary = models.TextField(_("summary"), blank=True)
    document_reference = models.CharField(_("document reference"), max_length=300, blank=True,
                                          help_text=_("Where the signed plan is kept."))
    status = models.CharField(_("status"), max_length=10, choices=PlanStatus.choices,
                              default=PlanStatus.DRAFT, db_index=True)
    # Set explicitly when the plan must be reviewed before its period ends (a move, new
    # premises); only an earlier date than the period's counts (hq.plans_rules.review_due).
    review_due_set = models.DateField(_("review due (set earlier)"), null=True, blank=True)
    last_edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                       null=True, blank=True, related_name="+",
                                       verbose_name=_("last edited by"))
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("approved by"))
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    superseded_on = models.DateField(_("superseded on"), null=True, blank=True)
    return_note = models.TextField(_("why it was returned"), blank=True)

    scope_paths: ClassVar = STATION_SCOPE

    class Meta:
        verbose_name = _("emergency plan")
        verbose_name_plural = _("emergency plans")
        ordering = ["duty_station__name", "kind", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=[PlanStatus.DRAFT, PlanStatus.SUBMITTED])
                | Q(approved_on__isnull=False),
                name="emergencyplan_approved_has_date",
                violation_error_message=_("An approved plan has its approval date.")),
            # One plan in force per kind at a station: approving another supersedes it.
            models.UniqueConstraint(fields=["duty_station", "kind"],
                                    condition=Q(status=PlanStatus.APPROVED),
                                    name="emergencyplan_one_approved_per_kind"),
        ]
        indexes = [models.Index(fields=["duty_station", "kind", "status"])]

    def __str__(self) -> str:
        return f"{self.title} ({self.version_label})"


class PlanReview(models.Model):
    """A plan in force read again and found to need no change: its review period starts
    again from this day."""

    plan = models.ForeignKey(EmergencyPlan, on_delete=models.CASCADE, related_name="reviews",
                             verbose_name=_("plan"))
    reviewed_on = models.DateField(_("reviewed on"))
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("reviewed by"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("plan review")
        verbose_name_plural = _("plan reviews")
        ordering = ["-reviewed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.plan} · {self.reviewed_on}"


class PlanEvent(models.Model):
    """One step in a plan's history: created, edited, submitted, approved, returned, reviewed,
    superseded."""

    plan = models.ForeignKey(EmergencyPlan, on_delete=models.CASCADE, related_name="events",
                             verbose_name=_("plan"))
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+", verbose_name=_("by"))
    action = models.CharField(_("action"), max_length=20)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("plan history entry")
        verbose_name_plural = _("plan history")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.plan} · {self.action}"


class DrillKind(models.TextChoices):
    EVACUATION = "evacuation", _("Evacuation drill")
    SHELTER = "shelter", _("Shelter in place")
    CRISIS_EXERCISE = "crisis_exercise", _("Crisis management exercise")


class Drill(VersionedModel):
    duty_station = models.ForeignKey(DutyStation, on_delete=models.PROTECT,
                                     related_name="drills", verbose_name=_("duty station"))
    premises = models.ForeignKey(Premises, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="drills", verbose_name=_("premises"))
    kind = models.CharField(_("kind"), max_length=16, choices=DrillKind.choices)
    held_on = models.DateField(_("held on"), db_index=True)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    duration_minutes = models.PositiveIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(10_080)])
    plans = models.ManyToManyField(EmergencyPlan, related_name="drills", blank=True,
                                   verbose_name=_("plans tested"))
    findings = models.TextField(_("findings"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("recorded by"))

    scope_paths: ClassVar = STATION_SCOPE

    class Meta:
        verbose_name = _("drill or exercise")
        verbose_name_plural = _("drills and exercises")
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.held_on}"


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class CorrectiveAction(VersionedModel):
    drill = models.ForeignKey(Drill, on_delete=models.CASCADE,
                              related_name="corrective_actions", verbose_name=_("drill"))
    description = models.TextField(_("action"))
    owner = models.CharField(_("owner"), max_length=150,
                             help_text=_("The person or unit who carries it out."))
    due_on = models.DateField(_("due on"), db_index=True)
    status = models.CharField(_("status"), max_length=8, choices=ActionStatus.choices,
                              default=ActionStatus.OPEN)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closing_note = models.TextField(_("how it was closed"), blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+",
                                  verbose_name=_("closed by"))

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "drill__duty_station__country",
                             ScopeKind.SECURITY_AREA: "drill__duty_station__security_area",
                             ScopeKind.DUTY_STATION: "drill__duty_station"}

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["due_on", "pk"]
        constraints = [models.CheckConstraint(
            condition=Q(status=ActionStatus.OPEN, closed_on__isnull=True)
            | (Q(status=ActionStatus.CLOSED, closed_on__isnull=False) & ~Q(closing_note="")),
            name="correctiveaction_closed_has_date_and_note",
            violation_error_message=_("A closed action has its closing date and note."))]

    def __str__(self) -> str:
        return self.description[:80]


def _default_periods() -> dict[str, dict[str, object]]:
    return plans_rules.default_policy_data()


class PlanSettings(VersionedModel):
    """One row: for each kind of plan, whether every station must have one, its review period
    and its test period, in months."""

    periods = models.JSONField(_("periods"), default=_default_periods)

    class Meta:
        verbose_name = _("emergency plan settings")
        verbose_name_plural = _("emergency plan settings")

    def __str__(self) -> str:
        return f"emergency plan settings v{self.version}"


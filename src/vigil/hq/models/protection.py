"""Protective services for senior officials: the principals, their travel cases with the
destinations, the protection-needs assessment of each case and its advance work.

Need-to-know: only protection coordinators in scope, and the principal's designated office
(read only), see these records (hq.protection_selectors). Nothing here has a reverse accessor
on another app's model, so no other app's page can reach a case by following a relation."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import ScopeKind
from vigil.core.models import TimestampedModel, VersionedModel
from vigil.hq import protection_rules as rules
from vigil.people.models import Organization, Person
from vigil.places.models import Country, DutyStation
from vigil.travel.models import TravelRequest

__all__ = ["AdvanceTask", "NeedsAssessment", "Principal", "ProtectionCase",
           "ProtectionDestination"]

PROFILE_CHOICES = [
    (rules.Profile.LOW.value, _("Low")),
    (rules.Profile.MODERATE.value, _("Moderate")),
    (rules.Profile.HIGH.value, _("High")),
    (rules.Profile.VERY_HIGH.value, _("Very high")),
]
DETAIL_CHOICES = [(k.value, label) for k, label in rules.DETAIL_LABELS.items()]

# The scope of a principal, and of what hangs off one: their organization and home duty station.
PRINCIPAL_SCOPE: dict[ScopeKind, str] = {
    ScopeKind.ORGANIZATION: "organization",
    ScopeKind.COUNTRY: "duty_station__country",
    ScopeKind.SECURITY_AREA: "duty_station__security_area",
    ScopeKind.DUTY_STATION: "duty_station",
}


def _through(prefix: str) -> dict[ScopeKind, str]:
    return {kind: f"{prefix}__{path}" for kind, path in PRINCIPAL_SCOPE.items()}


class Principal(VersionedModel):
    """A senior official whom protective services may accompany: an Under-Secretary-General,
    a Special Representative, a head of agency."""

    name = models.CharField(_("name"), max_length=150)
    title = models.CharField(_("title or function"), max_length=200)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("organization"))
    duty_station = models.ForeignKey(DutyStation, on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("home duty station"))
    person = models.OneToOneField(Person, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", verbose_name=_("staff record"),
                                  help_text=_("Links the principal's TRIP travel requests."))
    profile_level = models.CharField(_("personal profile"), max_length=10,
                                     choices=PROFILE_CHOICES, default=rules.Profile.MODERATE)
    profile_notes = models.TextField(
        _("profile notes"), blank=True,
        help_text=_("Public visibility, known threats, past incidents."))
    office = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+",
        verbose_name=_("designated office"),
        help_text=_("The people of the principal's office, who may read the principal's "
                    "protection cases."))
    active = models.BooleanField(_("active"), default=True)

    scope_paths: ClassVar = PRINCIPAL_SCOPE

    class Meta:
        verbose_name = _("principal")
        verbose_name_plural = _("principals")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name}, {self.title}"


class ProtectionCase(VersionedModel):
    """One trip of a principal that protective services assess: where, when, why, the event's
    profile, and where the case stands from request to decision."""

    class Status(models.TextChoices):
        REQUESTED = rules.CaseStatus.REQUESTED, _("Requested")
        UNDER_ASSESSMENT = rules.CaseStatus.UNDER_ASSESSMENT, _("Under assessment")
        ASSESSED = rules.CaseStatus.ASSESSED, _("Assessed, awaiting decision")
        DECIDED = rules.CaseStatus.DECIDED, _("Decided")
        CANCELLED = rules.CaseStatus.CANCELLED, _("Cancelled")

    class Decision(models.TextChoices):
        APPROVED = rules.Decision.APPROVED, _("Approved")
        APPROVED_WITH_CHANGES = rules.Decision.APPROVED_WITH_CHANGES, _("Approved with changes")
        DECLINED = rules.Decision.DECLINED, _("Declined")

    principal = models.ForeignKey(Principal, on_delete=models.PROTECT, related_name="cases",
                                  verbose_name=_("principal"))
    purpose = models.CharField(_("purpose"), max_length=300)
    starts_on = models.DateField(_("trip starts"))
    ends_on = models.DateField(_("trip ends"))
    trip_request = models.ForeignKey(TravelRequest, on_delete=models.SET_NULL, null=True,
                                     blank=True, related_name="+",
                                     verbose_name=_("TRIP travel request"))
    event_level = models.CharField(_("event profile"), max_length=10, choices=PROFILE_CHOICES,
                                   default=rules.Profile.MODERATE)
    event_public = models.BooleanField(_("public event"), default=False)
    event_media = models.BooleanField(_("media present"), default=False)
    crowd_size = models.PositiveIntegerField(_("expected crowd"), null=True, blank=True)
    event_notes = models.TextField(_("event notes"), blank=True)
    coordinator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("coordinator"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices,
                              default=Status.REQUESTED)
    decision = models.CharField(_("decision"), max_length=24, choices=Decision.choices,
                                blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    scope_paths: ClassVar = _through("principal")

    class Meta:
        verbose_name = _("protection case")
        verbose_name_plural = _("protection cases")
        ordering = ["-starts_on", "-pk"]
        indexes = [models.Index(fields=["status", "starts_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")),
                                   name="protectioncase_ends_after_start"),
            models.CheckConstraint(
                condition=(Q(status=rules.CaseStatus.DECIDED) & ~Q(decision=""))
                | (~Q(status=rules.CaseStatus.DECIDED) & Q(decision="")),
                name="protectioncase_decision_iff_decided"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.purpose}"

    @property
    def reference(self) -> str:
        return self.reference_of(self.pk) if self.pk else "PRT-new"

    @staticmethod
    def reference_of(pk: int) -> str:
        return f"PRT-{pk:06d}"

    def clean(self) -> None:
        problems = rules.dates_problems(self.starts_on, self.ends_on)
        if problems:
            raise ValidationError(dict(problems))

    @property
    def is_open(self) -> bool:
        return self.status in rules.OPEN_STATES

    @property
    def editable(self) -> bool:
        return self.status in rules.EDITABLE_STATES


class ProtectionDestination(models.Model):
    """One place of a case's itinerary, in order, with the days spent there."""

    case = models.ForeignKey(ProtectionCase, on_delete=models.CASCADE,
                             related_name="destinations", verbose_name=_("case"))
    position = models.PositiveSmallIntegerField(_("order"))
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("country"))
    duty_station = models.ForeignKey(DutyStation, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="+",
                                     verbose_name=_("duty station"))
    city = models.CharField(_("city or site"), max_length=150, blank=True)
    arrives_on = models.DateField(_("arrives"))
    departs_on = models.DateField(_("departs"))

    scope_paths: ClassVar = _through("case__principal")

    class Meta:
        verbose_name = _("destination")
        verbose_name_plural = _("destinations")
        ordering = ["case", "position"]
        constraints = [
            models.UniqueConstraint(fields=["case", "position"],
                                    name="protectiondestination_position_unique"),
            models.CheckConstraint(condition=Q(departs_on__gte=F("arrives_on")),
                                   name="protectiondestination_departs_after_arrival"),
        ]

    def __str__(self) -> str:
        place = self.city or (self.duty_station.name if self.duty_station_id and
                              self.duty_station else "")
        return f"{place}, {self.country.name}" if place else self.country.name


class NeedsAssessment(VersionedModel):
    """The protection-needs assessment of one case: the threat picture at each destination
    (a snapshot of the security levels and SRAs in force when it was taken), the principal's
    and the event's profiles, the detail the table recommends and any override of it."""

    case = models.OneToOneField(ProtectionCase, on_delete=models.CASCADE,
                                related_name="assessment", verbose_name=_("case"))
    threat_picture = models.JSONField(_("threat picture"), default=list, blank=True)
    threat_taken_at = models.DateTimeField(_("threat picture taken"), null=True, blank=True)
    threat_summary = models.TextField(_("threat summary"), blank=True)
    principal_level = models.CharField(_("principal's profile"), max_length=10,
                                       choices=PROFILE_CHOICES)
    event_level = models.CharField(_("event's profile"), max_length=10,
                                   choices=PROFILE_CHOICES)
    highest_level = models.PositiveSmallIntegerField(_("highest security level"), null=True,
                                                     blank=True)
    recommended_kind = models.CharField(_("recommended detail"), max_length=20,
                                        choices=DETAIL_CHOICES)
    recommended_officers = models.PositiveSmallIntegerField(_("recommended officers"),
                                                            default=0)
    recommended_advance_team = models.BooleanField(_("advance team recommended"),
                                                   default=False)
    recommended_armoured_vehicle = models.BooleanField(_("armoured vehicle recommended"),
                                                       default=False)
    override_kind = models.CharField(_("detail decided instead"), max_length=20,
                                     choices=DETAIL_CHOICES, blank=True)
    override_officers = models.PositiveSmallIntegerField(_("officers instead"), null=True,
                                                         blank=True)
    override_advance_team = models.BooleanField(_("advance team instead"), default=False)
    override_armoured_vehicle = models.BooleanField(_("armoured vehicle instead"),
                                                    default=False)
    override_reason = models.TextField(_("reason for the override"), blank=True)
    assessed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("assessed by"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True,
                                        help_text=_("When it was last submitted for decision."))

    scope_paths: ClassVar = _through("case__principal")

    class Meta:
        verbose_name = _("protection-needs assessment")
        verbose_name_plural = _("protection-needs assessments")

    def __str__(self) -> str:
        return f"{self.case.reference} · {self._meta.verbose_name}"

    @property
    def detail_in_force(self) -> rules.Detail:
        """The coordinator's override where there is one, else the recommendation."""
        if self.override_kind:
            return rules.Detail(rules.DetailKind(self.override_kind),
                                self.override_officers or 0, self.override_advance_team,
                                self.override_armoured_vehicle)
        return rules.Detail(rules.DetailKind(self.recommended_kind), self.recommended_officers,
                            self.recommended_advance_team, self.recommended_armoured_vehicle)

    @property
    def recommended_label(self) -> str:
        return str(rules.DETAIL_LABELS[rules.DetailKind(self.recommended_kind)])

    @property
    def detail_label(self) -> str:
        return str(rules.DETAIL_LABELS[self.detail_in_force.kind])


class AdvanceTask(TimestampedModel):
    """One piece of advance work for a trip: a site survey, a route reconnaissance, liaison
    with the host country's security services, the medical evacuation plan."""

    class Kind(models.TextChoices):
        SITE_SURVEY = rules.TaskKind.SITE_SURVEY, _("Site survey")
        ROUTE_RECONNAISSANCE = rules.TaskKind.ROUTE_RECONNAISSANCE, _("Route reconnaissance")
        HOST_LIAISON = rules.TaskKind.HOST_LIAISON, _("Host-country liaison")
        MEDEVAC_PLAN = rules.TaskKind.MEDEVAC_PLAN, _("Medical evacuation plan")

    class Status(models.TextChoices):
        TO_PLAN = rules.TaskStatus.TO_PLAN, _("To plan")
        PLANNED = rules.TaskStatus.PLANNED, _("Planned")
        DONE = rules.TaskStatus.DONE, _("Done")
        NOT_NEEDED = rules.TaskStatus.NOT_NEEDED, _("Not needed")

    assessment = models.ForeignKey(NeedsAssessment, on_delete=models.CASCADE,
                                   related_name="tasks", verbose_name=_("assessment"))
    kind = models.CharField(_("task"), max_length=24, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.TO_PLAN)
    due_on = models.DateField(_("due"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    scope_paths: ClassVar = _through("assessment__case__principal")

    class Meta:
        verbose_name = _("advance task")
        verbose_name_plural = _("advance tasks")
        ordering = ["assessment", "pk"]
        constraints = [models.UniqueConstraint(fields=["assessment", "kind"],
                                               name="advancetask_kind_unique")]

    def __str__(self) -> str:
        return str(self.get_kind_display())

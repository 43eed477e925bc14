from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import ScopeKind
from vigil.core.levels import LEVEL_LABELS
from vigil.core.models import VersionedModel
from vigil.places.models import (
    LATITUDE_VALIDATORS,
    LONGITUDE_VALIDATORS,
    SecurityArea,
    check_in_country,
)
from vigil.risk import rules

LIKELIHOOD_LABELS = dict(zip(rules.LIKELIHOODS, (
    _("Very unlikely"), _("Unlikely"), _("Moderately likely"), _("Likely"), _("Very likely")),
    strict=True))
IMPACT_LABELS = dict(zip(rules.IMPACTS, (
    _("Negligible"), _("Minor"), _("Moderate"), _("Severe"), _("Critical")), strict=True))
RISK_LEVEL_LABELS = dict(zip(rules.RISK_LEVELS, (
    _("Low"), _("Medium"), _("High"), _("Very high"), _("Unacceptable")), strict=True))
THREAT_LABELS = dict(zip(rules.THREAT_CATEGORIES, (
    _("Armed conflict"), _("Terrorism"), _("Crime"), _("Civil unrest"), _("Hazards")),
    strict=True))

MOSS_CATEGORY_LABELS = dict(zip(rules.MOSS_CATEGORIES, (
    _("Telecommunications"), _("Documentation"), _("Coordination"), _("Medical"),
    _("Equipment"), _("Vehicles"), _("Premises"), _("Training"), _("Residential security")),
    strict=True))


def _default_matrix() -> dict[str, Any]:
    return {k: dict(v) for k, v in rules.DEFAULT_MATRIX.items()}


def _default_thresholds() -> list[list[int]]:
    return [list(t) for t in rules.DEFAULT_LEVEL_THRESHOLDS]


class RiskSettings(VersionedModel):
    """The configuration of risk rules, one row: the 5x5 matrix and the level thresholds."""

    matrix = models.JSONField(_("risk matrix"), default=_default_matrix)
    level_thresholds = models.JSONField(_("security level thresholds"),
                                        default=_default_thresholds)

    class Meta:
        verbose_name = _("risk settings")

    def __str__(self) -> str:
        return f"risk settings v{self.version}"


class SecurityLevelReview(VersionedModel):
    """One proposal of a security level for an area, from its structured threat assessment,
    through central review to approval (or return). Approved reviews are the level history."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        UNDER_REVIEW = "under_review", _("Under review")
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned with comments")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    security_area = models.ForeignKey(SecurityArea, on_delete=models.PROTECT,
                                      related_name="level_reviews",
                                      verbose_name=_("security area"))
    # {category: {"likelihood": …, "impact": …, "justification": …}} for the five categories.
    ratings = models.JSONField(_("threat assessment"))
    derived_level = models.PositiveSmallIntegerField(_("level from the assessment"))
    proposed_level = models.PositiveSmallIntegerField(_("proposed level"))
    justification = models.TextField(_("justification"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("proposed by"))
    # The first proposal: resubmissions keep it, so review time counts every round.
    proposed_at = models.DateTimeField(_("proposed"))
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="+",
                                 verbose_name=_("reviewer"))
    review_started_at = models.DateTimeField(_("review started"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True, db_index=True)
    decision_comment = models.TextField(_("comments"), blank=True)
    next_review_due = models.DateField(_("next review due"), null=True, blank=True)

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "security_area__country",
                             ScopeKind.SECURITY_AREA: "security_area"}

    class Meta:
        verbose_name = _("security level review")
        verbose_name_plural = _("security level reviews")
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(proposed_level__gte=1, proposed_level__lte=6),
                                   name="levelreview_proposed_level_1_to_6"),
            models.CheckConstraint(condition=Q(derived_level__gte=1, derived_level__lte=6),
                                   name="levelreview_derived_level_1_to_6"),
            models.CheckConstraint(
                condition=~Q(status="approved") | Q(next_review_due__isnull=False,
                                                    decided_at__isnull=False),
                name="levelreview_approved_has_decision_and_next_review"),
            # One open proposal per area at a time.
            models.UniqueConstraint(fields=["security_area"],
                                    condition=Q(status__in=["proposed", "under_review",
                                                            "returned"]),
                                    name="levelreview_one_open_per_area"),
        ]
        indexes = [models.Index(fields=["security_area", "status", "decided_at"])]

    def __str__(self) -> str:
        return f"{self.security_area} · {self.proposed_level}"

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS[self.proposed_level])

    @property
    def review_days(self) -> int | None:
        if self.decided_at is None:
            return None
        return (self.decided_at - self.proposed_at).days


class ApprovalRecord(VersionedModel):
    """Who approved (the DO) and endorsed (DRO) a document, and the comments of the last
    return: shared by SRAs and security plans."""

    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    endorsed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    endorsed_at = models.DateTimeField(_("endorsed"), null=True, blank=True)
    return_comment = models.TextField(_("comments when returned"), blank=True)

    class Meta:
        abstract = True


class SecurityRiskAssessment(ApprovalRecord):
    """A security risk assessment (SRA) of a country or one of its areas, with its register
    of risks, moved from draft to DO approval and DRO endorsement."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted to the designated official")
        APPROVED = "approved", _("Approved by the designated official")
        ENDORSED = "endorsed", _("Endorsed by DRO")
        SUPERSEDED = "superseded", _("Superseded by a later assessment")

    country = models.ForeignKey("places.Country", on_delete=models.PROTECT,
                                related_name="risk_assessments", verbose_name=_("country"))
    security_area = models.ForeignKey(SecurityArea, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="risk_assessments",
                                      verbose_name=_("security area"),
                                      help_text=_("Empty for the whole country."))
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.DRAFT)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    review_due = models.DateField(_("review due"))
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="+")
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "country",
                             ScopeKind.SECURITY_AREA: "security_area"}

    class Meta:
        verbose_name = _("security risk assessment")
        verbose_name_plural = _("security risk assessments")
        ordering = ["-valid_from", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(valid_until__gte=F("valid_from")),
                                              name="sra_valid_until_after_from")]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = _("The end of validity comes before its start.")
        if self.valid_from and self.review_due and self.review_due < self.valid_from:
            errors["review_due"] = _("The review falls before the assessment takes effect.")
        try:
            check_in_country(self, "security_area")
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)


class RiskEntry(models.Model):
    """One row of an SRA's risk register: a threat to something, before and after the
    measures that mitigate it."""

    sra = models.ForeignKey(SecurityRiskAssessment, on_delete=models.CASCADE,
                            related_name="entries", verbose_name=_("assessment"))
    position = models.PositiveIntegerField(_("order"), default=0)
    threat_category = models.CharField(_("threat category"), max_length=16,
                                       choices=list(THREAT_LABELS.items()))
    description = models.TextField(_("threat"))
    at_risk = models.CharField(_("at risk"), max_length=12, choices=[
        ("personnel", _("Personnel")), ("premises", _("Premises")), ("assets", _("Assets")),
        ("programmes", _("Programmes"))])
    likelihood = models.CharField(_("likelihood"), max_length=20,
                                  choices=list(LIKELIHOOD_LABELS.items()))
    impact = models.CharField(_("impact"), max_length=12, choices=list(IMPACT_LABELS.items()))
    mitigation = models.TextField(_("mitigation measures"), blank=True)
    moss_categories = models.JSONField(_("MOSS categories of the measures"), default=list,
                                       blank=True)
    # The evidence-based proposal for the likelihood when the row was last saved (risk.proposals
    # .kept): the officer's rating stands, and the difference is shown beside it.
    proposal = models.JSONField(_("proposed likelihood"), default=dict, blank=True)
    residual_likelihood = models.CharField(_("residual likelihood"), max_length=20,
                                           choices=list(LIKELIHOOD_LABELS.items()))
    residual_impact = models.CharField(_("residual impact"), max_length=12,
                                       choices=list(IMPACT_LABELS.items()))
    response = models.CharField(_("response"), max_length=10, choices=[
        ("accept", _("Accept")), ("control", _("Control")), ("avoid", _("Avoid")),
        ("transfer", _("Transfer"))])

    class Meta:
        verbose_name = _("risk")
        verbose_name_plural = _("risk register")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.get_threat_category_display()}: {self.description[:60]}"


class ProgrammeActivity(models.Model):
    """A programme activity run in the assessed place, with its programme criticality."""

    sra = models.ForeignKey(SecurityRiskAssessment, on_delete=models.CASCADE,
                            related_name="activities", verbose_name=_("assessment"))
    organization = models.ForeignKey("people.Organization", on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("organization"))
    name = models.CharField(_("activity"), max_length=200)
    criticality = models.CharField(_("programme criticality"), max_length=3, blank=True,
                                   choices=[("pc1", "PC1"), ("pc2", "PC2"), ("pc3", "PC3"),
                                            ("pc4", "PC4")],
                                   help_text=_("Empty until the PC assessment is done."))

    class Meta:
        verbose_name = _("programme activity")
        verbose_name_plural = _("programme activities")
        ordering = ["organization__code", "name"]

    def __str__(self) -> str:
        return self.name


class SraVersion(models.Model):
    """A snapshot of an SRA (header, register, activities) after each change: the versions
    that can be compared side by side."""

    sra = models.ForeignKey(SecurityRiskAssessment, on_delete=models.CASCADE,
                            related_name="versions", verbose_name=_("assessment"))
    number = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("content"))
    reason = models.CharField(_("reason"), max_length=40)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("saved"), auto_now_add=True)

    class Meta:
        verbose_name = _("SRA version")
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["sra", "number"],
                                               name="sraversion_unique_number")]

    def __str__(self) -> str:
        return f"{self.sra} v{self.number}"


class ReviewReminder(models.Model):
    """A reminder sent about one review falling due, so that the daily run never sends the
    same one twice (stage "soon" within 30 days, then "overdue")."""

    kind = models.CharField(max_length=20)  # "security_level" | "sra"
    object_id = models.BigIntegerField()
    due = models.DateField()
    stage = models.CharField(max_length=10)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("review reminder")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id", "due", "stage"],
                                               name="reviewreminder_once")]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} {self.stage}"


APPLIES_TO = [("all", _("Everywhere")), ("duty_station", _("Duty station")),
              ("premises", _("Premises")), ("residence", _("Residence"))]


class MossDocument(VersionedModel):
    """Minimum operating security standards (MOSS) of a country, derived from its SRA in
    force; or H-MOSS for headquarters premises. A table of items, edited as a draft and
    approved by DRO."""

    class Kind(models.TextChoices):
        COUNTRY = "country", _("Country MOSS")
        HQ = "hq", _("Headquarters MOSS (H-MOSS)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")

    country = models.ForeignKey("places.Country", on_delete=models.PROTECT,
                                related_name="moss_documents", verbose_name=_("country"))
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices,
                            default=Kind.COUNTRY)
    sra = models.ForeignKey(SecurityRiskAssessment, on_delete=models.PROTECT, null=True,
                            blank=True, related_name="moss_documents",
                            verbose_name=_("derived from the SRA"))
    # H-MOSS belongs to a headquarters duty station, whose HQ security officers work on it.
    duty_station = models.ForeignKey("places.DutyStation", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="moss_documents",
                                     verbose_name=_("headquarters duty station"))
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.DRAFT)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "country",
                             ScopeKind.DUTY_STATION: "duty_station"}

    class Meta:
        verbose_name = _("MOSS document")
        verbose_name_plural = _("MOSS documents")
        ordering = ["country__name", "-created_at"]

    def __str__(self) -> str:
        return self.title


class MossItem(models.Model):
    document = models.ForeignKey(MossDocument, on_delete=models.CASCADE, related_name="items",
                                 verbose_name=_("MOSS document"))
    position = models.PositiveIntegerField(_("order"), default=0)
    category = models.CharField(_("category"), max_length=20,
                                choices=list(MOSS_CATEGORY_LABELS.items()))
    standard = models.TextField(_("standard requirement"))
    requirement = models.TextField(_("country-specific requirement"), blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    applies_to = models.CharField(_("applies to"), max_length=12, choices=APPLIES_TO,
                                  default="all")

    class Meta:
        verbose_name = _("MOSS item")
        ordering = ["category", "position", "pk"]

    def __str__(self) -> str:
        return self.standard[:80]


class ComplianceAssessment(VersionedModel):
    """How far one duty station, premises or residence meets a MOSS document, item by item."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("In progress")
        FINAL = "final", _("Final")

    document = models.ForeignKey(MossDocument, on_delete=models.PROTECT,
                                 related_name="assessments", verbose_name=_("MOSS document"))
    duty_station = models.ForeignKey("places.DutyStation", on_delete=models.PROTECT,
                                     related_name="moss_assessments",
                                     verbose_name=_("duty station"))
    premises = models.ForeignKey("places.Premises", on_delete=models.PROTECT, null=True,
                                 blank=True, related_name="moss_assessments",
                                 verbose_name=_("premises"))
    residence_of = models.ForeignKey("people.Person", on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="residence_assessments",
                                     verbose_name=_("residence of"))
    assessed_on = models.DateField(_("assessed on"))
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("assessor"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices,
                              default=Status.DRAFT)
    compliance = models.FloatField(_("compliance %"), null=True, blank=True)

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "duty_station__country",
                             ScopeKind.SECURITY_AREA: "duty_station__security_area",
                             ScopeKind.DUTY_STATION: "duty_station",
                             ScopeKind.PREMISES: "premises"}

    class Meta:
        verbose_name = _("MOSS compliance assessment")
        verbose_name_plural = _("MOSS compliance assessments")
        ordering = ["-assessed_on", "-pk"]
        constraints = [models.CheckConstraint(
            condition=Q(premises__isnull=True) | Q(residence_of__isnull=True),
            name="moss_assessment_premises_or_residence")]

    def __str__(self) -> str:
        return f"{self.target_label} · {self.assessed_on}"

    @property
    def target_kind(self) -> str:
        if self.premises_id:
            return "premises"
        if self.residence_of_id:
            return "residence"
        return "duty_station"

    @property
    def target_label(self) -> str:
        if self.premises_id:
            return str(self.premises)
        if self.residence_of_id:
            return str(_("Residence of %(name)s") % {"name": self.residence_of})
        return str(self.duty_station)


class ComplianceResult(models.Model):
    class State(models.TextChoices):
        COMPLIANT = "compliant", _("Compliant")
        PARTLY = "partly_compliant", _("Partly compliant")
        NON = "non_compliant", _("Non-compliant")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    assessment = models.ForeignKey(ComplianceAssessment, on_delete=models.CASCADE,
                                   related_name="results")
    item = models.ForeignKey(MossItem, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(_("state"), max_length=16, choices=State.choices, blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    corrective_action = models.TextField(_("corrective action"), blank=True)
    action_owner = models.CharField(_("action owner"), max_length=150, blank=True)
    action_due = models.DateField(_("action due"), null=True, blank=True)

    class Meta:
        verbose_name = _("compliance result")
        ordering = ["item__category", "item__position", "item__pk"]
        constraints = [models.UniqueConstraint(fields=["assessment", "item"],
                                               name="complianceresult_one_per_item")]

    def __str__(self) -> str:
        return f"{self.item} · {self.state}"


class SecurityPlan(ApprovalRecord):
    """The security plan of a country or duty station: zones and wardens, the communication
    tree, concentration points and safe havens, relocation and evacuation routes with their
    triggers, and attachments. Drafted by the security officer, approved by the DO, endorsed
    by DRO."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved by the designated official")
        ENDORSED = "endorsed", _("Endorsed by DRO")
        SUPERSEDED = "superseded", _("Superseded by a later plan")

    country = models.ForeignKey("places.Country", on_delete=models.PROTECT,
                                related_name="security_plans", verbose_name=_("country"))
    duty_station = models.ForeignKey("places.DutyStation", on_delete=models.PROTECT,
                                     null=True, blank=True, related_name="security_plans",
                                     verbose_name=_("duty station"),
                                     help_text=_("Empty for the country plan."))
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.DRAFT)
    review_due = models.DateField(_("review due"))

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "country",
                             ScopeKind.DUTY_STATION: "duty_station"}

    class Meta:
        verbose_name = _("security plan")
        verbose_name_plural = _("security plans")
        ordering = ["country__name", "title"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        check_in_country(self, "duty_station")


class PlanZone(models.Model):
    plan = models.ForeignKey(SecurityPlan, on_delete=models.CASCADE, related_name="zones")
    name = models.CharField(_("zone"), max_length=120)
    description = models.TextField(_("boundaries and notes"), blank=True)
    warden = models.CharField(_("warden"), max_length=150)
    warden_phone = models.CharField(_("warden's phone"), max_length=30)
    deputy = models.CharField(_("deputy warden"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("zone and warden")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class PlanContact(models.Model):
    """A node of the communication tree: who calls whom when the plan is activated."""

    plan = models.ForeignKey(SecurityPlan, on_delete=models.CASCADE, related_name="contacts")
    role = models.CharField(_("role"), max_length=120)
    name = models.CharField(_("name"), max_length=150)
    phone = models.CharField(_("phone"), max_length=30)
    radio_callsign = models.CharField(_("radio call sign"), max_length=30, blank=True)
    reports_to = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="calls", verbose_name=_("reports to"))

    class Meta:
        verbose_name = _("communication tree entry")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.role}: {self.name}"


class PlanSite(models.Model):
    class Kind(models.TextChoices):
        CONCENTRATION_POINT = "concentration", _("Concentration point")
        SAFE_HAVEN = "safe_haven", _("Safe haven")

    plan = models.ForeignKey(SecurityPlan, on_delete=models.CASCADE, related_name="sites")
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=150)
    latitude = models.FloatField(_("latitude"), validators=LATITUDE_VALIDATORS)
    longitude = models.FloatField(_("longitude"), validators=LONGITUDE_VALIDATORS)
    capacity = models.PositiveIntegerField(_("capacity (people)"), default=0)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("concentration point or safe haven")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class PlanRoute(models.Model):
    class Kind(models.TextChoices):
        RELOCATION = "relocation", _("Relocation")
        EVACUATION = "evacuation", _("Evacuation")

    plan = models.ForeignKey(SecurityPlan, on_delete=models.CASCADE, related_name="routes")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("route"), max_length=150)
    description = models.TextField(_("way and means"))
    destination = models.CharField(_("destination"), max_length=150)
    trigger = models.TextField(_("trigger"),
                               help_text=_("What makes the DO order this move."))

    class Meta:
        verbose_name = _("relocation or evacuation route")
        ordering = ["kind", "name"]

    def __str__(self) -> str:
        return self.name


class PlanAttachment(models.Model):
    plan = models.ForeignKey(SecurityPlan, on_delete=models.CASCADE,
                             related_name="attachments")
    title = models.CharField(_("title"), max_length=150)
    file = models.FileField(_("file"), upload_to="plans/%Y/")
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class Mission(VersionedModel):
    """A security assistance or assessment mission to a country, planned and then completed,
    whose recommendations are followed to closure."""

    class Kind(models.TextChoices):
        ASSISTANCE = "assistance", _("Security assistance")
        ASSESSMENT = "assessment", _("Security assessment")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    country = models.ForeignKey("places.Country", on_delete=models.PROTECT,
                                related_name="missions", verbose_name=_("country"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    purpose = models.TextField(_("purpose"))
    team = models.CharField(_("team"), max_length=300, blank=True)
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PLANNED)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    report = models.TextField(_("report summary"), blank=True)

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "country"}

    class Meta:
        verbose_name = _("mission")
        verbose_name_plural = _("missions")
        ordering = ["-planned_start", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(planned_end__gte=F("planned_start")),
                                              name="mission_end_after_start")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.country} · {self.planned_start}"

    def clean(self) -> None:
        if self.planned_start and self.planned_end and self.planned_end < self.planned_start:
            raise ValidationError({"planned_end": _("The mission ends before it starts.")})


class MissionRecommendation(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    mission = models.ForeignKey(Mission, on_delete=models.CASCADE,
                                related_name="recommendations", verbose_name=_("mission"))
    finding = models.TextField(_("finding"))
    recommendation = models.TextField(_("recommendation"))
    owner = models.CharField(_("owner"), max_length=150)
    due = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices,
                              default=Status.OPEN)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closure_note = models.TextField(_("how it was done"), blank=True)

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["status", "due", "pk"]

    def __str__(self) -> str:
        return self.recommendation[:80]


class Questionnaire(VersionedModel):
    """A premises vulnerability questionnaire: sections of weighted questions, each with an
    answer scale. Administrators configure it; surveys keep the questionnaire they used."""

    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("in use"), default=True)
    source = models.TextField(_("source"), blank=True)

    class Meta:
        verbose_name = _("vulnerability questionnaire")
        verbose_name_plural = _("vulnerability questionnaires")
        ordering = ["-is_active", "name"]

    def __str__(self) -> str:
        return self.name


class QuestionnaireSection(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE,
                                      related_name="sections")
    title = models.CharField(_("section"), max_length=150)
    position = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("questionnaire section")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.title


class Question(models.Model):
    section = models.ForeignKey(QuestionnaireSection, on_delete=models.CASCADE,
                                related_name="questions")
    text = models.TextField(_("question"))
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    # [[label, score 0-100], ...] in the order shown.
    options = models.JSONField(_("answer scale"))
    position = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("question")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text[:80]

    def clean(self) -> None:
        options = self.options
        if (not isinstance(options, list) or len(options) < 2 or not all(
                isinstance(o, list) and len(o) == 2 and isinstance(o[1], int)
                and 0 <= o[1] <= 100 for o in options)):
            raise ValidationError({"options": _(
                "Give at least two answers, each [label, score from 0 to 100].")})


class PremisesSurvey(models.Model):
    """One answering of the questionnaire for a premises: its score and vulnerabilities."""

    premises = models.ForeignKey("places.Premises", on_delete=models.PROTECT,
                                 related_name="surveys", verbose_name=_("premises"))
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT,
                                      related_name="surveys")
    surveyed_on = models.DateField(_("surveyed on"))
    surveyor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("surveyor"))
    answers = models.JSONField(_("answers"))  # {question id: option index}
    score = models.FloatField(_("score"))
    vulnerabilities = models.JSONField(_("vulnerabilities"), default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "premises__duty_station__country",
                             ScopeKind.SECURITY_AREA: "premises__duty_station__security_area",
                             ScopeKind.DUTY_STATION: "premises__duty_station",
                             ScopeKind.PREMISES: "premises"}

    class Meta:
        verbose_name = _("vulnerability survey")
        verbose_name_plural = _("vulnerability surveys")
        ordering = ["-surveyed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.premises} · {self.surveyed_on}"

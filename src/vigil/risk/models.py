from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import ScopeKind
from vigil.core.models import VersionedModel
from vigil.places.models import SecurityArea
from vigil.risk import rules

LEVEL_LABELS = {1: _("Minimal"), 2: _("Low"), 3: _("Moderate"), 4: _("Substantial"),
                5: _("High"), 6: _("Extreme")}
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


class SecurityRiskAssessment(VersionedModel):
    """A security risk assessment (SRA) of a country or one of its areas, with its register
    of risks, moved from draft to DO approval and DRO endorsement."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted to the designated official")
        APPROVED = "approved", _("Approved by the designated official")
        ENDORSED = "endorsed", _("Endorsed by DRO")

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
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    endorsed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+")
    endorsed_at = models.DateTimeField(_("endorsed"), null=True, blank=True)
    return_comment = models.TextField(_("comments when returned"), blank=True)

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
        from django.core.exceptions import ValidationError

        if (self.security_area is not None and self.country_id
                and self.security_area.country_id != self.country_id):
            raise ValidationError({"security_area": _(
                "This security area belongs to another country.")})


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

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
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

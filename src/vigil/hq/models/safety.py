"""Safety claims: a person injured, or property damaged, on the premises of a headquarters duty
station or a regional commission. A claim moves from received to settled or rejected
(hq.safety_rules.CLAIM_TRANSITIONS); each move is kept as a row of its history.

The claimant is a staff member (their staff record) or somebody else named on the claim (a
visitor, a delegate, a contractor). The claimant's name and contact are personal data."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vigil.core.models import VersionedModel
from vigil.hq.models.access import PREMISES_SCOPE
from vigil.incidents.models import Incident
from vigil.people.models import Person
from vigil.places.models import Premises

__all__ = ["ClaimEvent", "ClaimKind", "ClaimStatus", "ClaimantKind", "SafetyClaim"]


class ClaimKind(models.TextChoices):
    INJURY = "injury", _("Injury")
    PROPERTY = "property", _("Property damage")
    BOTH = "both", _("Injury and property damage")


class ClaimantKind(models.TextChoices):
    STAFF = "staff", _("Staff member")
    VISITOR = "visitor", _("Visitor")
    DELEGATE = "delegate", _("Delegate")
    CONTRACTOR = "contractor", _("Contractor")


class ClaimStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    UNDER_REVIEW = "under_review", _("Under review")
    SETTLED = "settled", _("Settled")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


CURRENCY_CODE = RegexValidator(r"^[A-Z]{3}$", _("Three capital letters (ISO 4217), e.g. USD."))


class SafetyClaim(VersionedModel):
    premises = models.ForeignKey(Premises, on_delete=models.PROTECT,
                                 related_name="safety_claims", verbose_name=_("premises"))
    kind = models.CharField(_("kind"), max_length=10, choices=ClaimKind.choices)
    claimant_kind = models.CharField(_("claimant is a"), max_length=12,
                                     choices=ClaimantKind.choices, default=ClaimantKind.STAFF)
    claimant = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="safety_claims", verbose_name=_("staff member"))
    claimant_name = models.CharField(_("claimant's name"), max_length=200, blank=True,
                                     help_text=_("For a visitor, delegate or contractor."))
    claimant_contact = models.CharField(_("claimant's contact"), max_length=200, blank=True,
                                        help_text=_("A phone number or an e-mail address."))
    occurred_at = models.DateTimeField(_("occurred at"))
    received_on = models.DateField(_("received on"), db_index=True)
    description = models.TextField(_("what happened"))
    currency = models.CharField(_("currency"), max_length=3, default="USD",
                                validators=[CURRENCY_CODE])
    amount_claimed = models.DecimalField(_("amount claimed"), max_digits=12, decimal_places=2,
                                         null=True, blank=True,
                                         validators=[MinValueValidator(0)])
    amount_settled = models.DecimalField(_("amount settled"), max_digits=12, decimal_places=2,
                                         null=True, blank=True,
                                         validators=[MinValueValidator(0)])
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="safety_claims",
                                 verbose_name=_("linked incident"))
    status = models.CharField(_("status"), max_length=12, choices=ClaimStatus.choices,
                              default=ClaimStatus.RECEIVED, db_index=True)
    decision_note = models.TextField(_("decision note"), blank=True)
    decided_on = models.DateField(_("decided on"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("decided by"))
    filed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 null=True, blank=True, related_name="+",
                                 verbose_name=_("recorded by"))

    scope_paths: ClassVar = PREMISES_SCOPE
    # A staff member files, and follows, their own claim.
    owner_path: ClassVar = "claimant__user"
    PERSONAL_FIELDS: ClassVar = ("claimant_name", "claimant_contact")

    class Meta:
        verbose_name = _("safety claim")
        verbose_name_plural = _("safety claims")
        ordering = ["-received_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(claimant_kind=ClaimantKind.STAFF, claimant__isnull=False)
                           | (~Q(claimant_kind=ClaimantKind.STAFF) & Q(claimant__isnull=True)
                              & ~Q(claimant_name=""))),
                name="safetyclaim_staff_or_named_claimant",
                violation_error_message=_(
                    "A staff member's claim names their staff record; anyone else's, "
                    "their name.")),
            models.CheckConstraint(
                condition=~Q(status=ClaimStatus.SETTLED) | Q(amount_settled__isnull=False),
                name="safetyclaim_settled_has_amount",
                violation_error_message=_("A settled claim states the amount settled.")),
            models.CheckConstraint(
                condition=Q(amount_claimed__isnull=True) | Q(amount_claimed__gte=0),
                name="safetyclaim_amount_claimed_not_negative"),
            models.CheckConstraint(
                condition=Q(amount_settled__isnull=True) | Q(amount_settled__gte=0),
                name="safetyclaim_amount_settled_not_negative"),
        ]
        indexes = [models.Index(fields=["premises", "received_on"]),
                   models.Index(fields=["status", "received_on"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return self.reference_of(self.pk) if self.pk else "CLM-new"

    @staticmethod
    def reference_of(pk: int) -> str:
        return f"CLM-{pk:06d}"

    @property
    def claimant_label(self) -> str:
        """The claimant's name: personal data, for pages that may show it."""
        if self.claimant_id is not None and self.claimant is not None:
            return self.claimant.full_name
        return self.claimant_name


class ClaimEvent(models.Model):
    """One step in a claim's history: its recording, then each move, with who, when, and the
    note given."""

    claim = models.ForeignKey(SafetyClaim, on_delete=models.CASCADE, related_name="events",
                              verbose_name=_("claim"))
    at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True,
                              blank=True, related_name="+", verbose_name=_("by"))
    action = models.CharField(_("action"), max_length=20)
    from_status = models.CharField(_("from"), max_length=12, blank=True,
                                   choices=ClaimStatus.choices)
    to_status = models.CharField(_("to"), max_length=12, choices=ClaimStatus.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("claim history entry")
        verbose_name_plural = _("claim history")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.claim} · {self.action}"


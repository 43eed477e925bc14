"""Access control at headquarters duty stations and regional commissions: the zones of each
premises and the gates into them, the people who hold passes (staff, delegates, visitors,
contractors, media), and the passes, each valid for a time and for a set of zones.

Whether a pass admits its holder to a zone at a moment is a rule (hq.access_rules), read by the
gate, the entry-event import and the unauthorized-entry rules alike."""

from __future__ import annotations

import secrets
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import ScopeKind
from vigil.core.models import TimestampedModel, VersionedModel
from vigil.people.models import Organization, Person
from vigil.places.models import Country, DutyStation, Premises

__all__ = ["Gate", "HolderKind", "Pass", "PassHolder", "PassStatus", "Zone", "new_pass_token"]

# The scope of a record kept per premises.
PREMISES_SCOPE: dict[ScopeKind, str] = {
    ScopeKind.COUNTRY: "premises__duty_station__country",
    ScopeKind.SECURITY_AREA: "premises__duty_station__security_area",
    ScopeKind.DUTY_STATION: "premises__duty_station",
    ScopeKind.PREMISES: "premises",
}
# The scope of a record kept per headquarters duty station.
STATION_SCOPE: dict[ScopeKind, str] = {
    ScopeKind.COUNTRY: "duty_station__country",
    ScopeKind.SECURITY_AREA: "duty_station__security_area",
    ScopeKind.DUTY_STATION: "duty_station",
}


class Zone(TimestampedModel):
    """A part of a premises that a pass may open: the lobby, the conference wing, the
    Secretariat floors, the car park. ``restricted`` zones are shown as such at the gate."""

    premises = models.ForeignKey(Premises, on_delete=models.PROTECT, related_name="zones",
                                 verbose_name=_("premises"))
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=120)
    restricted = models.BooleanField(_("restricted"), default=False)
    active = models.BooleanField(_("in use"), default=True)

    scope_paths: ClassVar = PREMISES_SCOPE

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["premises__name", "code"]
        constraints = [models.UniqueConstraint(fields=["premises", "code"],
                                               name="zone_code_unique_per_premises")]

    def __str__(self) -> str:
        return f"{self.premises} · {self.name}"


class Gate(TimestampedModel):
    """A door, turnstile or vehicle gate of a premises, into one zone. ``code`` is the name the
    gate controller gives it in its exports."""

    premises = models.ForeignKey(Premises, on_delete=models.PROTECT, related_name="gates",
                                 verbose_name=_("premises"))
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="gates",
                             verbose_name=_("zone it opens"))
    code = models.CharField(_("controller code"), max_length=40)
    name = models.CharField(_("name"), max_length=120)
    active = models.BooleanField(_("in use"), default=True)

    scope_paths: ClassVar = PREMISES_SCOPE

    class Meta:
        verbose_name = _("gate")
        verbose_name_plural = _("gates")
        ordering = ["premises__name", "name"]
        constraints = [models.UniqueConstraint(fields=["premises", "code"],
                                               name="gate_code_unique_per_premises")]

    def __str__(self) -> str:
        return f"{self.premises} · {self.name}"


class HolderKind(models.TextChoices):
    STAFF = "staff", _("Staff")
    DELEGATE = "delegate", _("Delegate")
    VISITOR = "visitor", _("Visitor")
    CONTRACTOR = "contractor", _("Contractor")
    MEDIA = "media", _("Media")


class PassHolder(VersionedModel):
    """Someone who holds, or held, a pass at a headquarters duty station. Staff are linked to
    their staff record; delegates, visitors, contractors and media are recorded here. The
    identity document is personal data."""

    duty_station = models.ForeignKey(DutyStation, on_delete=models.PROTECT,
                                     related_name="pass_holders",
                                     verbose_name=_("duty station"))
    kind = models.CharField(_("kind"), max_length=12, choices=HolderKind.choices)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, null=True, blank=True,
                               related_name="pass_holders", verbose_name=_("staff member"))
    family_name = models.CharField(_("family name"), max_length=100)
    given_name = models.CharField(_("given name"), max_length=100, blank=True)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="pass_holders",
                                     verbose_name=_("organization"))
    # A delegation, a company or a media outlet: whoever the holder comes from, when that is
    # not a UN organization.
    affiliation = models.CharField(_("affiliation"), max_length=200, blank=True)
    nationality = models.ForeignKey(Country, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("nationality"))
    email = models.EmailField(_("e-mail"), blank=True)
    document_type = models.CharField(_("identity document"), max_length=40, blank=True)
    document_number = models.CharField(_("document number"), max_length=60, blank=True)

    scope_paths: ClassVar = STATION_SCOPE

    class Meta:
        verbose_name = _("pass holder")
        verbose_name_plural = _("pass holders")
        ordering = ["family_name", "given_name", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind=HolderKind.STAFF) | Q(person__isnull=True),
                                   name="passholder_only_staff_link_a_person",
                                   violation_error_message=_(
                                       "Only a staff member's pass links to a staff record.")),
        ]
        indexes = [models.Index(fields=["duty_station", "family_name"])]

    def __str__(self) -> str:
        return f"{self.family_name.upper()}, {self.given_name}".rstrip(", ")


class PassStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


def new_pass_token() -> str:
    """The secret a pass's QR code carries: unguessable, so a code cannot be made up."""
    return secrets.token_urlsafe(24)


class Pass(VersionedModel):
    """A pass: its number (printed and encoded in the card), its holder, the duty station it is
    valid at, its validity window and the zones it opens. Suspension can be lifted; revocation
    is final. An expired pass is one whose window has ended: that is read from the dates, not
    stored."""

    number = models.CharField(_("pass number"), max_length=40, unique=True)
    holder = models.ForeignKey(PassHolder, on_delete=models.PROTECT, related_name="passes",
                               verbose_name=_("holder"))
    duty_station = models.ForeignKey(DutyStation, on_delete=models.PROTECT,
                                     related_name="passes", verbose_name=_("duty station"))
    kind = models.CharField(_("type"), max_length=12, choices=HolderKind.choices)
    zones = models.ManyToManyField(Zone, related_name="passes", blank=True,
                                   verbose_name=_("zones"))
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"), db_index=True)
    status = models.CharField(_("status"), max_length=10, choices=PassStatus.choices,
                              default=PassStatus.ACTIVE)
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    status_changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                          null=True, blank=True, related_name="+",
                                          verbose_name=_("status changed by"))
    # What the QR code carries (with the number); a gate that scans it asks Vigil.
    token = models.CharField(_("code secret"), max_length=40, unique=True,
                             default=new_pass_token, editable=False)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  null=True, blank=True, related_name="+",
                                  verbose_name=_("issued by"))

    scope_paths: ClassVar = STATION_SCOPE

    class Meta:
        verbose_name = _("pass")
        verbose_name_plural = _("passes")
        ordering = ["-valid_from", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(valid_until__gt=F("valid_from")),
                                   name="pass_window_ends_after_it_starts",
                                   violation_error_message=_(
                                       "A pass must end after it starts.")),
        ]
        indexes = [models.Index(fields=["duty_station", "status", "valid_until"])]

    def __str__(self) -> str:
        return f"{self.number} · {self.holder}"

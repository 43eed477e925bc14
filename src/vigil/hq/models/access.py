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
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import ScopeKind
from vigil.core.models import TimestampedModel, VersionedModel
from vigil.hq.access_rules import (
    PassCondition,
    pass_condition,
    pass_moves_from,
    visit_moves_from,
)
from vigil.people.models import Organization, Person
from vigil.places.models import Country, DutyStation, Premises

__all__ = [
    "Accreditation", "AccreditationStatus", "Delegation", "DelegationKind", "Gate", "HolderKind",
    "Meeting", "MeetingKind", "Pass", "PassHolder", "PassNumberSequence", "PassStatus", "Visit",
    "VisitStatus", "Zone", "new_pass_token",
]

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
    token = models.CharField(_("secret code"), max_length=40, unique=True,
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

    @property
    def condition(self) -> PassCondition:
        """What the pass is now: valid, not yet valid, expired, suspended or revoked."""
        return pass_condition(self.status, self.valid_from, self.valid_until, timezone.now())

    @property
    def moves(self) -> list[str]:
        """The lifecycle moves its status allows (suspend, reinstate, revoke)."""
        return [m.value for m in pass_moves_from(self.status)]


class PassNumberSequence(models.Model):
    """The last pass number given at a duty station: pass numbers are read aloud and printed,
    so they are short and counted per station ("NYC-004217"), not random. The row is locked
    while a number is taken, so two issues never get the same one."""

    duty_station = models.OneToOneField(DutyStation, on_delete=models.CASCADE,
                                        related_name="+", verbose_name=_("duty station"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("pass number sequence")
        verbose_name_plural = _("pass number sequences")

    def __str__(self) -> str:
        return f"{self.duty_station_id}: {self.last}"


class VisitStatus(models.TextChoices):
    EXPECTED = "expected", _("Expected")
    ARRIVED = "arrived", _("Arrived")
    DEPARTED = "departed", _("Departed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


class Visit(VersionedModel):
    """A visitor expected at a premises by a host (a staff member), for a purpose, within a
    window. Reception checks the visitor's identity document before recording the arrival;
    the host is told when the visitor arrives. A visit pre-registered by its host carries a
    visitor pass valid no longer than the window."""

    premises = models.ForeignKey(Premises, on_delete=models.PROTECT, related_name="visits",
                                 verbose_name=_("premises"))
    host = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="hosted_visits",
                             verbose_name=_("host"))
    visitor = models.ForeignKey(PassHolder, on_delete=models.PROTECT, related_name="visits",
                                verbose_name=_("visitor"))
    purpose = models.CharField(_("purpose"), max_length=300)
    expected_from = models.DateTimeField(_("expected from"))
    expected_until = models.DateTimeField(_("expected until"))
    status = models.CharField(_("status"), max_length=10, choices=VisitStatus.choices,
                              default=VisitStatus.EXPECTED)
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)
    document_checked_at = models.DateTimeField(_("identity document checked"), null=True,
                                               blank=True)
    document_checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                            null=True, blank=True, related_name="+",
                                            verbose_name=_("identity document checked by"))
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    arrival_gate = models.ForeignKey(Gate, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("arrival gate"))
    arrival_recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                            null=True, blank=True, related_name="+",
                                            verbose_name=_("arrival recorded by"))
    departed_at = models.DateTimeField(_("departed"), null=True, blank=True)
    pass_issued = models.OneToOneField(Pass, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="visit", verbose_name=_("pass"))
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                      null=True, blank=True, related_name="+",
                                      verbose_name=_("registered by"))
    # Pre-registered by the host themself (their visitor gets a pass with a QR code).
    pre_registered = models.BooleanField(_("pre-registered by the host"), default=False)

    scope_paths: ClassVar = PREMISES_SCOPE
    # A host reads and registers their own visitors (Perm.HOST_VISITOR, Reach.OWN).
    owner_path: ClassVar = "host__user"

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["expected_from", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(expected_until__gt=F("expected_from")),
                                   name="visit_window_ends_after_it_starts",
                                   violation_error_message=_(
                                       "A visit must end after it starts.")),
        ]
        indexes = [models.Index(fields=["premises", "expected_from"]),
                   models.Index(fields=["premises", "status"])]

    def __str__(self) -> str:
        return f"{self.visitor} → {self.host}"

    @property
    def moves(self) -> list[str]:
        """The moves its status allows (arrive, depart, cancel, no_show)."""
        return [m.value for m in visit_moves_from(self.status)]


class MeetingKind(models.TextChoices):
    GENERAL_ASSEMBLY = "ga_session", _("General Assembly session")
    CONFERENCE = "conference", _("Conference")
    MEETING = "meeting", _("Meeting")
    OTHER = "other", _("Other event")


class Meeting(VersionedModel):
    """A meeting or event at a headquarters duty station (a General Assembly session, a
    conference): the premises and zones its delegates may enter, and its dates (in the duty
    station's time zone, both days included). Event passes are valid for those dates and zones
    only."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=MeetingKind.choices)
    duty_station = models.ForeignKey(DutyStation, on_delete=models.PROTECT,
                                     related_name="meetings", verbose_name=_("duty station"))
    premises = models.ForeignKey(Premises, on_delete=models.PROTECT, related_name="meetings",
                                 verbose_name=_("premises"))
    zones = models.ManyToManyField(Zone, related_name="meetings", blank=True,
                                   verbose_name=_("zones"))
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="+",
                                   verbose_name=_("created by"))

    scope_paths: ClassVar = STATION_SCOPE

    class Meta:
        verbose_name = _("meeting or event")
        verbose_name_plural = _("meetings and events")
        ordering = ["-starts_on", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")),
                                   name="meeting_ends_on_or_after_it_starts",
                                   violation_error_message=_(
                                       "A meeting cannot end before it starts.")),
        ]

    def __str__(self) -> str:
        return self.name


class DelegationKind(models.TextChoices):
    MEMBER_STATE = "member_state", _("Member State")
    OBSERVER_STATE = "observer_state", _("Observer State")
    IGO = "igo", _("Intergovernmental organization")
    NGO = "ngo", _("Non-governmental organization")
    UN_ENTITY = "un_entity", _("United Nations entity")
    OTHER = "other", _("Other")


class Delegation(TimestampedModel):
    """A delegation accredited to a meeting: a Member State or observer State (named by its
    country), an intergovernmental or non-governmental organization."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="delegations",
                                verbose_name=_("meeting"))
    kind = models.CharField(_("kind"), max_length=16, choices=DelegationKind.choices)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("country"))
    name = models.CharField(_("name"), max_length=200)

    scope_paths: ClassVar = {
        ScopeKind.COUNTRY: "meeting__duty_station__country",
        ScopeKind.SECURITY_AREA: "meeting__duty_station__security_area",
        ScopeKind.DUTY_STATION: "meeting__duty_station",
    }

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegations")
        ordering = ["meeting", "name"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "name"],
                                    name="delegation_name_unique_per_meeting",
                                    violation_error_message=_(
                                        "This meeting already has a delegation of that name.")),
            models.CheckConstraint(
                condition=~Q(kind__in=["member_state", "observer_state"])
                | Q(country__isnull=False),
                name="delegation_state_names_its_country",
                violation_error_message=_("A State's delegation names its country.")),
        ]

    def __str__(self) -> str:
        return self.name


class AccreditationStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCREDITED = "accredited", _("Accredited")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Accreditation(VersionedModel):
    """A delegate accredited to a meeting within a delegation, and the event pass they were
    given. Withdrawing the accreditation suspends or revokes that pass."""

    delegation = models.ForeignKey(Delegation, on_delete=models.CASCADE,
                                   related_name="accreditations", verbose_name=_("delegation"))
    holder = models.ForeignKey(PassHolder, on_delete=models.PROTECT,
                               related_name="accreditations", verbose_name=_("delegate"))
    function = models.CharField(_("function"), max_length=120, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=AccreditationStatus.choices,
                              default=AccreditationStatus.REQUESTED)
    status_reason = models.CharField(_("reason"), max_length=300, blank=True)
    status_changed_at = models.DateTimeField(_("status changed"), null=True, blank=True)
    status_changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                          null=True, blank=True, related_name="+",
                                          verbose_name=_("status changed by"))
    pass_issued = models.OneToOneField(Pass, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="accreditation", verbose_name=_("pass"))

    scope_paths: ClassVar = {
        ScopeKind.COUNTRY: "delegation__meeting__duty_station__country",
        ScopeKind.SECURITY_AREA: "delegation__meeting__duty_station__security_area",
        ScopeKind.DUTY_STATION: "delegation__meeting__duty_station",
    }

    class Meta:
        verbose_name = _("accreditation")
        verbose_name_plural = _("accreditations")
        ordering = ["delegation", "holder__family_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["delegation", "holder"],
                                    name="accreditation_once_per_delegation",
                                    violation_error_message=_(
                                        "This delegate is already in this delegation.")),
        ]

    def __str__(self) -> str:
        return f"{self.holder} · {self.delegation}"

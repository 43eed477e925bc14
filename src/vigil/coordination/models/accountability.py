"""The accountability framework: who holds each security function in each place, since when
and until when, and which functions each place must have filled.

An appointment is the record of accountability (the letter of appointment); the access it
needs is a role grant (core.RoleGrant) that the appointment's service creates and ends with
it (coordination.accountability_rules.FUNCTION_ROLE). A function held before is an appointment
that has ended: the history is never deleted."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import ScopeKind
from vigil.core.models import RoleGrant, VersionedModel
from vigil.people.models import Organization
from vigil.places.models import Country, DutyStation, SecurityArea

__all__ = ["Appointment", "Function", "PlaceLevel", "RoleRequirement"]

# Coordination records belong to a country, and may narrow to an area or a duty station.
PLACE_SCOPE = {ScopeKind.COUNTRY: "country", ScopeKind.SECURITY_AREA: "security_area",
               ScopeKind.DUTY_STATION: "duty_station"}


class Function(models.TextChoices):
    """The security functions of the UNSMS framework of accountability."""

    DESIGNATED_OFFICIAL = "designated_official", _("Designated official")
    DEPUTY_DESIGNATED_OFFICIAL = "deputy_designated_official", _("Deputy designated official")
    SMT_MEMBER = "smt_member", _("SMT member")
    CHIEF_SECURITY_ADVISER = "chief_security_adviser", _("Chief security adviser")
    FIELD_SECURITY_OFFICER = "field_security_officer", _("Field security officer")
    WARDEN = "warden", _("Warden")
    ZONE_WARDEN = "zone_warden", _("Zone warden")


class PlaceLevel(models.TextChoices):
    COUNTRY = "country", _("Country")
    SECURITY_AREA = "security_area", _("Security area")
    DUTY_STATION = "duty_station", _("Duty station")


class AppointmentQuerySet(models.QuerySet["Appointment"]):
    def in_force(self, on: dt.date) -> AppointmentQuerySet:
        """The appointments held on ``on``: started, and not ended before it."""
        return self.filter(Q(starts_on__lte=on) & (Q(ends_on__isnull=True) | Q(ends_on__gte=on)))


class Appointment(VersionedModel):
    """A user holds a security function in a country, or in one of its areas or duty stations,
    from ``starts_on`` to ``ends_on`` inclusive (open while ``ends_on`` is empty)."""

    function = models.CharField(_("function"), max_length=32, choices=Function.choices,
                                db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                             related_name="security_appointments", verbose_name=_("appointee"))
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT,
                                     related_name="security_appointments",
                                     verbose_name=_("organization represented"))
    country = models.ForeignKey(Country, on_delete=models.PROTECT,
                                related_name="security_appointments", verbose_name=_("country"))
    security_area = models.ForeignKey(SecurityArea, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="security_appointments",
                                      verbose_name=_("security area"))
    duty_station = models.ForeignKey(DutyStation, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="security_appointments",
                                     verbose_name=_("duty station"))
    zone = models.CharField(_("warden zone"), max_length=120, blank=True,
                            help_text=_("For a zone warden: the zone of the duty station."))
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True,
                               help_text=_("The last day the function is held. Empty while "
                                           "it is held."))
    reference = models.CharField(_("letter of appointment"), max_length=200, blank=True,
                                 help_text=_("The reference of the letter or decision."))
    end_reason = models.CharField(_("reason for ending"), max_length=200, blank=True)
    appointed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                     null=True, blank=True, related_name="+",
                                     verbose_name=_("recorded by"))
    # The role grant this appointment made, ended with it. Empty when the appointee already
    # held that access (then ending the appointment leaves it alone) or the function needs none.
    grant = models.ForeignKey(RoleGrant, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("role grant"))

    scope_paths: ClassVar = PLACE_SCOPE
    owner_path: ClassVar = "user"

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["country__name", "function", "-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__isnull=True)
                                   | Q(ends_on__gte=F("starts_on")),
                                   name="appointment_ends_after_start"),
        ]
        indexes = [models.Index(fields=["country", "function", "ends_on"])]

    def __str__(self) -> str:
        return f"{self.get_function_display()} · {self.user} · {self.place_label}"

    @property
    def place_label(self) -> str:
        place = self.duty_station or self.security_area or self.country
        return f"{place} · {self.zone}" if self.zone else str(place)


class RoleRequirement(VersionedModel):
    """A function every place of a level must have filled, by at least ``minimum`` holders,
    once the security level in force there reaches ``from_security_level``. The gap board
    lists the places where it is not (coordination.accountability_rules)."""

    function = models.CharField(_("function"), max_length=32, choices=Function.choices)
    level = models.CharField(_("for each"), max_length=16, choices=PlaceLevel.choices)
    minimum = models.PositiveSmallIntegerField(_("at least"), default=1,
                                               validators=[MinValueValidator(1),
                                                           MaxValueValidator(50)])
    from_security_level = models.PositiveSmallIntegerField(
        _("from security level"), default=1,
        validators=[MinValueValidator(1), MaxValueValidator(6)],
        help_text=_("Required where the highest security level in force is at least this."))
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("role requirement")
        verbose_name_plural = _("role requirements")
        ordering = ["level", "function"]
        constraints = [
            models.UniqueConstraint(fields=["function", "level"],
                                    name="rolerequirement_unique_function_level"),
            models.CheckConstraint(condition=Q(from_security_level__gte=1,
                                               from_security_level__lte=6),
                                   name="rolerequirement_level_1_to_6"),
        ]

    def __str__(self) -> str:
        return f"{self.get_function_display()} · {self.get_level_display()} ≥ {self.minimum}"

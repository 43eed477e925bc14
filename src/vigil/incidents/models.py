"""Incidents: the security return. What happened, when and where, to whom and to what.

The categories are a configurable taxonomy (IncidentCategory, seeded with the public SSIRS
reporting groups). An incident counts its casualties twice over, on purpose: the named UN
personnel and dependants affected (AffectedPerson, each with an impact) and the reported
totals (``killed`` … ``affected``), which also hold what an external source such as the Aid
Worker Security Database reports about people who are not in Vigil. The totals are never below
the named count of each impact: services keep them so.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import ScopeKind
from vigil.core.models import TimestampedModel, VersionedModel
from vigil.incidents import taxonomy
from vigil.people.models import Dependant, Organization, Person
from vigil.places.models import (
    LATITUDE_VALIDATORS,
    LONGITUDE_VALIDATORS,
    Country,
    DutyStation,
    Premises,
    SecurityArea,
    coordinate_constraints,
    validate_time_zone,
)


class IncidentCategory(TimestampedModel):
    """A category, or a subcategory when it has a parent. Codes are stable; names translate."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="children", verbose_name=_("category"))
    active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("incident category")
        verbose_name_plural = _("incident categories")
        ordering = ["order", "name"]

    def __str__(self) -> str:
        if self.parent_id and self.parent:
            return f"{self.parent.label} / {self.label}"
        return self.label

    @property
    def label(self) -> str:
        return taxonomy.label(self.code, self.name)


class Impact(models.TextChoices):
    KILLED = "killed", _("Killed")
    INJURED = "injured", _("Injured")
    ABDUCTED = "abducted", _("Abducted")
    MISSING = "missing", _("Missing")
    DETAINED = "detained", _("Arrested or detained")
    AFFECTED = "affected", _("Affected")


IMPACT_FIELDS = [impact.value for impact in Impact]


class Incident(VersionedModel):
    class Verification(models.TextChoices):
        UNVERIFIED = "unverified", _("Not verified")
        VERIFIED = "verified", _("Verified")
        DISPUTED = "disputed", _("Disputed")
        FALSE = "false", _("False report")

    class Source(models.TextChoices):
        REPORT = "report", _("Security return")
        AWSD = "awsd", _("Aid Worker Security Database")
        CAP = "cap", _("CAP alert")

    class CountryBasis(models.TextChoices):
        """How Vigil found the country (blank: given with the record, or recorded before
        Vigil kept this). See docs/places-by-shape.md."""

        STATION = "station", _("the duty station")
        POINT = "point", _("the country outline holding the point")
        GEOCODE = "geocode", _("the ISO 3166 geocode of the alert's area")
        AREA = "area", _("the country outline holding most of the alert's area")
        AUTHORITY = "authority", _("the alerting authority's WMO identifier")
        FEED = "feed", _("the country set on the CAP feed")

    category = models.ForeignKey(IncidentCategory, on_delete=models.PROTECT,
                                 related_name="incidents", verbose_name=_("category"),
                                 limit_choices_to={"parent__isnull": True})
    subcategory = models.ForeignKey(IncidentCategory, on_delete=models.PROTECT, null=True,
                                    blank=True, related_name="sub_incidents",
                                    verbose_name=_("subcategory"),
                                    limit_choices_to={"parent__isnull": False})
    title = models.CharField(_("title"), max_length=200)
    occurred_at = models.DateTimeField(_("occurred at"), db_index=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="UTC",
                                 validators=[validate_time_zone])
    # True when the source gives only a year or a month: occurred_at is then its first day.
    date_approximate = models.BooleanField(_("date approximate"), default=False)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="incidents", verbose_name=_("country"))
    security_area = models.ForeignKey(SecurityArea, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="incidents",
                                      verbose_name=_("security area"))
    duty_station = models.ForeignKey(DutyStation, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="incidents",
                                     verbose_name=_("duty station"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    latitude = models.FloatField(_("latitude"), null=True, blank=True,
                                 validators=LATITUDE_VALIDATORS)
    longitude = models.FloatField(_("longitude"), null=True, blank=True,
                                  validators=LONGITUDE_VALIDATORS)
    # Filled when Vigil placed the country; the distance when no outline held the place and
    # the nearest country (within 50 km) was taken instead.
    country_basis = models.CharField(_("country found from"), max_length=10, blank=True,
                                     choices=CountryBasis.choices)
    country_distance_km = models.FloatField(_("distance to the country taken (km)"),
                                            null=True, blank=True)
    # The affected area, when the incident covers one (a CAP alert's polygons and circles):
    # a GeoJSON geometry, longitude first (RFC 7946).
    area_geometry = models.JSONField(_("affected area"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("source of information"), max_length=300, blank=True)
    verification = models.CharField(_("verification"), max_length=12,
                                    choices=Verification.choices, default=Verification.UNVERIFIED)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True,
                                     blank=True, related_name="incidents",
                                     verbose_name=_("organization"))
    killed = models.PositiveIntegerField(_("killed"), default=0)
    injured = models.PositiveIntegerField(_("injured"), default=0)
    abducted = models.PositiveIntegerField(_("abducted"), default=0)
    missing = models.PositiveIntegerField(_("missing"), default=0)
    detained = models.PositiveIntegerField(_("arrested or detained"), default=0)
    affected = models.PositiveIntegerField(_("otherwise affected"), default=0)
    # Where the record came from, and its id there: an import of the same source id again
    # updates nothing and adds nothing.
    source_kind = models.CharField(_("recorded from"), max_length=8, choices=Source.choices,
                                   default=Source.REPORT)
    source_id = models.CharField(_("id at the source"), max_length=200, blank=True)
    # What the source says that Vigil's own fields do not hold (AWSD's means of attack,
    # context, motive, actor; a CAP alert's urgency, severity, certainty...).
    source_details = models.JSONField(_("details from the source"), default=dict, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("reported by"))

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "country", ScopeKind.SECURITY_AREA: "security_area",
                             ScopeKind.DUTY_STATION: "duty_station",
                             ScopeKind.ORGANIZATION: "organization"}

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            *coordinate_constraints("incident", "latitude", "longitude"),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="incident_both_coordinates_or_none",
                violation_error_message=_(
                    "Give both the latitude and the longitude, or neither.")),
            models.UniqueConstraint(fields=["source_kind", "source_id"],
                                    condition=~Q(source_id=""), name="incident_source_id_unique"),
        ]
        indexes = [models.Index(fields=["country", "occurred_at"]),
                   models.Index(fields=["category", "occurred_at"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return self.reference_of(self.pk) if self.pk else "INC-new"

    @staticmethod
    def reference_of(pk: int) -> str:
        return f"INC-{pk:06d}"

    @property
    def casualties(self) -> int:
        return sum(getattr(self, name) for name in IMPACT_FIELDS)


class AffectedPerson(TimestampedModel):
    """A staff member or an eligible dependant affected by an incident, and how."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE,
                                 related_name="affected_people", verbose_name=_("incident"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="incidents",
                               verbose_name=_("staff member"))
    dependant = models.ForeignKey(Dependant, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="incidents", verbose_name=_("dependant"))
    impact = models.CharField(_("impact"), max_length=10, choices=Impact.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("person affected")
        verbose_name_plural = _("people affected")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "person"],
                                    condition=Q(dependant__isnull=True),
                                    name="affected_staff_once"),
            models.UniqueConstraint(fields=["incident", "dependant"],
                                    condition=Q(dependant__isnull=False),
                                    name="affected_dependant_once"),
        ]

    def __str__(self) -> str:
        return f"{self.incident.reference}: {self.dependant or self.person} ({self.impact})"


class AffectedAsset(TimestampedModel):
    """Premises or another asset (vehicle, equipment) damaged or lost in an incident."""

    class Damage(models.TextChoices):
        NONE = "none", _("No damage")
        MINOR = "minor", _("Minor damage")
        MAJOR = "major", _("Major damage")
        DESTROYED = "destroyed", _("Destroyed or lost")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE,
                                 related_name="affected_assets", verbose_name=_("incident"))
    premises = models.ForeignKey(Premises, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="incidents", verbose_name=_("premises"))
    asset = models.CharField(_("asset"), max_length=200, blank=True,
                             help_text=_("A vehicle, equipment or other property."))
    damage = models.CharField(_("damage"), max_length=10, choices=Damage.choices,
                              default=Damage.MINOR)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("asset affected")
        verbose_name_plural = _("assets affected")
        ordering = ["pk"]
        constraints = [models.CheckConstraint(
            condition=Q(premises__isnull=False) | ~Q(asset=""),
            name="affected_asset_names_something",
            violation_error_message=_("Name the premises or the asset."))]

    def __str__(self) -> str:
        return str(self.premises or self.asset)

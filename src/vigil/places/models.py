from __future__ import annotations

import gettext
from functools import cache
from typing import ClassVar

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import ScopeKind
from vigil.core.models import VersionedModel
from vigil.places import rules

# pycountry's catalogs are named after gettext locales, not Django language codes.
_PYCOUNTRY_LOCALE = {"zh-hans": "zh_CN", "ar": "ar", "fr": "fr", "ru": "ru", "es": "es"}


@cache
def _country_catalog(language: str) -> gettext.NullTranslations:
    locale = _PYCOUNTRY_LOCALE.get(language)
    if locale is None:
        return gettext.NullTranslations()
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale],
                               fallback=True)


def validate_time_zone(value: str) -> None:
    if not rules.is_time_zone(value):
        raise ValidationError(_("“%(value)s” is not an IANA time zone, such as Africa/Nairobi."),
                              params={"value": value}, code="invalid")


LATITUDE_VALIDATORS = [MinValueValidator(-90.0), MaxValueValidator(90.0)]
LONGITUDE_VALIDATORS = [MinValueValidator(-180.0), MaxValueValidator(180.0)]


def coordinate_constraints(prefix: str, lat: str, lon: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(condition=Q(**{f"{lat}__gte": -90}) & Q(**{f"{lat}__lte": 90}),
                               name=f"{prefix}_latitude_range"),
        models.CheckConstraint(condition=Q(**{f"{lon}__gte": -180})
                               & Q(**{f"{lon}__lte": 180}),
                               name=f"{prefix}_longitude_range"),
    ]


class Region(models.TextChoices):
    """The UN geographic regions (UN Statistics Division, M49), as Natural Earth gives them."""

    AFRICA = "africa", _("Africa")
    AMERICAS = "americas", _("Americas")
    ASIA = "asia", _("Asia")
    EUROPE = "europe", _("Europe")
    OCEANIA = "oceania", _("Oceania")
    ANTARCTICA = "antarctica", _("Antarctica")
    SEVEN_SEAS = "seven_seas", _("Open ocean")


class Country(models.Model):
    """An ISO 3166-1 country, loaded from pycountry. Names show in the reader's language."""

    iso2 = models.CharField(_("ISO alpha-2"), max_length=2, unique=True)
    iso3 = models.CharField(_("ISO alpha-3"), max_length=3, unique=True)
    numeric = models.CharField(_("ISO numeric"), max_length=3)
    name = models.CharField(_("name"), max_length=100)
    official_name = models.CharField(_("official name"), max_length=200, blank=True)
    region = models.CharField(_("region"), max_length=12, choices=Region.choices, blank=True,
                              db_index=True)

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "pk"}

    class Meta:
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.local_name

    @property
    def local_name(self) -> str:
        return _country_catalog(translation.get_language() or "en").gettext(self.name)


class SecurityArea(VersionedModel):
    """A security level area within a country, optionally with a GeoJSON boundary."""

    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="security_areas",
                                verbose_name=_("country"))
    code = models.CharField(_("code"), max_length=20, validators=[RegexValidator(
        r"^[A-Z0-9][A-Z0-9-]*$", _("Use capital letters, digits and hyphens."))])
    name = models.CharField(_("name"), max_length=120)
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "country", ScopeKind.SECURITY_AREA: "pk"}

    class Meta:
        verbose_name = _("security area")
        verbose_name_plural = _("security areas")
        ordering = ["country__name", "name"]
        constraints = [models.UniqueConstraint(fields=["country", "code"],
                                               name="securityarea_code_unique_in_country")]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.boundary is not None:
            problem = rules.boundary_problem(self.boundary)
            if problem:
                raise ValidationError({"boundary": problem})


# What each kind of place says when it lies in another country than the record's.
_OUTSIDE_COUNTRY = {
    "security_area": _("This security area belongs to another country."),
    "duty_station": _("This duty station is in another country."),
}


def check_in_country(obj: models.Model, *fields: str) -> None:
    """The one rule that a record's security area and duty station, where it names them, lie
    in the record's own country (``obj.country``). Raises every fault, each on its field."""
    country_id = getattr(obj, "country_id", None)
    if not country_id:
        return
    errors = {}
    for name in fields:
        place = getattr(obj, name) if getattr(obj, f"{name}_id", None) else None
        if place is not None and place.country_id != country_id:
            errors[name] = _OUTSIDE_COUNTRY[name]
    if errors:
        raise ValidationError(errors)


class DutyStation(VersionedModel):
    class Kind(models.TextChoices):
        HEADQUARTERS = "hq", _("Headquarters")
        REGIONAL_COMMISSION = "rc", _("Regional commission")
        FIELD = "field", _("Field")

    code = models.CharField(_("code"), max_length=12, unique=True, validators=[RegexValidator(
        rules.DUTY_STATION_CODE, _("2 to 12 capital letters, digits or hyphens."))])
    name = models.CharField(_("name"), max_length=120)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="duty_stations",
                                verbose_name=_("country"))
    security_area = models.ForeignKey(SecurityArea, on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="duty_stations",
                                      verbose_name=_("security area"))
    latitude = models.FloatField(_("latitude"), validators=LATITUDE_VALIDATORS)
    longitude = models.FloatField(_("longitude"), validators=LONGITUDE_VALIDATORS)
    time_zone = models.CharField(_("time zone"), max_length=64,
                                 validators=[validate_time_zone])
    kind = models.CharField(_("type"), max_length=8, choices=Kind.choices, default=Kind.FIELD)
    is_active = models.BooleanField(_("active"), default=True)

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "country",
                             ScopeKind.SECURITY_AREA: "security_area",
                             ScopeKind.DUTY_STATION: "pk"}

    class Meta:
        verbose_name = _("duty station")
        verbose_name_plural = _("duty stations")
        ordering = ["name"]
        constraints = coordinate_constraints("dutystation", "latitude", "longitude")
        indexes = [models.Index(fields=["country", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def clean(self) -> None:
        check_in_country(self, "security_area")


class Premises(VersionedModel):
    """A UN building or compound at a duty station."""

    duty_station = models.ForeignKey(DutyStation, on_delete=models.PROTECT,
                                     related_name="premises", verbose_name=_("duty station"))
    name = models.CharField(_("name"), max_length=150)
    address = models.TextField(_("address"))
    latitude = models.FloatField(_("latitude"), validators=LATITUDE_VALIDATORS)
    longitude = models.FloatField(_("longitude"), validators=LONGITUDE_VALIDATORS)
    staff_capacity = models.PositiveIntegerField(_("staff capacity"), default=0)
    visitor_capacity = models.PositiveIntegerField(_("visitor capacity"), default=0)
    public_access = models.BooleanField(_("open to the public"), default=False)

    scope_paths: ClassVar = {ScopeKind.COUNTRY: "duty_station__country",
                             ScopeKind.SECURITY_AREA: "duty_station__security_area",
                             ScopeKind.DUTY_STATION: "duty_station",
                             ScopeKind.PREMISES: "pk"}

    class Meta:
        verbose_name = _("premises")
        verbose_name_plural = _("premises")
        ordering = ["duty_station__name", "name"]
        constraints = coordinate_constraints("premises", "latitude", "longitude")

    def __str__(self) -> str:
        return self.name

"""A slice of the UN system that a figure is computed for: the whole system, one region, one
country, one duty station or one organization. Plain data, so that every app's selectors can
take one (``within=``) without knowing who asks for it (the performance app).

A record type says how it reaches each kind of place with ``SlicePaths``: the ORM path to its
country, its duty station and its organization. A region goes through the country. A record
that cannot be placed in a kind of slice (a security level has no organization) answers
``None`` for it, and the figure is "no data" for that slice, never a figure over everything."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SliceKind(StrEnum):
    SYSTEM = "system"
    REGION = "region"
    COUNTRY = "country"
    DUTY_STATION = "duty_station"
    ORGANIZATION = "organization"

    @property
    def label(self) -> str:
        return str(SLICE_LABELS[self])


SLICE_LABELS = {SliceKind.SYSTEM: _("Whole system"), SliceKind.REGION: _("Region"),
                SliceKind.COUNTRY: _("Country"), SliceKind.DUTY_STATION: _("Duty station"),
                SliceKind.ORGANIZATION: _("Organization")}


@dataclass(frozen=True)
class SlicePaths:
    """How a record reaches its country, duty station and organization ('' = it cannot)."""

    country: str = ""
    duty_station: str = ""
    organization: str = ""


@dataclass(frozen=True)
class Slice:
    kind: SliceKind = SliceKind.SYSTEM
    # A region's code (places.Region), or the id of a country, duty station or organization.
    value: str | int | None = None

    @classmethod
    def system(cls) -> Slice:
        return cls()

    def q(self, paths: SlicePaths, prefix: str = "") -> Q | None:
        """The filter that keeps a record type's rows inside the slice; None when that type
        cannot be placed in this kind of slice. ``prefix`` starts each path (for a related
        record: "person__")."""
        if self.kind is SliceKind.SYSTEM:
            return Q()
        if self.kind is SliceKind.REGION:
            path = paths.country and f"{paths.country}__region"
        elif self.kind is SliceKind.COUNTRY:
            path = paths.country
        elif self.kind is SliceKind.DUTY_STATION:
            path = paths.duty_station
        else:
            path = paths.organization
        if not path:
            return None
        return Q(**{f"{prefix}{path}": self.value})

"""Reads of programme performance: which slices a viewer may see, each indicator's settings,
and the actual, the previous period's actual, the baseline and the target of an indicator for
a period and a slice. The figures are computed each time from the records, by the indicator's
own compute function (performance.indicators), never stored."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from vigil.core.authz import grants_of
from vigil.core.roles import ROLE_PERMISSIONS, Perm, ScopeKind
from vigil.core.slices import Slice, SliceKind
from vigil.people.models import Organization
from vigil.performance import registry, rules
from vigil.performance.definitions import Indicator, Records
from vigil.performance.models import IndicatorSetting, Target
from vigil.places.models import Country, DutyStation, Region

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser


def _scopes(user: AnyUser) -> list[tuple[ScopeKind, int | None]]:
    return [(g.scope_kind, g.scope_id) for g in grants_of(user)
            if Perm.VIEW_PERFORMANCE in ROLE_PERMISSIONS[g.role]]


def may_view(user: AnyUser) -> bool:
    return bool(_scopes(user))


def sees_everything(user: AnyUser) -> bool:
    return any(kind is ScopeKind.GLOBAL for kind, _ in _scopes(user))


def may_view_slice(user: AnyUser, where: Slice) -> bool:
    """A global grant sees every slice; a country grant that country and its duty stations; a
    duty station grant that station; an organization grant that organization. The whole
    system and the regions need a global grant."""
    scopes = _scopes(user)
    if any(kind is ScopeKind.GLOBAL for kind, _ in scopes):
        return True
    if where.kind is SliceKind.COUNTRY:
        return (ScopeKind.COUNTRY, where.value) in scopes
    if where.kind is SliceKind.DUTY_STATION:
        country_id = DutyStation.objects.filter(pk=int(where.value or 0)).values_list(
            "country_id", flat=True).first()
        return ((ScopeKind.DUTY_STATION, where.value) in scopes
                or (ScopeKind.COUNTRY, country_id) in scopes)
    if where.kind is SliceKind.ORGANIZATION:
        return (ScopeKind.ORGANIZATION, where.value) in scopes
    return False


def default_slice(user: AnyUser) -> Slice | None:
    """The slice a viewer starts on: the whole system, or their first country, duty station
    or organization."""
    scopes = _scopes(user)
    if any(kind is ScopeKind.GLOBAL for kind, _ in scopes):
        return Slice.system()
    for wanted, slice_kind in ((ScopeKind.COUNTRY, SliceKind.COUNTRY),
                               (ScopeKind.DUTY_STATION, SliceKind.DUTY_STATION),
                               (ScopeKind.ORGANIZATION, SliceKind.ORGANIZATION)):
        for kind, scope_id in scopes:
            if kind is wanted:
                return Slice(slice_kind, scope_id)
    return None


class SliceError(ValueError):
    """A slice written wrongly or naming nothing that exists."""


def parse_slice(kind: str, value: str | None) -> Slice:
    """Read a slice from a query string: ``system``, ``region`` with a region code,
    ``country`` with an ISO alpha-2 code or an id, ``duty_station`` or ``organization`` with
    an id (an organization also by its code)."""
    try:
        slice_kind = SliceKind(kind or SliceKind.SYSTEM)
    except ValueError as error:
        raise SliceError("unknown_kind") from error
    if slice_kind is SliceKind.SYSTEM:
        return Slice.system()
    text = (value or "").strip()
    if not text:
        raise SliceError("missing_value")
    if slice_kind is SliceKind.REGION:
        if text not in Region.values:
            raise SliceError("unknown_region")
        return Slice(slice_kind, text)
    found: Any
    if slice_kind is SliceKind.COUNTRY:
        found = Country.objects.filter(iso2=text.upper()).values_list("pk", flat=True).first() \
            if not text.isdigit() else Country.objects.filter(pk=int(text)).values_list(
                "pk", flat=True).first()
    elif slice_kind is SliceKind.DUTY_STATION:
        found = DutyStation.objects.filter(pk=int(text)).values_list("pk", flat=True).first() \
            if text.isdigit() else None
    else:
        found = Organization.objects.filter(pk=int(text)).values_list("pk", flat=True).first() \
            if text.isdigit() else Organization.objects.filter(code=text).values_list(
                "pk", flat=True).first()
    if found is None:
        raise SliceError("unknown_place")
    return Slice(slice_kind, int(found))


def slice_label(where: Slice) -> str:
    if where.kind is SliceKind.SYSTEM:
        return str(where.kind.label)
    if where.kind is SliceKind.REGION:
        return str(Region(str(where.value)).label)
    model: Any = {SliceKind.COUNTRY: Country, SliceKind.DUTY_STATION: DutyStation,
                  SliceKind.ORGANIZATION: Organization}[where.kind]
    found = model.objects.filter(pk=where.value).first()
    return str(found) if found is not None else ""


def settings_of(indicator: Indicator) -> dict[str, Decimal | int]:
    values: dict[str, Decimal | int] = {s.key: s.default for s in indicator.settings}
    for key, value in IndicatorSetting.objects.filter(indicator=indicator.id).values_list(
            "key", "value"):
        if key in values:
            values[key] = value
    return values


def measure(indicator: Indicator, period: rules.Period, where: Slice,
            settings: Mapping[str, Decimal | int] | None = None) -> rules.Measure:
    """The indicator's actual; "no data" for a slice its records cannot be placed in.
    ``settings`` (from settings_of) spares the read when one indicator is measured many times."""
    if where.kind not in indicator.slices:
        return rules.no_data(rules.SLICE_NOT_APPLICABLE)
    values = settings_of(indicator) if settings is None else settings
    return indicator.compute(indicator.query(period, where, values))


def records(indicator: Indicator, period: rules.Period, where: Slice,
            user: AnyUser) -> Records | None:
    """The records behind the actual that the viewer may open (counts only for counselling)."""
    if indicator.records is None or where.kind not in indicator.slices:
        return None
    return indicator.records(indicator.query(period, where, settings_of(indicator)), user)


def target_of(indicator: Indicator, period: rules.Period) -> Target | None:
    """The baseline and target of the biennium the period falls in."""
    start = rules.biennium_of(period.start).start.year
    return Target.objects.filter(indicator=indicator.id, biennium_start=start).first()


@dataclass(frozen=True)
class Tile:
    indicator: Indicator
    period: rules.Period
    slice: Slice
    actual: rules.Measure
    previous: rules.Measure
    baseline: Decimal | None
    target: Decimal | None

    @property
    def met(self) -> bool | None:
        return rules.target_met(self.actual.value, self.target, self.indicator.direction)

    @property
    def versus_previous(self) -> rules.Travel:
        return rules.travel(self.actual.value, self.previous.value, self.indicator.direction)

    @property
    def versus_target(self) -> rules.Travel:
        return rules.travel(self.actual.value, self.target, self.indicator.direction)


def tile(indicator: Indicator, period: rules.Period, where: Slice,
         target: Target | bool | None = False,
         settings: Mapping[str, Decimal | int] | None = None) -> Tile:
    """One indicator's tile. ``target`` and ``settings`` may be given already read (tiles reads
    every indicator's at once); ``False`` means "read it here"."""
    if target is False:
        target = target_of(indicator, period)
    values = settings_of(indicator) if settings is None else settings
    found = target if isinstance(target, Target) else None
    return Tile(indicator=indicator, period=period, slice=where,
                actual=measure(indicator, period, where, values),
                previous=measure(indicator, period.previous(), where, values),
                baseline=found.baseline if found else None,
                target=found.target if found else None)


def targets_and_settings(period: rules.Period) -> tuple[dict[str, Target],
                                                      dict[str, dict[str, Decimal | int]]]:
    """Every indicator's target for the biennium of ``period`` and its settings (the
    defaults, with those set over them), in two queries."""
    start = rules.biennium_of(period.start).start.year
    targets = {t.indicator: t for t in Target.objects.filter(biennium_start=start)}
    stored: dict[str, dict[str, Decimal]] = {}
    for indicator_id, key, value in IndicatorSetting.objects.values_list(
            "indicator", "key", "value"):
        stored.setdefault(indicator_id, {})[key] = value
    settings: dict[str, dict[str, Decimal | int]] = {}
    for indicator in registry.INDICATORS:
        values: dict[str, Decimal | int] = {s.key: s.default for s in indicator.settings}
        values.update({k: v for k, v in stored.get(indicator.id, {}).items() if k in values})
        settings[indicator.id] = values
    return targets, settings


def tiles(period: rules.Period, where: Slice,
          indicators: Iterable[Indicator] | None = None) -> list[Tile]:
    """Every indicator's tile (or those of ``indicators``), with the targets and settings
    read in two queries."""
    targets, settings = targets_and_settings(period)
    return [tile(indicator, period, where, target=targets.get(indicator.id),
                 settings=settings.get(indicator.id)
                 or {s.key: s.default for s in indicator.settings})
            for indicator in (registry.INDICATORS if indicators is None else indicators)]


def series(indicator: Indicator, period: rules.Period, where: Slice,
           points: int = 6) -> list[tuple[rules.Period, rules.Measure]]:
    """The indicator over ``points`` periods of the same kind, ending with ``period``."""
    values = settings_of(indicator)
    return [(p, measure(indicator, p, where, values))
            for p in rules.periods_back(period, points)]


def by_country(indicator: Indicator, period: rules.Period) -> list[tuple[Country, rules.Measure]]:
    """The indicator in each country with an active duty station (the map)."""
    if SliceKind.COUNTRY not in indicator.slices:
        return []
    countries = Country.objects.filter(duty_stations__is_active=True).distinct().order_by(
        "name")
    values = settings_of(indicator)
    return [(country, measure(indicator, period, Slice(SliceKind.COUNTRY, country.pk), values))
            for country in countries]

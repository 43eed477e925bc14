"""Exports in the Humanitarian Exchange Language (HXL 1.1, hxlstandard.org): CSV with a row of
column names, then a row of hashtags, then the data, so that HXL tools (the Humanitarian Data
Exchange, libhxl) read the columns by meaning.

Two exports: the indicators' values for a period (one row per indicator and slice: the whole
system and each country with a UN presence, or the one slice asked for), and incident
statistics (one row per country and category of incident) from the incidents the reader may
see. Numbers are written plainly (a dot for decimals), dates in ISO 8601, and every text cell
goes through the export's guard against spreadsheet formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from vigil.core.slices import Slice, SliceKind
from vigil.core.views_support import _cell
from vigil.incidents.selectors import incidents_seen, statistics
from vigil.performance import registry, rules, selectors
from vigil.performance.definitions import Indicator
from vigil.places.models import Country, DutyStation, Region

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

# (column name, hashtag) of the indicators export.
INDICATOR_COLUMNS: tuple[tuple[str, str], ...] = (
    ("indicator", "#indicator+code"),
    ("text", "#indicator+name"),
    ("unit", "#meta+unit"),
    ("direction", "#meta+direction"),
    ("start", "#date+start"),
    ("end", "#date+end"),
    ("slice", "#meta+slice"),
    ("region_code", "#region+code"),
    ("region", "#region+name"),
    ("country_code", "#country+code"),
    ("country", "#country+name"),
    ("duty_station", "#loc+name"),
    ("organization", "#org+name"),
    ("value", "#indicator+num+value"),
    ("numerator", "#indicator+num+numerator"),
    ("denominator", "#indicator+num+denominator"),
    ("median_days", "#indicator+num+median_days"),
    ("baseline", "#indicator+num+baseline"),
    ("target", "#indicator+num+target"),
    ("met", "#status+target"),
    ("reason", "#meta+reason"),
)

# (column name, hashtag) of the incidents export; the impact columns follow Impact's order.
INCIDENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("country_code", "#country+code"),
    ("country", "#country+name"),
    ("start", "#date+start"),
    ("end", "#date+end"),
    ("category_code", "#event+category+code"),
    ("category", "#event+category+name"),
    ("incidents", "#event+num"),
    ("killed", "#affected+killed"),
    ("injured", "#affected+injured"),
    ("abducted", "#affected+kidnapped"),
    ("missing", "#affected+missing"),
    ("detained", "#affected+detained"),
    ("affected", "#affected+other"),
)


def _headers(columns: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Column names for people, in the reader's language (HXL tools read the hashtags)."""
    return {
        "indicator": _("Indicator"), "text": _("Indicator of achievement"), "unit": _("Unit"),
        "direction": _("Desired direction"), "start": _("Start"), "end": _("End"),
        "slice": _("Slice"), "region_code": _("Region code"), "region": _("Region"),
        "country_code": _("Country code"), "country": _("Country"),
        "duty_station": _("Duty station"), "organization": _("Organization"),
        "value": _("Value"), "numerator": _("Numerator"), "denominator": _("Denominator"),
        "median_days": _("Median delay (days)"), "baseline": _("Baseline"),
        "target": _("Target"), "met": _("Target met"), "reason": _("Reason for no data"),
        "category_code": _("Category code"), "category": _("Category"),
        "incidents": _("Incidents"), "killed": _("Killed"), "injured": _("Injured"),
        "abducted": _("Abducted"), "missing": _("Missing"),
        "detained": _("Arrested or detained"), "affected": _("Otherwise affected"),
    }


def _plain(value: Decimal | int | None) -> str | int | float:
    if value is None:
        return ""
    return str(value) if isinstance(value, Decimal) else value


def write_csv(columns: Sequence[tuple[str, str]], rows: Iterable[dict[str, Any]]) -> str:
    names = _headers(columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([names[key] for key, _tag in columns])
    writer.writerow([tag for _key, tag in columns])
    for row in rows:
        writer.writerow([_cell(row.get(key)) for key, _tag in columns])
    return buffer.getvalue()


def slices_for(user: AnyUser) -> list[Slice]:
    """The whole system and each country with an active duty station, as far as the reader
    may see them."""
    countries = Country.objects.filter(duty_stations__is_active=True).distinct().order_by(
        "name").values_list("pk", flat=True)
    wanted = [Slice.system(), *(Slice(SliceKind.COUNTRY, pk) for pk in countries)]
    return [where for where in wanted if selectors.may_view_slice(user, where)]


def _place(where: Slice) -> dict[str, Any]:
    place: dict[str, Any] = {"slice": where.kind.value}
    if where.kind is SliceKind.REGION:
        place.update(region_code=where.value, region=str(Region(str(where.value)).label))
    elif where.kind is SliceKind.COUNTRY:
        country = Country.objects.filter(pk=int(where.value or 0)).first()
        if country is not None:
            place.update(country_code=country.iso3, country=country.name,
                         region_code=country.region, region=country.get_region_display())
    elif where.kind is SliceKind.DUTY_STATION:
        station = DutyStation.objects.select_related("country").filter(
            pk=int(where.value or 0)).first()
        if station is not None:
            place.update(duty_station=station.name, country_code=station.country.iso3,
                         country=station.country.name)
    elif where.kind is SliceKind.ORGANIZATION:
        place["organization"] = selectors.slice_label(where)
    return place


def indicator_rows(period: rules.Period, slices: Sequence[Slice],
                   indicators: Iterable[Indicator] | None = None) -> list[dict[str, Any]]:
    chosen = registry.INDICATORS if indicators is None else tuple(indicators)
    places = {where: _place(where) for where in slices}
    targets = {indicator.id: selectors.target_of(indicator, period) for indicator in chosen}
    rows = []
    for indicator in chosen:
        target = targets[indicator.id]
        for where in slices:
            measure = selectors.measure(indicator, period, where)
            met = rules.target_met(measure.value, target.target if target else None,
                                   indicator.direction)
            rows.append({
                "indicator": indicator.id, "text": str(indicator.text),
                "unit": indicator.unit.value, "direction": indicator.direction.value,
                "start": period.start.isoformat(), "end": period.end.isoformat(),
                **places[where],
                "value": _plain(measure.value), "numerator": _plain(measure.numerator),
                "denominator": _plain(measure.denominator),
                "median_days": _plain(measure.median_days),
                "baseline": _plain(target.baseline if target else None),
                "target": _plain(target.target if target else None),
                "met": "" if met is None else ("yes" if met else "no"),
                "reason": measure.reason,
            })
    return rows


def indicators_csv(period: rules.Period, slices: Sequence[Slice]) -> str:
    return write_csv(INDICATOR_COLUMNS, indicator_rows(period, slices))


def incident_rows(user: AnyUser, period: rules.Period) -> list[dict[str, Any]]:
    """Per country and category: the incidents that occurred in the period and the people
    they touched, from the incidents the reader may see (incidents' own statistics)."""
    seen = incidents_seen(user).filter(occurred_at__date__gte=period.start,
                                       occurred_at__date__lte=period.end)
    countries = Country.objects.filter(
        pk__in=seen.order_by().values("country_id")).order_by("name")
    dates = {"start": period.start.isoformat(), "end": period.end.isoformat()}
    rows = []
    places: list[tuple[dict[str, Any], Any]] = [
        ({"country_code": c.iso3, "country": c.name}, seen.filter(country=c))
        for c in countries]
    if seen.filter(country__isnull=True).exists():
        places.append(({"country_code": "", "country": _("No country")},
                       seen.filter(country__isnull=True)))
    for place, incidents in places:
        for group in statistics(incidents, by="category")["groups"]:
            rows.append({**place, **dates, "category_code": group["key"] or "",
                         "category": group["label"] or "",
                         **{key: group[key] for key, _tag in INCIDENT_COLUMNS[6:]}})
    return rows


def incidents_csv(user: AnyUser, period: rules.Period) -> str:
    return write_csv(INCIDENT_COLUMNS, incident_rows(user, period))

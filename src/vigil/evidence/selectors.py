"""Reads of the evidence for a likelihood proposal: the incidents of a place and of its
neighbours, the context (security level in force, travel advisory) and the settings.

The proposals themselves are aggregates over every incident Vigil holds, whoever may see
them: a proposal shows no incident. Which incidents a viewer may open is decided when the
evidence is listed (``evidence_rows``), through the incidents' own scope rules.

Each reader issues a fixed number of queries: one for the incidents of a place (all five
threat categories at once), one for the incidents of a whole page of areas.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import NotSupportedError
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    Max,
    Min,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)

from vigil.core.authz import Perm, get_visible, visible
from vigil.evidence import rules
from vigil.evidence.models import EvidenceSettings
from vigil.incidents.models import Incident
from vigil.incidents.selectors import incidents_seen
from vigil.places.geo import neighbours
from vigil.places.models import Country, SecurityArea
from vigil.risk import selectors as risk_selectors
from vigil.risk.models import SecurityLevelReview
from vigil.travel.models import Advisory
from vigil.travel.selectors import advisories_in_force, advisory_in_force

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

# The columns read of each incident: enough to weigh it and to describe it in the table.
COLUMNS = ("pk", "category__code", "subcategory__code", "category__name", "subcategory__name",
           "occurred_at", "date_approximate", "country_id", "country__iso2", "country__name",
           "security_area_id", "security_area__name", "place", "killed", "injured",
           "abducted", "source_kind")
# The index needs only what weighs an incident.
SHORT_COLUMNS = ("pk", "category__code", "subcategory__code", "occurred_at", "country__iso2",
                 "security_area_id", "killed", "injured", "abducted")


def settings_row() -> EvidenceSettings:
    """The one settings row (made by the migration; remade if a test flushed it)."""
    return EvidenceSettings.objects.get_or_create(pk=1)[0]


# --- Building blocks --------------------------------------------------------------------------

@dataclass(frozen=True)
class Context:
    """What the prior reads: the security level in force and the highest advisory level."""

    security_level: int | None
    advisory: Advisory | None

    @property
    def advisory_level(self) -> int | None:
        return self.advisory.level if self.advisory is not None else None

    @property
    def level(self) -> int | None:
        return rules.context_level(self.security_level, self.advisory_level)


@dataclass(frozen=True)
class Evidence:
    """One incident counted for a place: its weight (``weighted``) and how to describe it."""

    weighted: rules.Weighted
    incident_id: int
    category: str  # the threat category
    occurred_on: dt.date
    row: dict[str, Any] = field(compare=False, repr=False)

    @property
    def neighbour(self) -> bool:
        return self.weighted.item.neighbour


@dataclass
class PlaceProposals:
    """The proposals of one place (a security area, or a country without one) on a day."""

    area: SecurityArea | None
    country: Country
    day: dt.date
    record_years: float
    context: Context
    settings: EvidenceSettings
    proposals: dict[str, rules.Proposal]
    evidence: dict[str, list[Evidence]]

    @property
    def method(self) -> str:
        return f"evidence settings v{self.settings.version}"


def _day_end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)


def record_years(day: dt.date) -> float:
    """Years since the earliest incident Vigil holds (any country), at least one."""
    earliest = Incident.objects.filter(occurred_at__lt=_day_end(day)).aggregate(
        first=Min("occurred_at"))["first"]
    if earliest is None:
        return 1.0
    return max(float((day - earliest.date()).days / rules.DAYS_PER_YEAR), 1.0)


def _incidents(place: Q, day: dt.date, params: rules.Params,
               columns: Sequence[str]) -> list[dict[str, Any]]:
    """The incidents counted as evidence in ``place`` up to ``day``: not false reports, and
    not older than the horizon the method reads."""
    since = _day_end(day) - dt.timedelta(days=params.horizon_years * rules.DAYS_PER_YEAR + 1)
    return list(Incident.objects.filter(place, occurred_at__lt=_day_end(day),
                                        occurred_at__gte=since)
                .exclude(verification=Incident.Verification.FALSE)
                .order_by("-occurred_at", "pk").values(*columns))


def _as_evidence(row: dict[str, Any], day: dt.date, neighbour: bool,
                 params: rules.Params) -> Evidence | None:
    category = rules.threat_category(row["category__code"] or "",
                                     row["subcategory__code"] or "")
    if category is None:
        return None
    occurred = row["occurred_at"].astimezone(dt.UTC).date()
    item = rules.Item(key=str(row["pk"]), age_years=(day - occurred).days / rules.DAYS_PER_YEAR,
                      killed=row["killed"], injured=row["injured"], abducted=row["abducted"],
                      neighbour=neighbour)
    return Evidence(weighted=rules.weigh(item, params), incident_id=row["pk"],
                    category=category, occurred_on=occurred, row=row)


def _sort(evidence: dict[str, list[Evidence]]) -> dict[str, list[Evidence]]:
    for found in evidence.values():
        found.sort(key=lambda e: (-e.weighted.weight, e.weighted.item.age_years, e.incident_id))
    return evidence


def _classify(rows: Iterable[dict[str, Any]], *, day: dt.date, params: rules.Params,
              area_id: int | None, country_iso2: str,
              seen: dict[tuple[int, bool], Evidence | None] | None = None,
              ordered: bool = True) -> dict[str, list[Evidence]]:
    """Each row as evidence of its threat category: "here" when it happened in the area (or,
    for a country's proposal, anywhere in the country); a neighbour's otherwise, when it
    happened elsewhere in the country or in a neighbouring country. Rows further away are
    left out. ``seen`` keeps each row's evidence (as here or as a neighbour's) for the next
    call on the same rows; ``ordered`` False leaves each list unsorted."""
    near = neighbours(country_iso2)
    found: dict[str, list[Evidence]] = {c: [] for c in rules.THREAT_CATEGORIES}
    for row in rows:
        iso2 = row["country__iso2"] or ""
        if area_id is not None:
            here = row["security_area_id"] == area_id
            counted = here or iso2 == country_iso2 or iso2 in near
        else:
            here = iso2 == country_iso2
            counted = here or iso2 in near
        if not counted:
            continue
        if seen is None:
            evidence = _as_evidence(row, day, not here, params)
        else:
            key = (row["pk"], not here)
            if key not in seen:
                seen[key] = _as_evidence(row, day, not here, params)
            evidence = seen[key]
        if evidence is not None:
            found[evidence.category].append(evidence)
    return _sort(found) if ordered else found


def _propose(evidence: dict[str, list[Evidence]], *, years: float, params: rules.Params,
             context: Context) -> dict[str, rules.Proposal]:
    """The proposal per category, from the weights already found (``rules.weigh`` with the
    same parameters, as ``rules.propose`` would weigh them)."""
    return {category: rules.propose_weighted(
        tuple(e.weighted for e in found), record_years=years, params=params,
        security_level=context.security_level, advisory_level=context.advisory_level)
        for category, found in evidence.items()}


def _place_q(country: Country, area: SecurityArea | None) -> Q:
    codes = [country.iso2, *sorted(neighbours(country.iso2))]
    place = Q(country__iso2__in=codes)
    if area is not None:
        place |= Q(security_area_id=area.pk)
    return place


# --- One place --------------------------------------------------------------------------------

def area_context(area: SecurityArea, day: dt.date) -> Context:
    advisories = advisories_in_force(area.country_id, area.pk, day)
    return Context(security_level=risk_selectors.level_in_force(area.pk),
                   advisory=advisories[0] if advisories else None)


def country_context(country: Country, day: dt.date) -> Context:
    """A country's context: the highest level in force among its areas, and its
    country-wide advisory."""
    level = risk_selectors.with_level(SecurityArea.objects.filter(country=country)).aggregate(
        top=Max("current_level"))["top"]
    advisories = advisories_in_force(country.pk, None, day)
    return Context(security_level=level, advisory=advisories[0] if advisories else None)


def area_proposals(area: SecurityArea, day: dt.date, *,
                   settings: EvidenceSettings | None = None) -> PlaceProposals:
    """The five proposals of a security area on ``day``, with their evidence."""
    settings = settings or settings_row()
    params = settings.params
    country = area.country
    context = area_context(area, day)
    years = record_years(day)
    evidence = _classify(_incidents(_place_q(country, area), day, params, COLUMNS), day=day,
                         params=params, area_id=area.pk, country_iso2=country.iso2)
    return PlaceProposals(area=area, country=country, day=day, record_years=years,
                          context=context, settings=settings,
                          proposals=_propose(evidence, years=years, params=params,
                                             context=context), evidence=evidence)


def country_proposals(country: Country, day: dt.date, *,
                      settings: EvidenceSettings | None = None) -> PlaceProposals:
    """The five proposals of a whole country (every incident in it is "here")."""
    settings = settings or settings_row()
    params = settings.params
    context = country_context(country, day)
    years = record_years(day)
    evidence = _classify(_incidents(_place_q(country, None), day, params, COLUMNS), day=day,
                         params=params, area_id=None, country_iso2=country.iso2)
    return PlaceProposals(area=None, country=country, day=day, record_years=years,
                          context=context, settings=settings,
                          proposals=_propose(evidence, years=years, params=params,
                                             context=context), evidence=evidence)


# --- The index: many areas at once ------------------------------------------------------------

def areas_in_scope(*, user: AnyUser, country: str = "") -> QuerySet[SecurityArea]:
    """The security areas the viewer may read risk of, with their level in force."""
    qs = risk_selectors.with_level(visible(user, Perm.VIEW_RISK, SecurityArea.objects
                                           .select_related("country")))
    if country:
        qs = qs.filter(country__iso2=country.upper())
    return qs.order_by("country__name", "name", "pk")


def countries_in_scope(*, user: AnyUser) -> QuerySet[Country]:
    """The countries that hold an area the viewer may read risk of (the index's filter)."""
    return Country.objects.filter(pk__in=visible(user, Perm.VIEW_RISK, SecurityArea.objects
                                                 .all()).values("country_id")).order_by("name")


def country_get(*, user: AnyUser, iso2: str) -> Country:
    """A country the viewer may read risk of (a country-wide grant, or a global one)."""
    return get_visible(user, Perm.VIEW_RISK, Country.objects.all(), iso2=iso2.upper())


@dataclass(frozen=True)
class AreaRow:
    area: SecurityArea
    context: Context
    proposals: dict[str, rules.Proposal]


def _advisories_by_place(country_ids: set[int], day: dt.date) -> dict[tuple[int, int | None],
                                                                         Advisory]:
    """The highest advisory in force per (country, area or None), in one query, for many
    places at once (travel's rule for "in force")."""
    best: dict[tuple[int, int | None], Advisory] = {}
    for advisory in Advisory.objects.filter(
            advisory_in_force(day), country_id__in=country_ids).order_by(
            "-level", "-issued_on", "pk"):
        best.setdefault((advisory.country_id, advisory.security_area_id), advisory)
    return best


class _Decay(Func):
    """Each incident's decay on ``day``, as ``rules.decay`` computes it in Python: 0.5 to the
    power of its age in years (whole days since its UTC date, / 365.25) / the half-life, in
    double precision with the same operations (the database's ``pow`` and Python's are the
    C library's)."""

    output_field = FloatField()

    def __init__(self, occurred: Any, day: dt.date, half_life_years: float) -> None:
        super().__init__(occurred, Value(day.isoformat()), Value(float(half_life_years)))

    def _parts(self, compiler: Any, connection: Any) -> tuple[list[str], list[Any]]:
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, found = compiler.compile(expression)
            parts.append(sql)
            params.extend(found)
        return parts, params

    def as_postgresql(self, compiler: Any, connection: Any,
                      **extra: Any) -> tuple[str, list[Any]]:
        (occurred, day, half), params = self._parts(compiler, connection)
        return (f"POWER(0.5::float8, ((({day})::date - ({occurred} AT TIME ZONE 'UTC')::date)"
                f"::float8 / 365.25::float8) / ({half})::float8)", params)

    def as_sqlite(self, compiler: Any, connection: Any,  # type: ignore[override]
                  **extra: Any) -> tuple[str, list[Any]]:
        # Datetimes are stored as UTC text.
        (occurred, day, half), params = self._parts(compiler, connection)
        return (f"POWER(0.5, ((julianday({day}) - julianday(date({occurred}))) / 365.25) "
                f"/ ({half}))", params)

    def as_sql(self, compiler: Any, connection: Any,  # type: ignore[override]
               **extra: Any) -> tuple[str, list[Any]]:
        # Django calls as_postgresql or as_sqlite first: Vigil supports those two databases.
        raise NotSupportedError(
            f"The evidence index weighs incidents in PostgreSQL or SQLite, the databases Vigil "
            f"runs on, not in {connection.vendor}.")


# An incident's harm, as ``rules.severity_factor`` reads it: killed or abducted someone (2),
# only injured (1), neither (0).
_HARM = Case(When(Q(killed__gt=0) | Q(abducted__gt=0), then=Value(2)),
             When(injured__gt=0, then=Value(1)), default=Value(0), output_field=IntegerField())


def _weighed_groups(place: Q, day: dt.date, params: rules.Params,
                    area_ids: Sequence[int]) -> list[dict[str, Any]]:
    """The incidents counted as evidence in ``place`` up to ``day`` (as ``_incidents``
    selects them), weighed and summed in the database: one row per country, area (one of
    ``area_ids``, else None), category, subcategory and harm, with the number of incidents and
    the sum of their decays. The rows do not grow with the incidents."""
    since = _day_end(day) - dt.timedelta(days=params.horizon_years * rules.DAYS_PER_YEAR + 1)
    found = (Incident.objects.filter(place, occurred_at__lt=_day_end(day),
                                     occurred_at__gte=since)
             .exclude(verification=Incident.Verification.FALSE)
             .annotate(g_iso2=F("country__iso2"),
                       g_area=Case(When(security_area_id__in=list(area_ids),
                                        then=F("security_area_id")),
                                   default=Value(None), output_field=IntegerField()),
                       g_category=F("category__code"), g_subcategory=F("subcategory__code"),
                       g_harm=_HARM)
             .order_by()
             .values("g_iso2", "g_area", "g_category", "g_subcategory", "g_harm")
             .annotate(g_count=Count("pk"),
                       g_decay=Sum(_Decay(F("occurred_at"), day, params.half_life_years))))
    return [dict(row) for row in found]


def area_rows(areas: Sequence[SecurityArea], day: dt.date, *,
              settings: EvidenceSettings | None = None) -> list[AreaRow]:
    """The five proposals of each area (``areas`` from ``areas_in_scope``, a page of them):
    one query for the incidents of all their countries and neighbours (weighed and summed in
    the database, by country, area, category and harm: the rows read do not grow with the
    incidents), one for the advisories, whatever the number of areas. Each proposal is the
    one ``area_proposals`` gives (its weighted count summed in another order), without its
    evidence listed."""
    if not areas:
        return []
    settings = settings or settings_row()
    params = settings.params
    years = record_years(day)
    codes = {a.country.iso2 for a in areas}
    codes |= {n for code in list(codes) for n in neighbours(code)}
    area_ids = [a.pk for a in areas]
    Group = tuple[str, int | None, str, float, int, float]
    by_country: dict[str, list[Group]] = defaultdict(list)
    by_area: dict[int, list[Group]] = defaultdict(list)
    for row in _weighed_groups(Q(country__iso2__in=sorted(codes))
                               | Q(security_area_id__in=area_ids), day, params, area_ids):
        category = rules.threat_category(row["g_category"] or "", row["g_subcategory"] or "")
        if category is None:
            continue
        harm = row["g_harm"]
        severity = rules.severity_factor(rules.Item(key="", age_years=0.0,
                                                    killed=int(harm == 2),
                                                    injured=int(harm == 1)),
                                         params.severity_weight)
        group = (row["g_iso2"] or "", row["g_area"], category, severity, row["g_count"],
                 float(row["g_decay"] or 0.0))
        by_country[group[0]].append(group)
        if group[1] is not None:
            by_area[group[1]].append(group)
    advisories = _advisories_by_place({a.country_id for a in areas}, day)
    result = []
    for area in areas:
        # Counted for the area: what happened in it ("here"), and what happened elsewhere
        # in its country or in a neighbouring country.
        counted = {area.country.iso2, *neighbours(area.country.iso2)}
        weight = dict.fromkeys(rules.THREAT_CATEGORIES, 0.0)
        count = dict.fromkeys(rules.THREAT_CATEGORIES, 0)
        groups = [g for code in sorted(counted) for g in by_country.get(code, ())]
        groups += [g for g in by_area.get(area.pk, ()) if g[0] not in counted]
        for _iso2, g_area, category, severity, number, decay_sum in groups:
            weight[category] += decay_sum * severity * (1.0 if g_area == area.pk
                                                        else params.neighbour_weight)
            count[category] += number
        candidates = [a for a in (advisories.get((area.country_id, area.pk)),
                                  advisories.get((area.country_id, None))) if a is not None]
        context = Context(security_level=getattr(area, "current_level", None),
                          advisory=max(candidates, key=lambda a: a.level, default=None))
        result.append(AreaRow(area=area, context=context, proposals={
            category: rules.propose_summed(
                weight[category], count[category], record_years=years, params=params,
                security_level=context.security_level, advisory_level=context.advisory_level)
            for category in rules.THREAT_CATEGORIES}))
    return result


# --- What the viewer may open -----------------------------------------------------------------

@dataclass
class EvidenceTable:
    """The strongest incidents of one category, those the viewer may open listed; the rest
    only counted, with their weight."""

    shown: list[tuple[Evidence, bool]]  # (evidence, the viewer may open the incident)
    hidden_count: int
    hidden_weight: float
    beyond_count: int  # incidents the viewer may see past the table's length
    beyond_weight: float


def visible_incident_ids(user: AnyUser, ids: Iterable[int]) -> set[int]:
    """The incidents of ``ids`` the viewer may open (one query)."""
    wanted = sorted(set(ids))
    if not wanted:
        return set()
    return set(incidents_seen(user).filter(pk__in=wanted).values_list("pk", flat=True))


def evidence_tables(user: AnyUser, place: PlaceProposals,
                    limit: int = 10) -> dict[str, EvidenceTable]:
    """Per category, the ``limit`` strongest incidents the viewer may see; those outside
    the viewer's view are counted, never listed."""
    seen = visible_incident_ids(user, (e.incident_id for found in place.evidence.values()
                                       for e in found))
    tables = {}
    for category, found in place.evidence.items():
        mine = [e for e in found if e.incident_id in seen]
        others = [e for e in found if e.incident_id not in seen]
        tables[category] = EvidenceTable(
            shown=[(e, True) for e in mine[:limit]],
            hidden_count=len(others),
            hidden_weight=sum(e.weighted.weight for e in others),
            beyond_count=max(len(mine) - limit, 0),
            beyond_weight=sum(e.weighted.weight for e in mine[limit:]))
    return tables


# --- The ratings the proposals stand beside ---------------------------------------------------

@dataclass(frozen=True)
class Rating:
    """An officer's likelihood for a threat category, and where it was given."""

    source: str  # "level_review" or "sra"
    label: str
    url_name: str
    pk: int
    likelihood: str
    category: str


def ratings_of(*, user: AnyUser, area: SecurityArea) -> list[Rating]:
    """The latest level review's ratings of the area (withdrawn ones aside) and the
    likelihoods of the risk register of its latest assessment not superseded (the area's own,
    else its country's), each as the viewer may read them through risk's selectors."""
    found: list[Rating] = []
    # A withdrawn proposal is a rating nobody stands by any more.
    review = risk_selectors.level_reviews(user=user, area=area.pk).exclude(
        status=SecurityLevelReview.Status.WITHDRAWN).order_by("-proposed_at", "-pk").first()
    if review is not None:
        for category in rules.THREAT_CATEGORIES:
            rated = (review.ratings or {}).get(category) or {}
            if rated.get("likelihood") in rules.LIKELIHOODS:
                found.append(Rating("level_review", str(review), "risk:level_detail",
                                    review.pk, rated["likelihood"], category))
    sras = risk_selectors.sra_list(user=user).filter(country_id=area.country_id).filter(
        Q(security_area=area) | Q(security_area__isnull=True)).exclude(
        status="superseded").order_by("security_area", "-valid_from", "-pk")
    # An area's own assessment before its country's (nulls sort last in PostgreSQL and first
    # in SQLite: order in Python).
    candidates = sorted(sras[:20], key=lambda s: (s.security_area_id is None,
                                                  -s.valid_from.toordinal(), -s.pk))
    if candidates:
        sra = candidates[0]
        for entry in sra.entries.all():
            if entry.likelihood in rules.LIKELIHOODS:
                found.append(Rating("sra", str(sra), "risk:sra_detail", sra.pk,
                                    entry.likelihood, entry.threat_category))
    return found

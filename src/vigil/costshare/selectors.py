"""Reads of cost-sharing records, narrowed to what the user may see (budget officers manage,
programme managers read; nobody else)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Prefetch, QuerySet, Sum

from vigil.core.authz import Perm, get_visible, visible
from vigil.costshare import rules
from vigil.costshare.models import (
    Apportionment,
    ApportionmentLine,
    Biennium,
    Census,
    CensusLine,
    ShareThreshold,
)
from vigil.people import selectors as people
from vigil.people.models import Organization

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser


def biennium_list(*, user: AnyUser) -> QuerySet[Biennium]:
    return visible(user, Perm.VIEW_COSTSHARE, Biennium.objects.select_related(
        "apportionment").prefetch_related("thresholds").annotate(census_count=Count("censuses"))
        .order_by("-start_year"))


def biennium_get(*, user: AnyUser, pk: Any) -> Biennium:
    return get_visible(user, Perm.VIEW_COSTSHARE, Biennium.objects.prefetch_related(
        "thresholds"), pk=pk)


def thresholds_of(biennium: Biennium) -> list[rules.Threshold]:
    return [rules.Threshold(t.below_percent, t.flat_amount)
            for t in ShareThreshold.objects.filter(biennium=biennium).order_by("below_percent")]


def census_list(*, user: AnyUser, biennium: Any = None, status: str = "") -> QuerySet[Census]:
    qs = visible(user, Perm.VIEW_COSTSHARE, Census.objects.select_related("biennium", "taken_by")
                 .annotate(total=Sum("lines__headcount"), line_count=Count("lines")))
    if biennium:
        qs = qs.filter(biennium_id=biennium)
    if status:
        qs = qs.filter(status=status)
    return qs


def census_get(*, user: AnyUser, pk: Any) -> Census:
    return get_visible(user, Perm.VIEW_COSTSHARE, Census.objects.select_related("biennium"), pk=pk)


def census_lines(census: Census) -> QuerySet[CensusLine]:
    return census.lines.select_related("organization", "country")


def census_by_organization(census: Census) -> dict[str, int]:
    """Headcount per organization code over the whole census."""
    rows = (census.lines.values("organization__code").annotate(total=Sum("headcount"))
            .order_by("organization__code"))
    return {r["organization__code"]: int(r["total"] or 0) for r in rows}


def registry_field_headcounts() -> list[tuple[int, int, int]]:
    """(organization id, country id, headcount) of field personnel in the registry today,
    from the people registry's own count (no name leaves it)."""
    return people.field_headcounts()


def organizations_by_code() -> dict[str, Organization]:
    return {o.code.upper(): o for o in Organization.objects.all()}


def apportionment_of(*, user: AnyUser, biennium: Biennium) -> Apportionment | None:
    return (visible(user, Perm.VIEW_COSTSHARE, Apportionment.objects.select_related(
        "census", "approved_by", "computed_by").prefetch_related(
        Prefetch("lines", ApportionmentLine.objects.select_related("organization"))))
        .filter(biennium=biennium).first())


def apportionment_get(*, user: AnyUser, pk: Any) -> Apportionment:
    return get_visible(user, Perm.VIEW_COSTSHARE, Apportionment.objects.select_related(
        "biennium", "census"), pk=pk)


@dataclass(frozen=True)
class StatementLine:
    country: str
    headcount: int


@dataclass(frozen=True)
class Statement:
    biennium: Biennium
    organization: Organization
    apportionment: Apportionment
    line: ApportionmentLine
    countries: list[StatementLine]
    total_headcount: int
    previous: ApportionmentLine | None


def statement_of(*, user: AnyUser, biennium: Biennium, organization_code: str) -> Statement:
    """An organization's statement for a biennium: its amount, how it was reached, its field
    headcount by country, and last biennium's amount beside it."""
    from vigil.core.errors import NotFound

    apportionment = apportionment_of(user=user, biennium=biennium)
    if apportionment is None:
        raise NotFound()
    line = next((x for x in apportionment.lines.all()
                 if x.organization.code.upper() == organization_code.upper()), None)
    if line is None:
        raise NotFound()
    countries = [StatementLine(country=c.country.name, headcount=c.headcount) for c in
                 census_lines(apportionment.census).filter(organization=line.organization)
                 .order_by("-headcount", "country__name")]
    previous = (ApportionmentLine.objects.filter(
        apportionment__biennium__start_year=biennium.start_year - 2,
        organization=line.organization).first())
    return Statement(biennium=biennium, organization=line.organization,
                     apportionment=apportionment, line=line, countries=countries,
                     total_headcount=apportionment.total_headcount, previous=previous)


@dataclass(frozen=True)
class ComparisonRow:
    organization: str
    name: str
    headcount_a: int | None
    headcount_b: int | None
    share_a: Decimal | None
    share_b: Decimal | None
    amount_a: Decimal | None
    amount_b: Decimal | None

    @property
    def change(self) -> Decimal | None:
        if self.amount_a is None and self.amount_b is None:
            return None
        return (self.amount_b or Decimal(0)) - (self.amount_a or Decimal(0))

    @property
    def change_percent(self) -> Decimal | None:
        return rules.change_percent(self.amount_a, self.amount_b)


def comparison(*, user: AnyUser, first: Biennium, second: Biennium) -> list[ComparisonRow]:
    """Per organization, the two bienniums' headcount, share and amount side by side (an
    organization in only one of them has blanks in the other)."""
    lines: dict[str, dict[str, ApportionmentLine]] = {}
    names: dict[str, str] = {}
    for key, biennium in (("a", first), ("b", second)):
        apportionment = apportionment_of(user=user, biennium=biennium)
        for line in apportionment.lines.all() if apportionment else []:
            lines.setdefault(line.organization.code, {})[key] = line
            names[line.organization.code] = line.organization.name
    rows = []
    for code in sorted(lines):
        a, b = lines[code].get("a"), lines[code].get("b")
        rows.append(ComparisonRow(
            organization=code, name=names[code],
            headcount_a=a.headcount if a else None, headcount_b=b.headcount if b else None,
            share_a=a.share_percent if a else None, share_b=b.share_percent if b else None,
            amount_a=a.amount if a else None, amount_b=b.amount if b else None))
    rows.sort(key=lambda r: (-(r.amount_b or r.amount_a or Decimal(0)), r.organization))
    return rows


@dataclass(frozen=True)
class QueueItem:
    biennium: Biennium
    step: str  # budget | census | final | apportion | approve | approved


def costshare_queue(*, user: AnyUser) -> dict[str, Any]:
    """The next step of each biennium not yet approved, and the latest approved one: what the
    budget officer does next, and what a programme manager reads."""
    items: list[QueueItem] = []
    approved_seen = False
    for b in biennium_list(user=user)[:6]:
        apportionment = getattr(b, "apportionment", None)
        if apportionment is not None and apportionment.status == Apportionment.Status.APPROVED:
            if not approved_seen:
                items.append(QueueItem(b, "approved"))
                approved_seen = True
            continue
        finals = b.censuses.filter(status=Census.Status.FINAL).exists()
        step = ("budget" if not b.budget else "census" if not b.census_count  # type: ignore[attr-defined]
                else "final" if not finals else "apportion" if apportionment is None
                else "approve")
        items.append(QueueItem(b, step))
    return {"items": items}

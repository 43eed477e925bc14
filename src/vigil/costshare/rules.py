"""Cost-sharing rules: the apportionment of a biennium's jointly financed budget. Pure: plain
data in, plain data out.

The rule (CEB/HLCM cost-sharing arrangements for the jointly financed activities of the
UN security management system), as Vigil applies it:

1. Each organization's share is its field headcount over the whole census's field headcount.
2. An organization whose share is below a threshold of the biennium's table pays that row's
   flat amount (the lowest threshold it is under). Historically: below 0.5 %, US$25,000 per
   biennium; below 1 %, US$100,000.
3. The rest of the budget is shared pro rata to headcount among the other organizations.
   Nobody who pays pro rata pays less than the highest flat amount an organization pays: an
   organization whose pro-rata amount would fall below it pays that flat amount instead, and
   the rest is shared again among the others, until every pro-rata amount is at least it.
   This is what keeps the order: flat amounts rise with the threshold (the table is refused
   otherwise), pro-rata amounts rise with headcount, and every pro-rata amount is at least
   every flat amount, so more headcount never pays less.
4. Rounding: amounts are computed exactly (as fractions); each pro-rata amount is cut down to
   the cent, and the cents left over go one each to the largest cut-off remainders (ties:
   larger headcount first, then organization code). The amounts then sum to the budget to the
   cent, each within one cent of its exact value, and the order of headcounts is kept.

The budget must cover the flat amounts and, for each organization paying pro rata, at least
the highest flat amount; and someone must pay pro rata unless the flat amounts are the whole
budget. Otherwise the apportionment is refused, saying which.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from itertools import pairwise

from django.utils.translation import gettext as _

CENT = Decimal("0.01")
HISTORICAL_THRESHOLDS: tuple[tuple[Decimal, Decimal], ...] = (
    (Decimal("0.5"), Decimal("25000.00")),
    (Decimal("1.0"), Decimal("100000.00")),
)


class Basis(StrEnum):
    FLAT = "flat"
    PRO_RATA = "pro_rata"
    RAISED = "raised"  # would have paid less pro rata than the highest flat amount
    NONE = "none"  # no field personnel in the census: pays nothing


class ApportionmentRefused(ValueError):
    """The inputs cannot be apportioned; the message says why (in the user's language)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class Threshold:
    below_percent: Decimal  # a share strictly below this percentage...
    flat_amount: Decimal  # ...pays this amount for the biennium


@dataclass(frozen=True)
class Share:
    organization: str
    headcount: int
    share_percent: Decimal  # rounded to 4 decimals, for display; the rule uses the exact share
    basis: Basis
    threshold_percent: Decimal | None
    amount: Decimal


def threshold_faults(thresholds: Sequence[Threshold]) -> list[tuple[int, str]]:
    """Faults of a threshold table as (row index, message): each percentage above 0 and at
    most 100 and said once, amounts not negative and in whole cents, and the flat amounts
    rising (or equal) with the percentage, so that a larger share never pays a smaller flat
    amount."""
    faults: list[tuple[int, str]] = []
    seen: set[Decimal] = set()
    for i, t in enumerate(thresholds):
        if not Decimal(0) < t.below_percent <= Decimal(100):
            faults.append((i, _("A threshold is a percentage above 0 and at most 100.")))
        if t.below_percent in seen:
            faults.append((i, _("This percentage is already in the table.")))
        seen.add(t.below_percent)
        if t.flat_amount < 0 or t.flat_amount != t.flat_amount.quantize(CENT):
            faults.append((i, _("A flat amount is not negative and in whole cents.")))
    ordered = sorted(range(len(thresholds)), key=lambda i: thresholds[i].below_percent)
    for before, after in pairwise(ordered):
        if thresholds[after].flat_amount < thresholds[before].flat_amount:
            faults.append((after, _(
                "A higher threshold may not have a smaller flat amount than a lower one: "
                "a larger share would pay less.")))
    return faults


def _band(share: Fraction, table: Sequence[Threshold]) -> Threshold | None:
    for t in table:
        if share < Fraction(t.below_percent) / 100:
            return t
    return None


def _cents(amount: Decimal) -> int:
    return int(amount.scaleb(2).to_integral_value())


def _largest_remainder(exact: dict[str, Fraction], total_cents: int,
                       headcounts: Mapping[str, int]) -> dict[str, int]:
    """Cents per key: each exact amount (in cents) cut down, the cents left over one each to
    the largest remainders (ties: larger headcount, then key)."""
    floors = {k: v.numerator // v.denominator for k, v in exact.items()}
    left = total_cents - sum(floors.values())
    order = sorted(exact, key=lambda k: (-(exact[k] - floors[k]), -headcounts[k], k))
    for k in order[:left]:
        floors[k] += 1
    return floors


def apportion(headcounts: Mapping[str, int], budget: Decimal,
              thresholds: Sequence[Threshold]) -> list[Share]:
    """The amount each organization pays (see the module's rule). ``headcounts`` maps an
    organization code to its field headcount; organizations with none pay nothing. Returns
    one Share per organization, largest amount first."""
    if budget < 0 or budget != budget.quantize(CENT):
        raise ApportionmentRefused("budget", _("The budget is not negative and in whole cents."))
    if any(h < 0 for h in headcounts.values()):
        raise ApportionmentRefused("headcount", _("A headcount is not negative."))
    faults = threshold_faults(thresholds)
    if faults:
        raise ApportionmentRefused("thresholds", faults[0][1])
    total = sum(headcounts.values())
    if total == 0:
        raise ApportionmentRefused("census", _("The census counts no field personnel."))
    table = sorted(thresholds, key=lambda t: t.below_percent)
    budget_cents = _cents(budget)

    counted = {org: h for org, h in headcounts.items() if h > 0}
    band = {org: _band(Fraction(h, total), table) for org, h in counted.items()}
    flat_cents = {org: _cents(t.flat_amount) for org, t in band.items() if t is not None}
    pro_rata = sorted((org for org, t in band.items() if t is None), key=lambda o: counted[o])
    rest = budget_cents - sum(flat_cents.values())
    if rest < 0:
        raise ApportionmentRefused("budget", _(
            "The budget is smaller than the flat amounts the organizations under the "
            "thresholds pay."))
    if not pro_rata:
        if rest:
            raise ApportionmentRefused("thresholds", _(
                "Every organization is under a threshold and pays a flat amount; nobody is "
                "left to pay the rest of the budget."))
    floor = max(flat_cents.values(), default=0)
    if rest < floor * len(pro_rata):
        raise ApportionmentRefused("budget", _(
            "After the flat amounts, the budget does not give each organization paying pro "
            "rata at least the highest flat amount; a larger organization would pay less "
            "than a smaller one."))

    raised: list[str] = []
    while pro_rata:
        weight = sum(counted[o] for o in pro_rata)
        share_rest = rest - floor * len(raised)
        below = [o for o in pro_rata if Fraction(share_rest * counted[o], weight) < floor]
        if not below:
            break
        raised.extend(below)
        pro_rata = [o for o in pro_rata if o not in below]

    cents: dict[str, int] = dict(flat_cents)
    cents.update(dict.fromkeys(raised, floor))
    if pro_rata:
        share_rest = rest - floor * len(raised)
        weight = sum(counted[o] for o in pro_rata)
        exact = {o: Fraction(share_rest * counted[o], weight) for o in pro_rata}
        cents.update(_largest_remainder(exact, share_rest, counted))

    shares = []
    for org, h in headcounts.items():
        t = band.get(org)
        basis = (Basis.NONE if h == 0 else Basis.FLAT if t is not None
                 else Basis.RAISED if org in raised else Basis.PRO_RATA)
        share_percent = Decimal(h * 100) / Decimal(total)
        shares.append(Share(
            organization=org, headcount=h,
            share_percent=share_percent.quantize(Decimal("0.0001")),
            basis=basis, threshold_percent=t.below_percent if t is not None else None,
            amount=(Decimal(cents.get(org, 0)) / 100).quantize(CENT)))
    shares.sort(key=lambda s: (-s.amount, -s.headcount, s.organization))
    return shares


# --- Census and apportionment states ----------------------------------------------------------

CENSUS_MOVES: dict[str, set[str]] = {"draft": {"final"}, "final": {"draft"}}
APPORTIONMENT_MOVES: dict[str, set[str]] = {"draft": {"approved"}, "approved": set()}


def may_move(moves: Mapping[str, set[str]], current: str, target: str) -> bool:
    return target in moves.get(current, set())


def change_percent(before: Decimal | None, after: Decimal | None) -> Decimal | None:
    """The change from one biennium's amount to the next, in percent of the first (None when
    there is no first, or it was zero)."""
    if before is None or after is None or before == 0:
        return None
    return ((after - before) * 100 / before).quantize(Decimal("0.1"))


def percent_text(value: Decimal) -> str:
    """A percentage as people write it: 0.5, 1, 12.25 (no trailing zeros, no exponent)."""
    return format(value.normalize(), "f")


def biennium_label(start_year: int) -> str:
    return f"{start_year}-{start_year + 1}"


def biennium_faults(start_year: int) -> list[str]:
    if not 2000 <= start_year <= 2100:
        return [_("A biennium starts in a year between 2000 and 2100.")]
    if start_year % 2:
        return [_("A UN biennium starts in an even year (for example 2026-2027).")]
    return []

"""What an indicator is, as data: its id, the seed's wording (English; Chinese in the catalog,
from the seed's own text), unit, desired direction, settings, which slices it can be computed
for, how it is computed and what records lie behind it. The indicators themselves are
declared in ``performance/indicators/`` (one module per subprogramme part) and collected, in
the seed's order, by ``performance.registry``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from vigil.core.slices import Slice, SliceKind
from vigil.performance.rules import Direction, Measure, Period, Unit

if TYPE_CHECKING:
    from django.utils.functional import Promise

    from vigil.core.authz import AnyUser

ALL_SLICES = frozenset(SliceKind)
PLACE_SLICES = frozenset({SliceKind.SYSTEM, SliceKind.REGION, SliceKind.COUNTRY,
                          SliceKind.DUTY_STATION})


@dataclass(frozen=True)
class Setting:
    """A number an indicator takes, such as the time target for "timely" (days)."""

    key: str
    label: Promise | str
    default: Decimal | int
    minimum: Decimal | int = 0
    maximum: Decimal | int = 10_000
    unit: Promise | str = ""


@dataclass(frozen=True)
class Query:
    period: Period
    slice: Slice
    settings: Mapping[str, Decimal | int]


@dataclass(frozen=True)
class Row:
    """One record behind a figure: what it is, where it opens, and the columns shown."""

    label: str
    url: str
    cells: tuple[str, ...] = ()
    counted: bool = True  # in the numerator (for a share: the denominator holds every row)


@dataclass(frozen=True)
class Records:
    """The records behind a figure that the viewer may see, or counts only."""

    columns: tuple[Promise | str, ...]
    rows: list[Row]
    counts_only: bool = False
    hidden: int = 0  # rows the viewer may not open (counted in the figure, not listed)


@dataclass(frozen=True)
class Indicator:
    id: str  # "SP1.a.i"
    subprogramme: int  # 1 or 2
    component: str  # "" for subprogramme 1; "SP2.1" / "SP2.2" for the two parts of 2
    accomplishment: str  # "SP1.a" … "SP2.2.d"
    text: Promise | str  # the seed's wording of the indicator
    unit: Unit
    direction: Direction
    compute: Callable[[Query], Measure]
    records: Callable[[Query, AnyUser], Records] | None = None
    slices: frozenset[SliceKind] = ALL_SLICES
    settings: tuple[Setting, ...] = ()
    counts_only: bool = False  # counselling: never list the people
    source: Promise | str = ""  # where the records are kept (a sentence for the docs and pages)
    extra: dict[str, Any] = field(default_factory=dict)

    def query(self, period: Period, where: Slice,
              settings: Mapping[str, Decimal | int] | None = None) -> Query:
        values = {s.key: s.default for s in self.settings}
        values.update(settings or {})
        return Query(period=period, slice=where, settings=values)

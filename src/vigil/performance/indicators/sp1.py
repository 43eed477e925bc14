"""The indicators of subprogramme 1: security and safety coordination at headquarters
duty stations and regional commissions.

Each compute function calls the selector of the app that keeps the records, with the
query's period and slice (``within=``); each records function lists the records behind the
figure that the viewer may open."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vigil.core.slices import SliceKind  # noqa: F401
from vigil.performance.definitions import ALL_SLICES, PLACE_SLICES, Indicator, Query
from vigil.performance.indicators.hmoss import compliance_hq_moss
from vigil.performance.rules import Direction, Measure, Unit, no_data


def unauthorized_entries(query: Query) -> Measure:
    """SP1.a.ii: to be computed from unauthorized entries found among entry events (headquarters
    security)."""
    return no_data()


def claims_received(query: Query) -> Measure:
    """SP1.a.iii: from safety claims (headquarters security).."""
    return no_data()


def protection_cases_assessed(query: Query) -> Measure:
    """SP1.b: to be computed from protection cases with a completed needs assessment (headquarters
    security)."""
    return no_data()


def plans_updated_and_tested(query: Query) -> Measure:
    """SP1.c: from emergency plans and drills (headquarters security).."""
    return no_data()


INDICATORS = (
    Indicator(id="SP1.a.i", subprogramme=1, component="", accomplishment="SP1.a",
              text=_("Percentage of compliance with elements of the minimum operating security "
                     "standards at United Nations Headquarters duty stations and regional "
                     "commissions"),
              unit=Unit.PERCENT, direction=Direction.UP, compute=compliance_hq_moss,
              slices=PLACE_SLICES,
              source=_("H-MOSS compliance assessments of headquarters premises (risk)")),
    Indicator(id="SP1.a.ii", subprogramme=1, component="", accomplishment="SP1.a",
              text=_("Number of unauthorized entries into United Nations premises"),
              unit=Unit.COUNT, direction=Direction.DOWN, compute=unauthorized_entries,
              slices=PLACE_SLICES,
              source=_("unauthorized entries found among entry events (headquarters security)")),
    Indicator(id="SP1.a.iii", subprogramme=1, component="", accomplishment="SP1.a",
              text=_("Number of safety-related claims received"),
              unit=Unit.COUNT, direction=Direction.DOWN, compute=claims_received,
              slices=ALL_SLICES,
              source=_("safety claims (headquarters security)")),
    Indicator(id="SP1.b", subprogramme=1, component="", accomplishment="SP1.b",
              text=_("Number of travel cases reviewed in which the personal protection needs of "
                     "senior United Nations officials are assessed"),
              unit=Unit.COUNT, direction=Direction.UP,
              compute=protection_cases_assessed,
              slices=ALL_SLICES,
              source=_("protection cases with a completed needs assessment "
                       "(headquarters security)")),
    Indicator(id="SP1.c", subprogramme=1, component="", accomplishment="SP1.c",
              text=_("Percentage of headquarters duty stations and regional commissions that "
                     "update and test their crisis, evacuation and contingency plans as required"),
              unit=Unit.PERCENT, direction=Direction.UP, compute=plans_updated_and_tested,
              slices=PLACE_SLICES,
              source=_("emergency plans and drills (headquarters security)")),
)

"""The indicators of Subprogramme 2, component 2: field support.

Each compute function calls the selector of the app that keeps the records, with the
query's period and slice (``within=``); each records function lists the records behind the
figure that the viewer may open."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vigil.core.slices import SliceKind
from vigil.performance.definitions import ALL_SLICES, PLACE_SLICES, Indicator, Query  # noqa: F401
from vigil.performance.rules import Direction, Measure, Unit, no_data


def stress_training_coverage(query: Query) -> Measure:
    """SP2.2.a.i: to be computed from training completions, and the security level of each duty
    station (training, risk)."""
    return no_data()


def counsellors_trained(query: Query) -> Measure:
    """SP2.2.a.ii: from training completions of counsellors (training).."""
    return no_data()


def psychological_first_aid(query: Query) -> Measure:
    """SP2.2.a.iii: to be computed from people affected by incidents, and their counselling contacts
    (wellbeing; counts only)."""
    return no_data()


def training_participants(query: Query) -> Measure:
    """SP2.2.b: from training attendance and completions (training).."""
    return no_data()


def whereabouts_coverage(query: Query) -> Measure:
    """SP2.2.c.i: from personnel, dependants, residences and travel (travel).."""
    return no_data()


def tools_used(query: Query) -> Measure:
    """SP2.2.c.ii: to be computed from role grants of security management roles, and their recorded
    activity (audit log)."""
    return no_data()


def aviation_advice(query: Query) -> Measure:
    """SP2.2.d: computed from
    advice requests on air operators and their answers (aviation)."""
    return no_data()


INDICATORS = (
    Indicator(id="SP2.2.a.i", subprogramme=2, component="SP2.2", accomplishment="SP2.2.a",
              text=_("Percentage of staff and their families at high-risk field duty stations "
                     "trained in stress management"),
              unit=Unit.PERCENT, direction=Direction.UP, compute=stress_training_coverage,
              slices=ALL_SLICES,
              source=_("training completions, and the security level of each duty station "
                       "(training, risk)")),
    Indicator(id="SP2.2.a.ii", subprogramme=2, component="SP2.2", accomplishment="SP2.2.a",
              text=_("Number of United Nations and partner counsellors trained in critical "
                     "incident stress management"),
              unit=Unit.COUNT, direction=Direction.UP, compute=counsellors_trained,
              slices=ALL_SLICES,
              source=_("training completions of counsellors (training)")),
    Indicator(id="SP2.2.a.iii", subprogramme=2, component="SP2.2", accomplishment="SP2.2.a",
              text=_("Percentage of affected United Nations staff receiving psychological first "
                     "aid and trauma support after a reported incident"),
              unit=Unit.PERCENT, direction=Direction.UP, compute=psychological_first_aid,
              slices=ALL_SLICES,
              source=_("people affected by incidents, and their counselling contacts (wellbeing; "
                       "counts only)")),
    Indicator(id="SP2.2.b", subprogramme=2, component="SP2.2", accomplishment="SP2.2.b",
              text=_("Number of participants in security training"),
              unit=Unit.COUNT, direction=Direction.UP, compute=training_participants,
              slices=ALL_SLICES,
              source=_("training attendance and completions (training)")),
    Indicator(id="SP2.2.c.i", subprogramme=2, component="SP2.2", accomplishment="SP2.2.c",
              text=_("Percentage of United Nations personnel and eligible dependants whose "
                     "whereabouts can be known at any time, worldwide"),
              unit=Unit.PERCENT, direction=Direction.UP, compute=whereabouts_coverage,
              slices=ALL_SLICES,
              source=_("personnel, dependants, residences and travel (travel)")),
    Indicator(id="SP2.2.c.ii", subprogramme=2, component="SP2.2", accomplishment="SP2.2.c",
              text=_("Percentage of United Nations staff with security management responsibilities"
                     " who use the security information management tools"),
              unit=Unit.PERCENT, direction=Direction.UP, compute=tools_used,
              slices=ALL_SLICES,
              source=_("role grants of security management roles, and their recorded activity "
                       "(audit log)")),
    Indicator(id="SP2.2.d", subprogramme=2, component="SP2.2", accomplishment="SP2.2.d",
              text=_("Timely advice to air travel focal points on the suitability "
                     "of air operators"),
              unit=Unit.TIMELINESS, direction=Direction.UP, compute=aviation_advice,
              slices=frozenset({SliceKind.SYSTEM, SliceKind.ORGANIZATION}),
              source=_("advice requests on air operators and their answers (aviation)")),
)

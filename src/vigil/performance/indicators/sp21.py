"""The indicators of Subprogramme 2, component 1: regional field operations coordination.

Each compute function calls the selector of the app that keeps the records, with the
query's period and slice (``within=``); each records function lists the records behind the
figure that the viewer may open."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vigil.core.slices import SliceKind  # noqa: F401
from vigil.performance.definitions import ALL_SLICES, PLACE_SLICES, Indicator, Query  # noqa: F401
from vigil.performance.rules import Direction, Measure, Unit, no_data


def sras_up_to_date(query: Query) -> Measure:
    """SP2.1.a.i: from security risk assessments (risk).."""
    return no_data()


def moss_implemented(query: Query) -> Measure:
    """SP2.1.a.ii: to be computed from MOSS compliance assessments against the MOSS of the endorsed
    SRA (risk)."""
    return no_data()


def plans_endorsed(query: Query) -> Measure:
    """SP2.1.b.i: from security plans (risk).."""
    return no_data()


def crisis_activation(query: Query) -> Measure:
    """SP2.1.b.ii: from crises and their triggering incidents (crisis management).."""
    return no_data()


def level_reviews_timely(query: Query) -> Measure:
    """SP2.1.c.i: from security level reviews (risk).."""
    return no_data()


def assessment_visits(query: Query) -> Measure:
    """SP2.1.c.ii: from security assistance and assessment missions (risk).."""
    return no_data()


INDICATORS = (
    Indicator(id="SP2.1.a.i", subprogramme=2, component="SP2.1", accomplishment="SP2.1.a",
              text=_("Percentage of security risk assessments endorsed by the Division of Regional"
                     " Operations that are kept up to date"),
              unit=Unit.PERCENT, direction=Direction.UP, compute=sras_up_to_date,
              slices=PLACE_SLICES,
              source=_("security risk assessments (risk)")),
    Indicator(id="SP2.1.a.ii", subprogramme=2, component="SP2.1", accomplishment="SP2.1.a",
              text=_("Percentage of field locations implementing minimum operating security "
                     "standards and residential security measures consistent with the security "
                     "risk assessment endorsed by the Division of Regional Operations"),
              unit=Unit.PERCENT, direction=Direction.UP, compute=moss_implemented,
              slices=PLACE_SLICES,
              source=_("MOSS compliance assessments against the MOSS of the endorsed SRA "
                       "(risk)")),
    Indicator(id="SP2.1.b.i", subprogramme=2, component="SP2.1", accomplishment="SP2.1.b",
              text=_("Percentage of security plans endorsed by the Division of "
                     "Regional Operations"),
              unit=Unit.PERCENT, direction=Direction.UP, compute=plans_endorsed,
              slices=PLACE_SLICES,
              source=_("security plans (risk)")),
    Indicator(id="SP2.1.b.ii", subprogramme=2, component="SP2.1", accomplishment="SP2.1.b",
              text=_("Timely activation of crisis management and crisis response"),
              unit=Unit.TIMELINESS, direction=Direction.UP, compute=crisis_activation,
              slices=PLACE_SLICES,
              source=_("crises and their triggering incidents (crisis management)")),
    Indicator(id="SP2.1.c.i", subprogramme=2, component="SP2.1", accomplishment="SP2.1.c",
              text=_("Timely review and approval of the security levels of countries and missions "
                     "with a United Nations presence"),
              unit=Unit.TIMELINESS, direction=Direction.UP, compute=level_reviews_timely,
              slices=PLACE_SLICES,
              source=_("security level reviews (risk)")),
    Indicator(id="SP2.1.c.ii", subprogramme=2, component="SP2.1", accomplishment="SP2.1.c",
              text=_("Percentage of countries and missions with a United Nations presence that "
                     "received security assistance and assessment visits"),
              unit=Unit.PERCENT, direction=Direction.UP, compute=assessment_visits,
              slices=PLACE_SLICES,
              source=_("security assistance and assessment missions (risk)")),
)

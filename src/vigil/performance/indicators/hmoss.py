"""SP1.a.i, compliance with the headquarters minimum operating security standards (H-MOSS):
kept apart from sp1 because its records are risk's MOSS compliance assessments."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from vigil.performance.definitions import Query, Records, Row
from vigil.performance.rules import SLICE_NOT_APPLICABLE, Measure, no_data, percent
from vigil.risk import selectors as risk

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

# The most rows a drill-down lists (the figure counts them all).
LIMIT = 500


def compliance_hq_moss(query: Query) -> Measure:
    """SP1.a.i, percentage of compliance with the elements of the minimum operating security
    standards at headquarters duty stations and regional commissions. Over the final H-MOSS
    assessments of such a station or of one of its premises dated within the period (first
    and last day included), the latest of each place only: the items rated compliant ÷ the
    items that apply (every rated item but "not applicable"). Duty stations of other kinds
    and country MOSS are not counted. An organization slice does not apply."""
    assessments = risk.hq_moss_compliance(user=None, since=query.period.start,
                                          until=query.period.end, within=query.slice)
    if assessments is None:
        return no_data(SLICE_NOT_APPLICABLE)
    compliant, applicable = risk.item_counts(assessments)
    return percent(compliant, applicable, places=len(assessments))


def hq_moss_records(query: Query, user: AnyUser) -> Records:
    """The assessments counted, each with its compliant and applicable items; those the
    viewer may not open are counted in ``hidden``."""
    assessments = risk.hq_moss_compliance(user=None, since=query.period.start,
                                          until=query.period.end, within=query.slice) or []
    openable = set(risk.moss_assessments(user=user).filter(
        pk__in=[a.pk for a in assessments]).values_list("pk", flat=True))
    rows = []
    for assessment in sorted(assessments, key=lambda a: (str(a.duty_station),
                                                         a.target_label)):
        if assessment.pk not in openable:
            continue
        compliant, applicable = risk.item_counts([assessment])
        share = f"{100 * compliant / applicable:.1f} %" if applicable else ""
        rows.append(Row(label=assessment.target_label,
                        url=reverse("risk:moss_assessment", args=[assessment.pk]),
                        cells=(str(assessment.duty_station), assessment.target_label,
                               date_format(assessment.assessed_on, "Y-m-d"),
                               f"{compliant} / {applicable}", share)))
    return Records(columns=(_("Duty station"), _("Place"), _("Assessed on"),
                            _("Compliant / applicable items"), _("Compliance")),
                   rows=rows[:LIMIT], hidden=len(assessments) - len(openable))

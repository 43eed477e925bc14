"""SP1.a.i, compliance with the headquarters minimum operating security standards (H-MOSS):
kept apart from sp1 because its records are risk's MOSS compliance assessments."""

from __future__ import annotations

from vigil.performance.definitions import Query
from vigil.performance.rules import Measure, no_data


def compliance_hq_moss(query: Query) -> Measure:
    """SP1.a.i: computed from
    H-MOSS compliance assessments of headquarters premises (risk)."""
    return no_data()

"""The evidence app as risk's proposal source (registered in apps.py): for a security area,
its threat categories and a day, the proposal of each category as plain data, with the page
of its evidence. Aggregates only: a proposal names no incident, so it needs no viewer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.urls import reverse

from vigil.evidence import rules, selectors
from vigil.places.models import SecurityArea


def as_data(place: selectors.PlaceProposals, category: str) -> dict[str, Any]:
    """One category's proposal as risk keeps and shows it."""
    proposal = place.proposals[category]
    data = proposal.as_dict()
    page = reverse("evidence:area", args=[place.area.pk]) if place.area is not None \
        else reverse("evidence:country", args=[place.country.iso2])
    data.update(computed_on=place.day.isoformat(), method=place.method,
                url=f"{page}#{category}",
                advisory_level=place.context.advisory_level,
                security_level=place.context.security_level)
    return data


def for_area(area: SecurityArea, categories: Sequence[str],
             on: dt.date) -> dict[str, dict[str, Any]]:
    """The proposal for each of ``categories`` (threat categories) in ``area`` on ``on``."""
    wanted = [c for c in categories if c in rules.THREAT_CATEGORIES]
    if not wanted:
        return {}
    place = selectors.area_proposals(area, on)
    return {category: as_data(place, category) for category in wanted}

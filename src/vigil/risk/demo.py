"""Demo security levels: a level in force for most areas, some reviews overdue, and in Kenya
a proposal waiting for the DRO desk officer and one returned to the security officer."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.utils import timezone

from vigil.core.demo import DemoContext, register_step
from vigil.places.models import SecurityArea
from vigil.risk import rules
from vigil.risk.models import SecurityLevelReview

WHY = {
    "armed_conflict": "Armed groups active within 100 km; no attacks on the UN this year.",
    "terrorism": "Threats reported by the host government; no recent attacks in the city.",
    "crime": "Street robbery and car-jacking reported weekly in the area.",
    "civil_unrest": "Demonstrations monthly around government buildings.",
    "hazards": "Seasonal flooding; road traffic accidents are frequent.",
}


def _ratings(ctx: DemoContext, severity: int) -> dict[str, dict[str, str]]:
    """Ratings around a severity from 0 (calm) to 4 (conflict)."""
    ratings = {}
    for category in rules.THREAT_CATEGORIES:
        li = max(0, min(4, severity + ctx.rng.choice([-1, 0, 0, 1])))
        im = max(0, min(4, severity + ctx.rng.choice([-1, 0, 1])))
        ratings[category] = {"likelihood": rules.LIKELIHOODS[li], "impact": rules.IMPACTS[im],
                             "justification": WHY[category]}
    return ratings


def _level(ratings: dict[str, dict[str, str]]) -> int:
    return rules.derive_security_level({c: (r["likelihood"], r["impact"])
                                        for c, r in ratings.items()})


def load_levels(ctx: DemoContext) -> None:
    users = get_user_model().objects
    officer, dro = users.get(username="security.officer"), users.get(username="dro.desk")
    now = timezone.now()
    today = timezone.localdate()
    reviews = []
    areas = list(SecurityArea.objects.select_related("country").order_by("pk"))
    # Stations in the field first-listed countries are rougher places in this demo.
    rough = {"SO", "SS", "AF", "CD", "ML", "IQ", "SD", "HT", "YE", "SY", "LY"}
    for index, area in enumerate(areas):
        if index % 12 == 11:
            continue  # some areas have no level yet
        severity = 3 if area.country.iso2 in rough else ctx.rng.choice([0, 1, 1, 2, 2])
        ratings = _ratings(ctx, severity)
        level = _level(ratings)
        proposed = now - dt.timedelta(days=ctx.rng.randrange(60, 400))
        decided = proposed + dt.timedelta(days=ctx.rng.randrange(1, 45))
        overdue = index % 5 == 0
        due = today - dt.timedelta(days=ctx.rng.randrange(5, 90)) if overdue else \
            today + dt.timedelta(days=ctx.rng.randrange(20, 180))
        reviews.append(SecurityLevelReview(
            security_area=area, ratings=ratings, derived_level=level, proposed_level=level,
            status=SecurityLevelReview.Status.APPROVED, proposed_by=officer,
            proposed_at=proposed, reviewer=dro, review_started_at=decided, decided_by=dro,
            decided_at=decided, next_review_due=due))
    kenya = [a for a in areas if a.country.iso2 == "KE"]
    if kenya:
        ratings = _ratings(ctx, 2)
        reviews.append(SecurityLevelReview(
            security_area=kenya[0], ratings=ratings, derived_level=_level(ratings),
            proposed_level=_level(ratings), status=SecurityLevelReview.Status.PROPOSED,
            proposed_by=officer, proposed_at=now - dt.timedelta(days=3)))
    if len(kenya) > 1:
        ratings = _ratings(ctx, 1)
        reviews.append(SecurityLevelReview(
            security_area=kenya[1], ratings=ratings, derived_level=_level(ratings),
            proposed_level=min(6, _level(ratings) + 1),
            justification="Elections next month.",
            status=SecurityLevelReview.Status.RETURNED, proposed_by=officer,
            proposed_at=now - dt.timedelta(days=10), decided_by=dro,
            decided_at=now - dt.timedelta(days=8),
            decision_comment="Rate civil unrest again in the light of the election calendar."))
    SecurityLevelReview.objects.bulk_create(reviews, batch_size=1000)
    ctx.counts["security_level_reviews"] = len(reviews)


register_step(50, "security levels", load_levels)

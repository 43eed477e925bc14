"""Demo history for the likelihood proposals: the Aid Worker Security Database's incidents of
the demo's home countries (Kenya, Somalia, South Sudan, Ethiopia, DR Congo) from 2012 to 2024,
imported as an administrator would, so that each area's proposal stands on a real record of
more than two years (data/SOURCES.md). The importer places each incident in the security
area whose boundary holds it."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model

from vigil.core.demo import DemoContext, register_step
from vigil.evidence import proposals
from vigil.incidents.importers import awsd_import
from vigil.risk import proposals as risk_proposals
from vigil.risk.models import SecurityLevelReview

HISTORY = Path(__file__).resolve().parent / "data" / "awsd_demo_countries_2012-2024.csv"


def load_history(ctx: DemoContext) -> None:
    admin = get_user_model().objects.get(username="admin")
    report = awsd_import(actor=admin, path=HISTORY, skip_invalid=True)
    ctx.counts["awsd_history"] = report.added
    _beside_open_proposals()


def _beside_open_proposals() -> None:
    """The security level step (50) proposed its open levels before any incident was recorded:
    keep beside their ratings the proposal their officers would have seen, as the services keep
    it for a level proposed today, so that the demo shows ratings and proposals side by side."""
    open_reviews = SecurityLevelReview.objects.filter(
        status__in=[SecurityLevelReview.Status.PROPOSED, SecurityLevelReview.Status.UNDER_REVIEW,
                    SecurityLevelReview.Status.RETURNED]).select_related("security_area")
    changed = []
    for review in open_reviews:
        found = proposals.for_area(review.security_area, list(review.ratings),
                                   review.proposed_at.date())
        for category, rating in review.ratings.items():
            if category in found:
                rating["proposal"] = risk_proposals.kept(found[category])
        changed.append(review)
    SecurityLevelReview.objects.bulk_update(changed, ["ratings"])


register_step(86, "incident history (AWSD)", load_history)

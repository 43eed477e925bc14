"""Demo history for the likelihood proposals: the Aid Worker Security Database's incidents of
the demo's home countries (Kenya, Somalia, South Sudan, Ethiopia, DR Congo) from 2012 to 2024,
imported as an administrator would, so that each area's proposal stands on a real record of
more than two years (data/SOURCES.md). The importer places each incident in the security
area whose boundary holds it."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model

from vigil.core.demo import DemoContext, register_step
from vigil.incidents.importers import awsd_import

HISTORY = Path(__file__).resolve().parent / "data" / "awsd_demo_countries_2012-2024.csv"


def load_history(ctx: DemoContext) -> None:
    admin = get_user_model().objects.get(username="admin")
    report = awsd_import(actor=admin, path=HISTORY, skip_invalid=True)
    ctx.counts["awsd_history"] = report.added


register_step(86, "incident history (AWSD)", load_history)

"""Demo cost-sharing: the 2024-2025 biennium apportioned and approved from an imported census,
and 2026-2027 apportioned from a census of the people registry, waiting for the budget
officer's approval; so that statements and the comparison have content."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model

from vigil.core.demo import DemoContext, register_step
from vigil.costshare import selectors, services
from vigil.people.models import Organization
from vigil.places.models import Country


def load_costshare(ctx: DemoContext) -> None:
    officer = get_user_model().objects.get(username="budget")
    earlier = services.biennium_save(actor=officer, biennium=None, data={
        "start_year": 2024, "budget": Decimal("248600000.00"),
        "note": "Jointly financed activities of the UN security management system."})
    later = services.biennium_save(actor=officer, biennium=None, data={
        "start_year": 2026, "budget": Decimal("262400000.00"),
        "note": "As proposed to the HLCM; approval pending."})

    # The earlier census, as the organizations reported it in 2023: today's registry counts,
    # each somewhat different two years back.
    codes = dict(Organization.objects.values_list("pk", "code"))
    isos = dict(Country.objects.values_list("pk", "iso2"))
    counts = selectors.registry_field_headcounts()
    totals: dict[int, int] = {}
    for org, _country, n in counts:
        totals[org] = totals.get(org, 0) + n
    # The two smallest organizations then reported a few country lines each: one, and three.
    smallest = sorted(totals, key=lambda o: (totals[o], o))[:2] if len(totals) > 5 else []
    lines_kept = dict(zip(smallest, (1, 3), strict=False))
    rows = ["organization,country,headcount"]
    for org, country, n in counts:
        if org in lines_kept:
            if lines_kept[org] == 0:
                continue
            lines_kept[org] -= 1
            then = n
        else:
            then = round(n * ctx.rng.uniform(0.8, 1.1))
        if then > 0:
            rows.append(f"{codes[org]},{isos[country]},{then}")
    census, _report = services.census_import(actor=officer, biennium=earlier,
                                             census_date=dt.date(2023, 7, 1),
                                             data="\n".join(rows) + "\n")
    census = services.census_move(actor=officer, census=census, status="final")
    apportionment = services.apportionment_compute(actor=officer, biennium=earlier,
                                                   census=census)
    services.apportionment_approve(actor=officer, apportionment=apportionment)

    current = services.census_take(actor=officer, biennium=later,
                                   note="Field personnel in the registry.")
    current = services.census_move(actor=officer, census=current, status="final")
    services.apportionment_compute(actor=officer, biennium=later, census=current)
    ctx.counts["cost-sharing bienniums"] = 2


register_step(114, "costshare", load_costshare)

"""The dashboard on the small demo: every indicator has its tile for the current biennium and
the whole system, the API gives the same figures, and a DRO desk officer's drill-down stays
within their countries. The demo is loaded once for the module (rolled back after it) and the
checks share one test, so that one xdist worker loads it, once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from vigil.core.slices import Slice, SliceKind
from vigil.core.tests.test_crawl import demo_site  # noqa: F401 (the module's demo)
from vigil.performance import registry
from vigil.performance import selectors as sel
from vigil.performance.forms import current_biennium
from vigil.places.models import Country


def _signed_in(username: str) -> tuple[Client, Any]:
    user = get_user_model().objects.get(username=username)
    client = Client()
    client.force_login(user)
    return client, user


def test_the_demo_dashboard_shows_the_18_indicators(demo_site: None, db: Any) -> None:  # noqa: F811
    period = current_biennium()
    client, manager = _signed_in("programme.manager")

    # The dashboard opens on the current biennium and the whole system.
    page = client.get(reverse("performance:dashboard"))
    assert page.status_code == 200
    assert (page.context["period"], page.context["where"]) == (period, Slice.system())
    tiles = [t for sp in page.context["groups"] for comp in sp["components"]
             for acc in comp["accomplishments"] for t in acc["tiles"]]
    assert [t["indicator"].id for t in tiles] == list(registry.IDS)
    html = page.content.decode()
    assert all(f'id="tile-{i}"' in html for i in registry.IDS)
    empty = [t["indicator"].id for t in tiles if t["no_data"]]
    print(f"demo {period.label}, whole system: {18 - len(empty)} of 18 with a value; "  # noqa: T201
          f"no data: {', '.join(empty) or 'none'}; "
          + "; ".join(f"{t['indicator'].id} {t['actual']}" for t in tiles))
    # Most indicators have a figure in the demo; each one without says why.
    assert len(empty) <= 3, empty
    assert all(t["reason"] for t in tiles if t["no_data"])
    assert page.context["no_data"] == len(empty)
    # Every tile has the demo's target and baseline for the biennium, and a verdict when it
    # has a value.
    assert all(t["target"] and t["baseline"] for t in tiles)
    assert all(t["met"] is not None for t in tiles if not t["no_data"])
    assert page.context["met"] + page.context["not_met"] == 18 - len(empty)

    # The API gives the same figures, in the same order.
    rows = APIClient()
    rows.force_authenticate(manager)
    listed = rows.get("/api/v1/indicators/").json()
    assert [r["id"] for r in listed] == list(registry.IDS)
    assert [r["value"]["no_data"] for r in listed] == [t["no_data"] for t in tiles]
    assert [r["target_met"] for r in listed] == [t["met"] for t in tiles]

    # A DRO desk officer starts on their first country, may not open the whole system, and
    # the records behind a figure are those of their countries only.
    desk_client, desk = _signed_in("dro.desk")
    mine = desk_client.get(reverse("performance:dashboard"))
    assert mine.status_code == 200
    assert mine.context["where"].kind is SliceKind.COUNTRY
    assert desk_client.get(reverse("performance:dashboard"),
                           {"where": "system"}).status_code == 400
    kenya = Country.objects.get(iso2="KE")
    desk_countries = set(Country.objects.filter(iso2__in=["KE", "SO", "SS", "ET", "CD"])
                         .values_list("name", flat=True))
    indicator = registry.get("SP2.1.c.i")  # security level reviews, listed by country
    assert indicator is not None
    # Over the whole system the desk officer opens their countries' reviews; the others are
    # counted, not listed.
    found = sel.records(indicator, period, Slice.system(), desk)
    assert found is not None
    judged = sel.measure(indicator, period, Slice.system()).denominator
    assert len(found.rows) + found.hidden == judged
    assert found.hidden > 0
    assert {row.cells[0] for row in found.rows} <= desk_countries
    page = desk_client.get(reverse("performance:indicator", args=[indicator.id]),
                           {"period": period.key, "where": f"country:{kenya.pk}"})
    assert page.status_code == 200
    assert page.context["records"].hidden == 0
    in_kenya = sel.measure(indicator, period, Slice(SliceKind.COUNTRY, kenya.pk))
    assert len(page.context["records"].rows) == (in_kenya.denominator or 0)
    assert {row["country"].name for row in page.context["countries"]} <= desk_countries

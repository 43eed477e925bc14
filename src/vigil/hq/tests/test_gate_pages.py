"""The premises day view for a given date, the statistics, the lists (their queries do not
grow with the data) and the HQ security officer's home panel."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from vigil.hq.gate_selectors import day_view, statistics
from vigil.hq.gate_services import entry_report, gate_scan
from vigil.hq.gate_views import CHART_BAR_MAX, bars
from vigil.hq.models import EntryEvent
from vigil.hq.tests.test_gate_fixtures import site  # noqa: F401
from vigil.incidents.models import Incident

NAIROBI = ZoneInfo("Africa/Nairobi")
DAY = dt.date(2026, 1, 7)


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=NAIROBI)


def scans(site, *specs):  # noqa: F811
    for when, number in specs:
        gate_scan(actor=site.officer, gate=site.lobby, pass_number=number, at=when)


def test_the_day_view_shows_the_local_day_only(site):  # noqa: F811
    scans(site, (at(0, 30), site.valid.number), (at(9), site.valid.number),
          (at(9, 5), site.expired.number), (at(23, 50), site.valid.number),
          (at(0, 10, DAY + dt.timedelta(days=1)), site.valid.number))
    entry_report(actor=site.officer, premises=site.cast.gigiri, kind="tailgating",
                 occurred_at=at(14), description="Seen.")
    view = day_view(user=site.officer, premises=site.cast.gigiri, day=DAY)
    assert view["totals"] == {"granted": 3, "denied": 1, "reported": 1}
    assert view["hours"][9] == {"hour": 9, "granted": 1, "denied": 1, "reported": 0}
    assert [u.rule for u in view["unauthorized"]] == ["invalid_pass", "tailgating"]
    assert len(view["incidents"]) == 2
    assert view["zone"] == "Africa/Nairobi"
    assert len(view["latest"]) == 5


def test_the_day_view_page_names_the_day_and_links_the_days_around(site, client):  # noqa: F811
    scans(site, (at(9, 5), site.expired.number))
    Incident.objects.filter(pk__isnull=False).update(title="Expired pass at Lobby 1")
    client.force_login(site.officer)
    url = reverse("hq:gate_premises_day", args=[site.cast.gigiri.pk])
    page = client.get(url, {"date": DAY.isoformat()}).content.decode()
    assert "Africa/Nairobi" in page
    assert "UN Gigiri" in page
    assert "?date=2026-01-06" in page
    assert "?date=2026-01-08" in page
    assert "Expired pass at Lobby 1" in page
    assert "NBO-000002" in page
    assert "<svg" in page
    other_day = client.get(url, {"date": "2026-01-01"}).content.decode()
    assert "Expired pass at Lobby 1" not in other_day
    assert client.get(url, {"date": "not-a-date"}).status_code == 200


def test_statistics_count_by_period_and_gate(site):  # noqa: F811
    scans(site, (at(9), site.valid.number), (at(10), "X1"),
          (at(9, 0, DAY + dt.timedelta(days=1)), site.valid.number))
    gate_scan(actor=site.officer, gate=site.garage, pass_number=site.valid.number, at=at(11))
    stats = statistics(user=site.officer, period="day", by="gate", since=DAY,
                       until=DAY + dt.timedelta(days=1), tz=NAIROBI)
    assert stats["totals"] == {"granted": 3, "denied": 1, "reported": 0, "unauthorized": 0}
    assert [(p["period"], p["granted"], p["denied"]) for p in stats["periods"]] == [
        (DAY, 2, 1), (DAY + dt.timedelta(days=1), 1, 0)]
    assert {g["label"]: g["granted"] for g in stats["groups"]} == {"Garage": 1, "Lobby 1": 2}
    month = statistics(user=site.officer, period="month", since=DAY, until=DAY, tz=NAIROBI)
    assert [p["granted"] for p in month["periods"]] == [2]


def test_the_statistics_page_has_the_chart_and_its_table(site, client):  # noqa: F811
    scans(site, (at(9), site.valid.number))
    client.force_login(site.officer)
    page = client.get(reverse("hq:gate_statistics"), {
        "premises": site.cast.gigiri.pk, "since": "2026-01-01", "until": "2026-01-31",
        "period": "week"}).content.decode()
    assert "<svg" in page
    assert "Africa/Nairobi" in page
    assert "<table" in page


def _grow(site, n: int) -> None:  # noqa: F811
    EntryEvent.objects.bulk_create([EntryEvent(
        premises=site.cast.gigiri, gate=site.lobby, occurred_at=at(8) + dt.timedelta(seconds=i),
        pass_number=f"N{i}", result="granted", source="import", external_id=f"g{n}-{i}")
        for i in range(n)])


@pytest.mark.parametrize("name", ["gate_event_list", "gate_unauthorized_list",
                                  "gate_import_list"])
def test_list_pages_do_not_grow_with_the_data(site, client, name):  # noqa: F811
    client.force_login(site.officer)
    url = reverse(f"hq:{name}")
    _grow(site, 2)
    scans(site, (at(9), site.expired.number))
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    _grow(site, 20)
    scans(site, (at(10), site.revoked.number), (at(11), site.expired.number))
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(small) == len(large)


def test_the_event_list_exports_csv(site, client):  # noqa: F811
    scans(site, (at(9), site.valid.number))
    client.force_login(site.officer)
    response = client.get(reverse("hq:gate_event_list"), {"format": "csv"})
    body = b"".join(response.streaming_content).decode()
    assert "NBO-000001" in body
    assert "Africa/Nairobi" in body


def test_the_home_panel_lists_the_premises_in_scope_today(site, client):  # noqa: F811
    gate_scan(actor=site.officer, gate=site.lobby, pass_number=site.valid.number)
    client.force_login(site.officer)
    page = client.get("/").content.decode()
    assert "HQ premises today" in page
    assert reverse("hq:gate_premises_day", args=[site.cast.gigiri.pk]) in page


def _rows(n: int) -> list[dict[str, int]]:
    return [{"hour": h, "granted": h % 3, "denied": 1} for h in range(n)]


def test_the_chart_names_every_bar_when_the_names_fit():
    chart = bars(_rows(4), 3, lambda r: f"{r['hour']:02d}:00")
    assert [b["label"] for b in chart["bars"] if b["named"]] == [
        "00:00", "01:00", "02:00", "03:00"]
    assert {b["w"] for b in chart["bars"]} == {CHART_BAR_MAX}
    assert chart["label_y"] > chart["base"]


def test_the_chart_names_every_other_bar_when_the_names_would_overlap():
    chart = bars(_rows(24), 3, lambda r: f"{r['hour']:02d}:00")
    named = [b["label"] for b in chart["bars"] if b["named"]]
    assert named[:3] == ["00:00", "02:00", "04:00"]
    assert len(named) == 12


def test_the_day_view_chart_names_the_hours(site, client):  # noqa: F811
    scans(site, (at(9), site.valid.number))
    client.force_login(site.officer)
    page = client.get(reverse("hq:gate_premises_day", args=[site.cast.gigiri.pk]),
                      {"date": DAY.isoformat()}).content.decode()
    assert 'text-anchor="middle" font-size="11" fill="#3d4b58">08:00</text>' in page

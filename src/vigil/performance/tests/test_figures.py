"""The figures kept for the dashboard and the home panel (performance.figures): said to be as
of their moment, recomputed when old or asked, never computed by the home panel, keyed by the
slice and the settings, with the targets of now."""

from __future__ import annotations

import datetime as dt
import pickle
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from vigil.core.slices import Slice, SliceKind
from vigil.core.tests.query_counts import queries
from vigil.performance import figures, registry, rules, services, tasks
from vigil.performance import selectors as sel
from vigil.performance.models import Target

pytestmark = pytest.mark.django_db

PERIOD = rules.biennium_of(timezone.localdate())
MARK = 4242  # a figure no record gives: seen on a page, it came from the cache


@pytest.fixture
def asked(monkeypatch):
    """The refreshes asked of the worker, recorded instead of run (as with a broker)."""
    calls: list[tuple[str, str, str | None]] = []
    monkeypatch.setattr(tasks.refresh_figures, "delay", lambda *args: calls.append(args))
    return calls


def _key(where: Slice) -> str:
    return figures.key_of(PERIOD, where, sel.targets_and_settings(PERIOD)[1])


def _mark(where: Slice, *, age: dt.timedelta = dt.timedelta(0)) -> None:
    """Keep figures for ``where`` whose SP1.a.ii reads MARK, computed ``age`` ago."""
    entry = cache.get(_key(where))
    if entry is None:
        figures.compute(PERIOD, where)
        entry = cache.get(_key(where))
    entry["measures"]["SP1.a.ii"] = (rules.count(MARK), rules.count(MARK))
    entry["as_of"] = timezone.now() - age
    cache.set(_key(where), entry)


def test_the_figures_computed_are_the_tiles_of_the_selectors(cast):
    for where in (Slice.system(), Slice(SliceKind.COUNTRY, cast.kenya.pk)):
        found = figures.compute(PERIOD, where)
        assert found.computed_now
        direct = sel.tiles(PERIOD, where)
        assert [(t.indicator.id, t.actual, t.previous, t.target) for t in found.tiles] == \
            [(t.indicator.id, t.actual, t.previous, t.target) for t in direct]
        kept = figures.kept(PERIOD, where)
        assert kept is not None
        assert not kept.computed_now
        assert [(t.actual, t.previous) for t in kept.tiles] == \
            [(t.actual, t.previous) for t in direct]
        assert kept.as_of == found.as_of
        # Redis (production's cache) keeps the entry pickled: it must come back the same.
        entry = cache.get(_key(where))
        assert pickle.loads(pickle.dumps(entry)) == entry  # noqa: S301 - our own entry


def test_the_dashboard_shows_kept_figures_as_of_their_moment(client, manager):
    client.force_login(manager)
    first = client.get(reverse("performance:dashboard")).content.decode()
    assert "Figures computed now" in first
    _mark(Slice.system(), age=dt.timedelta(minutes=3))
    again = client.get(reverse("performance:dashboard")).content.decode()
    assert f">{MARK}<" in again
    assert "Figures as of" in again
    assert "Compute them again now" in again
    fresh = client.get(reverse("performance:dashboard"), {"again": "1"}).content.decode()
    assert f">{MARK}<" not in fresh
    assert "Figures computed now" in fresh


def test_the_dashboard_computes_figures_older_than_the_refresh_again(client, manager):
    client.force_login(manager)
    _mark(Slice.system(), age=figures.REFRESH_AFTER + dt.timedelta(seconds=5))
    html = client.get(reverse("performance:dashboard")).content.decode()
    assert f">{MARK}<" not in html
    assert "Figures computed now" in html


def test_figures_older_than_a_day_are_never_shown(cast, asked):
    _mark(Slice.system(), age=figures.KEEP + dt.timedelta(minutes=1))
    assert figures.kept(PERIOD, Slice.system()) is None


def test_a_setting_changed_is_never_shown_with_figures_of_the_old_one(client, manager):
    client.force_login(manager)
    _mark(Slice.system(), age=dt.timedelta(minutes=1))
    assert f">{MARK}<" in client.get(reverse("performance:dashboard")).content.decode()
    services.setting_set(actor=manager, indicator_id="SP1.c", key="days_share",
                         value=Decimal(90), version=None)
    html = client.get(reverse("performance:dashboard")).content.decode()
    assert f">{MARK}<" not in html
    assert "Figures computed now" in html


def test_targets_are_read_now_not_kept(client, manager):
    client.force_login(manager)
    figures.compute(PERIOD, Slice.system())
    Target.objects.create(indicator="SP1.a.ii", biennium_start=PERIOD.start.year,
                          baseline=Decimal(9), target=Decimal(7))
    kept = figures.kept(PERIOD, Slice.system())
    assert kept is not None
    assert next(t for t in kept.tiles if t.indicator.id == "SP1.a.ii").target == Decimal(7)


def test_the_home_panel_never_computes_and_asks_the_worker_once(client, manager, asked):
    client.force_login(manager)
    html = client.get("/").content.decode()
    assert "The figures are being computed" in html
    assert asked == [(PERIOD.key, "system", None)]
    client.get("/")
    assert len(asked) == 1  # asked already: not again until it has run
    assert cache.get(_key(Slice.system())) is None
    tasks.refresh_figures.run(*asked[0])  # the worker runs it
    html = client.get("/").content.decode()
    assert "The figures are being computed" not in html
    assert "Figures as of" in html
    assert len(asked) == 1


def test_the_home_panel_shows_old_figures_saying_so_and_asks_for_new(client, manager, asked):
    client.force_login(manager)
    _mark(Slice.system(), age=figures.REFRESH_AFTER + dt.timedelta(minutes=1))
    html = client.get("/").content.decode()
    assert "Newer figures are being computed." in html
    assert "Figures as of" in html
    assert asked == [(PERIOD.key, "system", None)]


def test_the_home_panel_without_a_broker_computes_through_the_task(client, manager):
    client.force_login(manager)  # tests have no broker: Celery runs the task in place
    html = client.get("/").content.decode()
    assert "Figures as of" in html
    assert cache.get(_key(Slice.system())) is not None


def test_each_slice_has_its_own_figures(client, desk, manager, cast, asked):
    _mark(Slice.system(), age=dt.timedelta(minutes=1))
    client.force_login(desk)  # Kenya's figures, never the whole system's
    assert f">{MARK}<" not in client.get(reverse("performance:dashboard")).content.decode()
    kenya = Slice(SliceKind.COUNTRY, cast.kenya.pk)
    assert cache.get(_key(kenya)) is not None
    client.force_login(manager)
    assert f">{MARK}<" in client.get(reverse("performance:dashboard")).content.decode()
    _mark(kenya, age=dt.timedelta(minutes=1))
    cache.delete(_key(Slice.system()))
    assert f">{MARK}<" not in client.get(reverse("performance:dashboard")).content.decode()
    client.force_login(desk)
    assert f">{MARK}<" in client.get(reverse("performance:dashboard")).content.decode()


def test_the_task_reads_its_arguments(cast):
    tasks.refresh_figures.run(PERIOD.key, "country", str(cast.kenya.pk))
    assert figures.kept(PERIOD, Slice(SliceKind.COUNTRY, cast.kenya.pk)) is not None
    tasks.refresh_current.run()
    assert figures.kept(PERIOD, Slice.system()) is not None


def test_kept_figures_take_the_same_queries_whatever_the_records(client, manager, cast):
    client.force_login(manager)
    url = reverse("performance:dashboard")
    figures.compute(PERIOD, Slice.system())
    few = queries(client, url)
    for n in range(5):
        cast.person(f"2000000{n}", f"Extra{n}", cast.undp, cast.nairobi)
    figures.compute(PERIOD, Slice.system())
    assert queries(client, url) == few
    assert len(registry.IDS) == 18


def test_without_a_broker_the_panel_shows_the_figures_just_computed(client, manager):
    client.force_login(manager)
    _mark(Slice.system(), age=figures.REFRESH_AFTER + dt.timedelta(minutes=1))
    html = client.get("/").content.decode()
    assert "Newer figures are being computed." not in html
    kept = figures.kept(PERIOD, Slice.system())
    assert kept is not None
    assert not kept.stale

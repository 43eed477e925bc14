"""Pages of programme performance: the dashboard of the seed's indicators for a period and a
slice, each indicator's page (trend, map, the records behind the figure, settings), and the
targets of a biennium. Figures come from the selectors; writes go through the services."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from vigil.core.authz import Perm, has_perm_anywhere, holds_globally
from vigil.core.errors import DomainError, Forbidden, StaleVersion, ValidationFailed
from vigil.core.slices import Slice, SliceKind
from vigil.core.views_support import next_url, perm_required
from vigil.performance import charts, figures, registry, rules, services
from vigil.performance import selectors as sel
from vigil.performance.definitions import Indicator
from vigil.performance.forms import (
    FilterForm,
    SettingForm,
    TargetForm,
    current_biennium,
    where_key,
)
from vigil.performance.models import IndicatorSetting, Target

if TYPE_CHECKING:
    from django import forms

TREND_POINTS = 6
RECORD_ROWS = 50  # the API gives every row; the page the first ones
ARROWS = {rules.Travel.BETTER: "▲", rules.Travel.SAME: "▶", rules.Travel.WORSE: "▼",
          rules.Travel.UNKNOWN: "·"}
TRAVEL_BADGES = {rules.Travel.BETTER: "ok", rules.Travel.SAME: "neutral",
                 rules.Travel.WORSE: "bad", rules.Travel.UNKNOWN: "neutral"}


def _number(value: Decimal | int) -> str:
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value == value.to_integral() else f"{value:.1f}"
    return str(value)


def figure(value: Decimal | int | None, unit: rules.Unit) -> str:
    """A baseline, target or value with its unit; "" when there is none."""
    if value is None:
        return ""
    return f"{_number(value)} %" if unit in (rules.Unit.PERCENT, rules.Unit.TIMELINESS) \
        else _number(value)


def measure_text(measure: rules.Measure, unit: rules.Unit) -> str:
    """How a measure reads: 72.5 % · 12 · 80 % on time, median 3.5 days · no data."""
    if measure.value is None:
        return _("no data")
    if unit is rules.Unit.TIMELINESS:
        if measure.median_days is None:
            return _("%(share)s on time") % {"share": figure(measure.value, unit)}
        return _("%(share)s on time, median %(days)s days") % {
            "share": figure(measure.value, unit), "days": _number(measure.median_days)}
    return figure(measure.value, unit)


def reason_text(measure: rules.Measure) -> str:
    if not measure.no_data:
        return ""
    if measure.detail.get("suppressed"):
        # Counselling figures: people were counted, but too few to publish without risk of
        # pointing at someone.
        return _("withheld: fewer than %(minimum)s people in a count, to keep them "
                 "unidentifiable") % {"minimum": measure.detail.get("minimum", "")}
    return str(rules.REASON_LABELS.get(measure.reason, measure.reason))


def present(tile: sel.Tile, query: str) -> dict[str, Any]:
    """A tile as the templates show it: every fact as words, never a colour alone."""
    unit = tile.indicator.unit
    versus = tile.versus_previous
    met = tile.met
    actual = tile.actual
    return {
        "indicator": tile.indicator,
        "url": reverse("performance:indicator", args=[tile.indicator.id]) + (
            f"?{query}" if query else ""),
        "actual": measure_text(actual, unit),
        "no_data": actual.no_data,
        "reason": reason_text(actual),
        "fraction": (f"{actual.numerator} / {actual.denominator}"
                     if actual.denominator is not None and not actual.no_data else ""),
        "previous": measure_text(tile.previous, unit),
        "previous_no_data": tile.previous.no_data,
        "previous_label": tile.period.previous().label,
        "target": figure(tile.target, unit),
        "baseline": figure(tile.baseline, unit),
        "met": met,
        "met_text": "" if met is None else (_("target met") if met else _("target not met")),
        "travel": versus.value,
        "travel_arrow": ARROWS[versus],
        "travel_text": str(rules.TRAVEL_LABELS[versus]),
        "travel_badge": TRAVEL_BADGES[versus],
        "unit": str(rules.UNIT_LABELS[unit]),
        "direction": str(rules.DIRECTION_LABELS[tile.indicator.direction]),
        "direction_arrow": "↑" if tile.indicator.direction is rules.Direction.UP else "↓",
    }


def _filters(request: HttpRequest) -> tuple[FilterForm, rules.Period | None, Slice | None]:
    if request.GET:
        form = FilterForm(request.GET, user=request.user)
    else:
        start = sel.default_slice(request.user)
        form = FilterForm({"period": current_biennium().key,
                           "where": where_key(start) if start is not None else ""},
                          user=request.user)
    period, where = form.resolve()
    if where is None and not form.errors:
        # A viewer without any slice (their grant names nothing placeable) sees nothing.
        raise Http404
    return form, period, where


def _query(period: rules.Period, where: Slice) -> str:
    return urlencode({"period": period.key, "where": where_key(where)})


def _maybe(name: str, query: str = "") -> str:
    """A link to a page another part of the module provides, when it is installed."""
    try:
        url = reverse(name)
    except NoReverseMatch:
        return ""
    return f"{url}?{query}" if query else url


def _groups(tiles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tiles under subprogramme → component → expected accomplishment, in the seed's order."""
    out: list[dict[str, Any]] = []
    for item in tiles:
        indicator: Indicator = item["indicator"]
        if not out or out[-1]["number"] != indicator.subprogramme:
            out.append({"number": indicator.subprogramme,
                        "title": registry.SUBPROGRAMMES[indicator.subprogramme],
                        "components": []})
        components = out[-1]["components"]
        if not components or components[-1]["key"] != indicator.component:
            components.append({"key": indicator.component,
                               "title": registry.COMPONENTS.get(indicator.component, ""),
                               "accomplishments": []})
        accomplishments = components[-1]["accomplishments"]
        if not accomplishments or accomplishments[-1]["key"] != indicator.accomplishment:
            accomplishments.append({"key": indicator.accomplishment,
                                    "title": registry.ACCOMPLISHMENTS[indicator.accomplishment],
                                    "tiles": []})
        accomplishments[-1]["tiles"].append(item)
    return out


@perm_required(Perm.VIEW_PERFORMANCE)
def dashboard(request: HttpRequest) -> HttpResponse:
    form, period, where = _filters(request)
    context: dict[str, Any] = {"form": form, "period": period, "where": where}
    if period is None or where is None:
        return render(request, "performance/dashboard.html", context, status=400)
    query = _query(period, where)
    found = figures.for_page(period, where, again=request.GET.get("again") == "1")
    tiles = [present(t, query) for t in found.tiles]
    context.update({
        "groups": _groups(tiles), "count": len(tiles), "query": query,
        "as_of": found.as_of, "computed_now": found.computed_now,
        "again_url": f"{reverse('performance:dashboard')}?{query}&again=1",
        "where_label": sel.slice_label(where),
        "met": sum(1 for t in tiles if t["met"] is True),
        "not_met": sum(1 for t in tiles if t["met"] is False),
        "no_data": sum(1 for t in tiles if t["no_data"]),
        "may_set": holds_globally(request.user, Perm.SET_TARGETS),
        "targets_url": reverse("performance:targets") + f"?biennium="
                       f"{rules.biennium_of(period.start).start.year}",
        # The report is the whole system's; incident statistics need the right to see incidents.
        "report_url": _maybe("performance:report", "period=" + rules.biennium_of(
            period.start).key) if holds_globally(request.user, Perm.VIEW_PERFORMANCE) else "",
        "hxl_indicators_url": _maybe("performance:hxl_indicators", query),
        "hxl_incidents_url": _maybe("performance:hxl_incidents", f"period={period.key}")
        if has_perm_anywhere(request.user, Perm.VIEW_INCIDENT) else "",
    })
    return render(request, "performance/dashboard.html", context)


def _indicator_or_404(indicator_id: str) -> Indicator:
    indicator = registry.get(indicator_id)
    if indicator is None:
        raise Http404
    return indicator


def _country_rows(user: Any, indicator: Indicator, period: rules.Period,
                  query_for: Any) -> list[dict[str, Any]]:
    rows = []
    for country, measure in sel.by_country(indicator, period):
        where = Slice(SliceKind.COUNTRY, country.pk)
        if not sel.may_view_slice(user, where):
            continue
        rows.append({"country": country, "code": country.iso2, "value": measure.value,
                     "text": measure_text(measure, indicator.unit),
                     "reason": reason_text(measure), "no_data": measure.no_data,
                     "url": query_for(where)})
    return rows


def _setting_rows(indicator: Indicator) -> list[dict[str, Any]]:
    stored = {s.key: s for s in IndicatorSetting.objects.filter(indicator=indicator.id)}
    values = sel.settings_of(indicator)
    return [{"setting": s, "value": values[s.key], "changed": s.key in stored,
             "version": stored[s.key].version if s.key in stored else None}
            for s in indicator.settings]


@perm_required(Perm.VIEW_PERFORMANCE)
def indicator_detail(request: HttpRequest, indicator_id: str) -> HttpResponse:
    indicator = _indicator_or_404(indicator_id)
    form, period, where = _filters(request)
    context: dict[str, Any] = {"form": form, "indicator": indicator, "period": period,
                               "where": where}
    if period is None or where is None:
        return render(request, "performance/indicator.html", context, status=400)
    query = _query(period, where)
    tile = present(sel.tile(indicator, period, where), query)
    points = sel.series(indicator, period, where, TREND_POINTS)
    percent = indicator.unit is not rules.Unit.COUNT
    trend = charts.trend([(p, m.value) for p, m in points], percent=percent)
    trend_rows = [{"period": p, "text": measure_text(m, indicator.unit),
                   "reason": reason_text(m), "no_data": m.no_data,
                   "fraction": (f"{m.numerator} / {m.denominator}"
                                if m.denominator is not None and not m.no_data else "")}
                  for p, m in points]
    base = reverse("performance:indicator", args=[indicator.id])

    def query_for(place: Slice) -> str:
        return f"{base}?{_query(period, place)}"

    countries = _country_rows(request.user, indicator, period, query_for)
    country_map = charts.country_map({row["code"]: row["value"] for row in countries},
                                     percent=percent) if countries else {"any": False}
    found = sel.records(indicator, period, where, request.user)
    may_set = holds_globally(request.user, Perm.SET_TARGETS)
    context.update({
        "tile": tile, "query": query, "where_label": sel.slice_label(where),
        "trend": trend, "trend_rows": trend_rows, "countries": countries,
        "map": country_map, "records": found,
        "record_rows": found.rows[:RECORD_ROWS] if found is not None else [],
        "record_more": max(len(found.rows) - RECORD_ROWS, 0) if found is not None else 0,
        "settings": _setting_rows(indicator), "may_set": may_set,
        "unit_label": rules.UNIT_LABELS[indicator.unit],
        "direction_label": rules.DIRECTION_LABELS[indicator.direction],
        "accomplishment": registry.ACCOMPLISHMENTS[indicator.accomplishment],
        "subprogramme": registry.SUBPROGRAMMES[indicator.subprogramme],
        "component": registry.COMPONENTS.get(indicator.component, ""),
        "slice_applies": where.kind in indicator.slices,
        "slices": [k.label for k in SliceKind if k in indicator.slices],
        "dashboard_url": reverse("performance:dashboard") + f"?{query}",
    })
    return render(request, "performance/indicator.html", context)


def _stay(request: HttpRequest, fallback: str) -> str:
    return next_url(request, fallback)


def _service(request: HttpRequest, form: forms.Form, call: Any) -> bool:
    """Run a service; its faults go beside the form's fields (or as messages)."""
    try:
        call()
    except ValidationFailed as exc:
        for error in exc.errors:
            form.add_error(error.field if error.field in form.fields else None,
                           str(error.message))
        return False
    except StaleVersion as exc:
        form.add_error(None, str(exc.message))
        return False
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        form.add_error(None, str(exc.message))
        return False
    return True


def _biennium_param(request: HttpRequest) -> tuple[int, str]:
    text = (request.GET.get("biennium") or request.POST.get("biennium") or "").strip()
    if not text:
        return current_biennium().start.year, ""
    try:
        start = int(text.split("-", 1)[0])
    except ValueError:
        return current_biennium().start.year, _("Give the first year of the biennium, "
                                                "e.g. 2026.")
    if start % 2 or not services.FIRST_BIENNIUM <= start <= services.LAST_BIENNIUM:
        return current_biennium().start.year, _(
            "A United Nations biennium starts in an even year (2026-2027, not 2027-2028).")
    return start, ""


@perm_required(Perm.VIEW_PERFORMANCE)
@require_http_methods(["GET", "POST"])
def targets(request: HttpRequest) -> HttpResponse:
    start, fault = _biennium_param(request)
    period = rules.biennium(start)
    may_set = holds_globally(request.user, Perm.SET_TARGETS)
    stored = {t.indicator: t for t in Target.objects.filter(biennium_start=start)}
    where = Slice.system() if sel.sees_everything(request.user) else sel.default_slice(
        request.user)
    posted_for = request.POST.get("indicator", "") if request.method == "POST" else ""
    # The actuals as the dashboard has them (performance.figures: kept a while, with their
    # moment), not computed again for each indicator.
    found = {t.indicator.id: t for t in figures.for_page(period, where).tiles} if where else {}
    rows = []
    failed = False
    for indicator in registry.INDICATORS:
        target = stored.get(indicator.id)
        bound = posted_for == indicator.id
        form = TargetForm(request.POST if bound else None, prefix=indicator.id.replace(".", "_"),
                          initial={"baseline": target.baseline if target else None,
                                   "target": target.target if target else None,
                                   "note": target.note if target else "",
                                   "version": target.version if target else None})
        if bound:
            if not may_set:
                raise Forbidden(_("Only a programme manager responsible for the whole system "
                                  "may set targets and settings."))
            if "clear" in request.POST:
                if target is not None and _service(request, form, lambda t=target, f=form:
                                                   services.target_clear(
                                                       actor=request.user, target=t,
                                                       version=f.data.get(
                                                           f"{f.prefix}-version") or None)):
                    messages.success(request, _("Target of %(id)s for %(b)s cleared.") % {
                        "id": indicator.id, "b": period.label})
                    return redirect(f"{reverse('performance:targets')}?biennium={start}")
            elif form.is_valid() and _service(request, form, lambda i=indicator, f=form:
                                              services.target_set(
                                                  actor=request.user, indicator_id=i.id,
                                                  biennium_start=start,
                                                  baseline=f.cleaned_data["baseline"],
                                                  target=f.cleaned_data["target"],
                                                  note=f.cleaned_data["note"],
                                                  version=f.cleaned_data["version"])):
                messages.success(request, _("Target of %(id)s for %(b)s saved.") % {
                    "id": indicator.id, "b": period.label})
                return redirect(f"{reverse('performance:targets')}?biennium={start}"
                                f"#t-{indicator.id}")
            failed = True
        shown = found.get(indicator.id)
        actual = shown.actual if shown is not None else rules.no_data()
        previous = shown.previous if shown is not None else rules.no_data()
        rows.append({"indicator": indicator, "target": target, "form": form,
                     "baseline_text": figure(target.baseline if target else None,
                                             indicator.unit),
                     "target_text": figure(target.target if target else None, indicator.unit),
                     "actual": measure_text(actual, indicator.unit),
                     "actual_no_data": actual.no_data, "actual_reason": reason_text(actual),
                     "previous": measure_text(previous, indicator.unit),
                     "previous_no_data": previous.no_data,
                     "met": rules.target_met(actual.value, target.target if target else None,
                                             indicator.direction),
                     "open": bound})
    # The next biennium (targets are set before it starts) and the five before it.
    bienniums = rules.periods_back(rules.biennium(current_biennium().start.year + 2), 6)[::-1]
    if period not in bienniums:
        bienniums.append(period)
    return render(request, "performance/targets.html", {
        "rows": rows, "period": period, "start": start, "fault": fault, "may_set": may_set,
        "bienniums": bienniums, "previous": period.previous(),
        "where_label": sel.slice_label(where) if where else "",
        "dashboard_url": reverse("performance:dashboard") + f"?period={period.key}",
    }, status=400 if failed or fault else 200)


@perm_required(Perm.VIEW_PERFORMANCE)
@require_POST
def setting_edit(request: HttpRequest, indicator_id: str, key: str) -> HttpResponse:
    indicator = _indicator_or_404(indicator_id)
    back = _stay(request, reverse("performance:indicator", args=[indicator.id]))
    form = SettingForm(request.POST)
    if "reset" in request.POST:
        ok = _service(request, form, lambda: services.setting_reset(
            actor=request.user, indicator_id=indicator.id, key=key))
        if ok:
            messages.success(request, _("Setting back to its default."))
            return redirect(back)
    elif form.is_valid() and _service(request, form, lambda: services.setting_set(
            actor=request.user, indicator_id=indicator.id, key=key,
            value=form.cleaned_data["value"], version=form.cleaned_data["version"])):
        messages.success(request, _("Setting saved; the figures are computed with it now."))
        return redirect(back)
    for field, errors in form.errors.items():
        for error in errors:
            label = form.fields[field].label if field in form.fields else None
            messages.error(request, f"{label}: {error}" if label else str(error))
    return redirect(back)

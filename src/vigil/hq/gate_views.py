"""Pages of entry events: the premises picker and day view, the guard post's scan, an
officer's report, the events and unauthorized entries, the import of a controller's export
with its mappings, the statistics, and the rules' thresholds."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from vigil.core.authz import Perm, can, has_perm_anywhere
from vigil.core.errors import ValidationFailed
from vigil.core.views_support import (
    EditPage,
    apply_service,
    list_page,
    perm_required,
    submit_form,
)
from vigil.hq import gate_selectors as selectors
from vigil.hq import gate_services as services
from vigil.hq.gate_forms import (
    EntryEventFilters,
    EntryImportForm,
    MappingForm,
    ReportForm,
    ReviewForm,
    RuleSettingsForm,
    ScanForm,
    StatisticsFilters,
    UnauthorizedFilters,
)
from vigil.hq.gate_rules import RULE_EXPLANATIONS, Rule
from vigil.hq.models import ColumnMapping, EntryRuleSettings, UnauthorizedEntry

CHART_W, CHART_H = 720, 160
CHART_AXIS = 18  # the band under the axis that names the bars
CHART_BAR_MAX = 56  # the widest bar, so that a few periods do not make slabs
CHART_CHAR_W = 6.2  # the width of a character of an axis name (font size 11)


def bars(rows: list[dict[str, Any]], peak: int, label: Any) -> dict[str, Any]:
    """Stacked bars (granted below, denied above) of ``rows``, scaled to ``peak``, for a
    server-rendered SVG, each named below the axis (every ``stride``-th one when the names
    would overlap); the same numbers stand in the table beside it."""
    n = max(len(rows), 1)
    step = CHART_W / n
    width = min(step * 0.8, CHART_BAR_MAX)
    scale = (CHART_H - 20) / peak if peak else 0
    labels = [str(label(row)) for row in rows]
    longest = max((len(text) for text in labels), default=0)
    stride = max(1, math.ceil((longest * CHART_CHAR_W + 8) / step))
    out = []
    for i, (row, text) in enumerate(zip(rows, labels, strict=True)):
        g = round(row["granted"] * scale, 1)
        d = round(row["denied"] * scale, 1)
        out.append({"x": round(i * step + (step - width) / 2, 1), "w": round(width, 1),
                    "cx": round(i * step + step / 2, 1), "named": i % stride == 0,
                    "g": g, "d": d, "gy": round(CHART_H - g, 1),
                    "dy": round(CHART_H - g - d, 1), "label": text, "row": row})
    return {"width": CHART_W, "height": CHART_H + CHART_AXIS, "base": CHART_H,
            "label_y": CHART_H + CHART_AXIS - 5, "bars": out}


# --- Premises and the day view ----------------------------------------------------------------

@perm_required(Perm.VIEW_ACCESS)
def gate_premises_list(request: HttpRequest) -> HttpResponse:
    return render(request, "hq/gate/premises_list.html", {
        "rows": selectors.premises_today(user=request.user)})


def _day(request: HttpRequest, tz: Any) -> dt.date:
    raw = request.GET.get("date", "")
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        return timezone.now().astimezone(tz).date()


@perm_required(Perm.VIEW_ACCESS)
def gate_premises_day(request: HttpRequest, pk: int) -> HttpResponse:
    premises = selectors.gate_premises_get(user=request.user, pk=pk)
    tz = selectors.zone_of(premises)
    day = _day(request, tz)
    view = selectors.day_view(user=request.user, premises=premises, day=day)
    today = timezone.now().astimezone(tz).date()
    chart = bars(view["hours"], view["peak"], lambda r: f"{r['hour']:02d}:00")
    return render(request, "hq/gate/premises_day.html", {
        "premises": premises, "view": view, "chart": chart, "today": today,
        "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1) if day < today else None,
        "may_scan": can(request.user, Perm.RECORD_ENTRY, premises)})


# --- Scan and report --------------------------------------------------------------------------

@perm_required(Perm.RECORD_ENTRY)
@require_http_methods(["GET", "POST"])
def gate_scan(request: HttpRequest) -> HttpResponse:
    """The guard post: scan or type a pass, see the decision at once, and the next scan."""
    form = ScanForm(request.POST or None, user=request.user,
                    initial={"gate": request.GET.get("gate", "")})
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        result = apply_service(form, lambda: services.gate_scan(
            actor=request.user, gate=form.gates[data["gate"]], code=data["code"],
            pass_number=data["pass_number"], direction=data["direction"]))
        if result is not None:
            form = ScanForm(user=request.user, initial={"gate": data["gate"],
                                                         "direction": data["direction"]})
    return render(request, "hq/gate/scan.html", {"form": form, "result": result},
                  status=400 if request.method == "POST" and result is None else 200)


@perm_required(Perm.RECORD_ENTRY)
@require_http_methods(["GET", "POST"])
def gate_report(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST or None, user=request.user,
                      initial={"premises": request.GET.get("premises", "")})
    if request.method == "POST" and form.is_valid():
        event = apply_service(form, lambda: services.entry_report(
            actor=request.user, **form.service_args()))
        if event is not None:
            entry = event.unauthorized_entry
            if entry is not None:
                messages.success(request, _("Reported. Unauthorized entry %(ref)s raised.")
                                 % {"ref": entry.reference})
                return redirect("hq:gate_unauthorized_detail", pk=entry.pk)
            messages.success(request, _("Reported."))
            return redirect("hq:gate_event_list")
    return render(request, "hq/gate/report_form.html", {"form": form},
                  status=400 if request.method == "POST" else 200)


# --- Entry events -----------------------------------------------------------------------------

def _local(at: dt.datetime, premises: Any) -> str:
    return at.astimezone(selectors.zone_of(premises)).strftime("%Y-%m-%d %H:%M:%S")


@perm_required(Perm.VIEW_ACCESS)
def gate_event_list(request: HttpRequest) -> HttpResponseBase:
    filters = EntryEventFilters(request.GET or None, user=request.user)
    return list_page(
        request, queryset=selectors.entry_event_list(user=request.user,
                                                     **filters.selector_args()),
        template="hq/gate/event_list.html", table_template="hq/gate/partials/_event_table.html",
        sorts={"time": "occurred_at", "premises": "premises__name", "gate": "gate__name",
               "result": "result", "pass": "pass_number"},  # nosec B105 - a column
        default_sort="-time", filters=filters,
        columns=[(_lazy("Time (UTC)"), lambda e: e.occurred_at.isoformat()),
                 (_lazy("Local time"), lambda e: _local(e.occurred_at, e.premises)),
                 (_lazy("Time zone"), lambda e: e.premises.duty_station.time_zone),
                 (_lazy("Premises"), lambda e: e.premises.name),
                 (_lazy("Gate"), lambda e: e.gate.code if e.gate else ""),
                 (_lazy("Pass number"), lambda e: e.pass_number),
                 (_lazy("Direction"), lambda e: e.direction),
                 (_lazy("Result"), lambda e: e.result),
                 (_lazy("Reason"), lambda e: e.reason),
                 (_lazy("Vigil's check"), lambda e: e.pass_refusal),
                 (_lazy("Kind"), lambda e: e.kind), (_lazy("Source"), lambda e: e.source),
                 (_lazy("Event id"), lambda e: e.external_id),
                 (_lazy("Unauthorized entry"), lambda e: e.unauthorized_entry.reference
                  if e.unauthorized_entry else "")],
        export_name="entry-events", audit_read_as="hq.entry_event.list",
        extra={"zone": filters.zone().key,
               "may_report": has_perm_anywhere(request.user, Perm.RECORD_ENTRY),
               "may_import": has_perm_anywhere(request.user, Perm.IMPORT_ENTRIES)})


# --- Unauthorized entries ---------------------------------------------------------------------

@perm_required(Perm.VIEW_ACCESS)
def gate_unauthorized_list(request: HttpRequest) -> HttpResponseBase:
    filters = UnauthorizedFilters(request.GET or None, user=request.user)
    return list_page(
        request, queryset=selectors.unauthorized_list(user=request.user,
                                                      **filters.selector_args()),
        template="hq/gate/unauthorized_list.html",
        table_template="hq/gate/partials/_unauthorized_table.html",
        sorts={"time": "occurred_at", "premises": "premises__name", "rule": "rule",
               "status": "status"},
        default_sort="-time", filters=filters,
        columns=[(_lazy("Reference"), lambda u: u.reference),
                 (_lazy("First event (UTC)"), lambda u: u.occurred_at.isoformat()),
                 (_lazy("Local time"), lambda u: _local(u.occurred_at, u.premises)),
                 (_lazy("Premises"), lambda u: u.premises.name),
                 (_lazy("Gate"), lambda u: u.gate.code if u.gate else ""),
                 (_lazy("Rule"), lambda u: u.get_rule_display()),
                 (_lazy("Pass number"), lambda u: u.pass_number),
                 (_lazy("Events"), lambda u: u.events_count),
                 (_lazy("Status"), lambda u: u.get_status_display()),
                 (_lazy("Incident"), lambda u: u.incident.reference if u.incident else "")],
        export_name="unauthorized-entries",
        extra={"zone": filters.zone().key,
               "may_report": has_perm_anywhere(request.user, Perm.RECORD_ENTRY)})


@perm_required(Perm.VIEW_ACCESS)
def gate_unauthorized_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.unauthorized_get(user=request.user, pk=pk)
    may_review = can(request.user, Perm.RECORD_ENTRY, entry)
    move = "close" if entry.status == UnauthorizedEntry.Status.OPEN else "reopen"
    return render(request, "hq/gate/unauthorized_detail.html", {
        "entry": entry, "events": selectors.unauthorized_events(entry),
        "zone": selectors.zone_of(entry.premises).key,
        "explanation": RULE_EXPLANATIONS[Rule(entry.rule)] % {
            "threshold": selectors.thresholds_of(entry.premises.duty_station_id)
            .denied_attempts,
            "minutes": selectors.thresholds_of(entry.premises.duty_station_id).window_minutes}
        if entry.rule == Rule.DENIED else RULE_EXPLANATIONS[Rule(entry.rule)],
        "incident_seen": selectors.incident_seen(request.user, entry.incident_id),
        "may_review": may_review,
        "review_form": ReviewForm(move=move, initial={"version": entry.version,
                                                      "move": move})})


@login_required
@require_POST
def gate_unauthorized_review(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.unauthorized_get(user=request.user, pk=pk)
    form = ReviewForm(request.POST)
    return submit_form(
        request, form, lambda data: services.unauthorized_entry_review(
            actor=request.user, entry=entry, move=data["move"], note=data["note"],
            version=data["version"]),
        success=lambda e: _("%(ref)s is now “%(status)s”.") % {
            "ref": e.reference, "status": e.get_status_display()},
        back=reverse("hq:gate_unauthorized_detail", args=[entry.pk]))


@login_required
@require_POST
def gate_unauthorized_incident(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.unauthorized_get(user=request.user, pk=pk)
    try:
        services.unauthorized_entry_record_incident(actor=request.user, entry=entry)
    except ValidationFailed as exc:
        for error in exc.errors:
            messages.error(request, str(error.message))
    else:
        messages.success(request, _("Incident recorded."))
    return redirect("hq:gate_unauthorized_detail", pk=entry.pk)


# --- Import, imports and mappings -------------------------------------------------------------

@perm_required(Perm.IMPORT_ENTRIES)
@require_http_methods(["GET", "POST"])
def gate_import(request: HttpRequest) -> HttpResponse:
    form = EntryImportForm(request.POST or None, request.FILES or None, user=request.user,
                           initial={"premises": request.GET.get("premises", "")})
    context: dict[str, Any] = {"form": form}
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            report = services.entries_import(
                actor=request.user, premises=form.places[data["premises"]],
                mapping=form.mappings[data["mapping"]], data=upload.read(),
                file_name=upload.name, skip_invalid=data["skip_invalid"],
                dry_run=data["dry_run"])
        except ValidationFailed as exc:
            context.update(errors=exc.errors, message=exc.message)
            status = 400
        else:
            if report.batch_id is not None:
                messages.success(request, " ".join(report.lines()))
                return redirect("hq:gate_import_detail", pk=report.batch_id)
            # A dry run: the figures stand on this page, with the file they come from.
            context.update(report=report, file_name=upload.name,
                           premises=form.places[data["premises"]],
                           mapping=form.mappings[data["mapping"]])
    elif request.method == "POST":
        status = 400
    return render(request, "hq/gate/import.html", context, status=status)


@perm_required(Perm.VIEW_ACCESS)
def gate_import_list(request: HttpRequest) -> HttpResponseBase:
    return list_page(
        request, queryset=selectors.import_list(user=request.user),
        template="hq/gate/import_list.html",
        table_template="hq/gate/partials/_import_table.html",
        sorts={"time": "created_at", "premises": "premises__name"}, default_sort="-time",
        extra={"may_import": has_perm_anywhere(request.user, Perm.IMPORT_ENTRIES)})


@perm_required(Perm.VIEW_ACCESS)
def gate_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    batch = selectors.import_get(user=request.user, pk=pk)
    return render(request, "hq/gate/import_detail.html", {"batch": batch})


@perm_required(Perm.VIEW_ACCESS)
def gate_mapping_list(request: HttpRequest) -> HttpResponse:
    return render(request, "hq/gate/mapping_list.html", {
        "mappings": selectors.mapping_list(user=request.user),
        "may_configure": has_perm_anywhere(request.user, Perm.CONFIGURE_ACCESS)})


@perm_required(Perm.VIEW_ACCESS)
def gate_mapping_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mapping = selectors.mapping_get(user=request.user, pk=pk)
    return render(request, "hq/gate/mapping_detail.html", {
        "mapping": mapping, "may_configure": can(request.user, Perm.CONFIGURE_ACCESS, mapping),
        "imports": selectors.import_list(user=request.user).filter(mapping=mapping)[:10]})


def _save_mapping(*, actor: Any, data: dict[str, Any], mapping: ColumnMapping | None = None,
                  version: int | None = None) -> ColumnMapping:
    return services.mapping_save(actor=actor, data=data, mapping=mapping, version=version)


gate_mapping_edit = EditPage(
    form_class=MappingForm, perm=Perm.CONFIGURE_ACCESS, template="hq/gate/mapping_form.html",
    context_name="mapping", detail_url="hq:gate_mapping_detail",
    saved_message=_lazy("Mapping %(name)s saved."), get=selectors.mapping_get,
    create=_save_mapping, update=_save_mapping, fixed=("duty_station",),
).view(form_kwargs=lambda request: {"user": request.user})


# --- Statistics and thresholds ----------------------------------------------------------------

@perm_required(Perm.VIEW_ACCESS)
def gate_statistics(request: HttpRequest) -> HttpResponse:
    filters = StatisticsFilters(request.GET or None, user=request.user)
    args = filters.statistics_args()
    stats = selectors.statistics(user=request.user, **{
        k: args[k] for k in ("period", "by", "premises", "since", "until", "tz")})
    chart = bars(stats["periods"], stats["peak"],
                 lambda r: r["period"].isoformat() if r["period"] else "—")
    return render(request, "hq/gate/statistics.html", {
        "filters": filters, "stats": stats, "chart": chart, "zone": args["tz"].key,
        "since": args["since"], "until": args["until"]})


@perm_required(Perm.CONFIGURE_ACCESS)
def gate_rules_list(request: HttpRequest) -> HttpResponse:
    return render(request, "hq/gate/rules_list.html", {
        "rows": selectors.rule_settings_list(user=request.user),
        "rules": [(r, RULE_EXPLANATIONS[r]) for r in Rule]})


@perm_required(Perm.CONFIGURE_ACCESS)
@require_http_methods(["GET", "POST"])
def gate_rules_edit(request: HttpRequest, pk: int) -> HttpResponse:
    station, row = selectors.rule_settings_for(user=request.user, station_pk=pk)
    instance = row or EntryRuleSettings(duty_station=station)
    form = RuleSettingsForm(request.POST or None, instance=instance,
                            initial={"version": row.version if row else None})
    if request.method == "POST" and form.is_valid():
        fields = list(services.RULE_SETTINGS_FIELDS)
        saved = apply_service(form, lambda: services.rule_settings_save(
            actor=request.user, station=station,
            data={k: form.cleaned_data[k] for k in fields},
            version=form.cleaned_data.get("version")))
        if saved is not None:
            messages.success(request, _("Rules of %(station)s saved.") % {"station": station})
            return redirect("hq:gate_rules_list")
    return render(request, "hq/gate/rules_form.html", {"form": form, "station": station},
                  status=400 if request.method == "POST" else 200)

"""Pages of the accountability framework: who holds what (list and export), an appointment's
page with its history and the access it gave, recording, editing and ending appointments, a
country's accountability page (each function: holders now and before, responsibilities,
overdue duties), "My security functions", the gap board, and the role requirements."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from vigil.coordination import accountability_rules as rules
from vigil.coordination import accountability_selectors as selectors
from vigil.coordination import accountability_services as services
from vigil.coordination.accountability_forms import (
    AppointmentEditForm,
    AppointmentEndForm,
    AppointmentFilters,
    AppointmentForm,
    GapFilters,
    RequirementForm,
)
from vigil.coordination.models import Function, PlaceLevel
from vigil.core import audit
from vigil.core.authz import Perm
from vigil.core.errors import Forbidden
from vigil.core.views_support import (
    CONTROL_CHARACTERS,
    FORMULA_TRIGGERS,
    PAGE_SIZE,
    apply_service,
    changed_data,
    fresh_copy,
    list_page,
    perm_required,
    submit_form,
)


def _place(a: Any) -> str:
    return str(a.place_label)


APPOINTMENT_COLUMNS = [
    (_lazy("Country"), lambda a: a.country.name),
    (_lazy("Function"), lambda a: a.get_function_display()),
    (_lazy("Place"), _place),
    (_lazy("Appointee"), lambda a: a.user.get_full_name() or a.user.get_username()),
    (_lazy("Username"), lambda a: a.user.get_username()),
    (_lazy("Organization"), lambda a: a.organization.code),
    (_lazy("From"), lambda a: a.starts_on),
    (_lazy("Until"), lambda a: a.ends_on),
    (_lazy("Letter of appointment"), lambda a: a.reference),
    (_lazy("Reason for ending"), lambda a: a.end_reason),
]


@perm_required(Perm.VIEW_COORDINATION)
def appointment_list(request: HttpRequest) -> HttpResponseBase:
    """Who holds what: every appointment in force (or every one ever, on request)."""
    filters = AppointmentFilters(request.GET or None, user=request.user)
    return list_page(
        request, queryset=selectors.appointment_list(user=request.user,
                                                     **filters.selector_args()),
        template="coordination/accountability/appointment_list.html",
        table_template="coordination/accountability/partials/_appointment_table.html",
        sorts={"country": "country__name", "function": "function", "from": "starts_on",
               "until": "ends_on", "organization": "organization__code"},
        default_sort="country", filters=filters, columns=APPOINTMENT_COLUMNS,
        export_name="security-appointments",
        extra={"today": timezone.localdate(),
               "may_record": bool(services.may_record_somewhere(request.user))})


@perm_required(Perm.VIEW_COORDINATION)
def appointment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = selectors.appointment_get(user=request.user, pk=pk)
    may_manage = services.may_manage(request.user, appointment)
    return render(request, "coordination/accountability/appointment_detail.html", {
        "appointment": appointment, "today": timezone.localdate(),
        "history": selectors.appointment_history(appointment=appointment),
        "grant_state": selectors.grant_state(appointment),
        "grant_role": rules.FUNCTION_ROLE[appointment.function].label,
        "grant_place": str(appointment.duty_station or appointment.security_area
                           or appointment.country),
        "responsibilities": [str(s) for s in rules.RESPONSIBILITIES[appointment.function]],
        "may_manage": may_manage,
        "end_form": AppointmentEndForm(initial={
            "version": appointment.version,
            "ends_on": max(timezone.localdate(), appointment.starts_on)})
        if may_manage and appointment.ends_on is None else None})


PREFILL = ("function", "country", "security_area", "duty_station")


def _prefill(request: HttpRequest) -> dict[str, Any]:
    """The form's first values: today, and the function and place a gap's link names (the
    form still checks each one)."""
    initial: dict[str, Any] = {"starts_on": timezone.localdate()}
    for name in PREFILL:
        value = request.GET.get(name, "")
        if value and (name == "function" or value.isdigit()):
            initial[name] = value
    return initial


@perm_required(Perm.MANAGE_APPOINTMENTS)
@require_http_methods(["GET", "POST"])
def appointment_create(request: HttpRequest) -> HttpResponse:
    functions = services.may_record_somewhere(request.user)
    if not functions:
        raise Forbidden()
    form = AppointmentForm(request.POST or None, user=request.user, functions=functions,
                           initial=_prefill(request))
    if request.method == "POST" and form.is_valid():
        data = changed_data(form, list(AppointmentForm.Meta.fields))
        saved = apply_service(form, lambda: services.appointment_create(actor=request.user,
                                                                        data=data))
        if saved is not None:
            messages.success(request, _("Appointment recorded: %(name)s.") % {"name": saved})
            return redirect("coordination:appointment_detail", pk=saved.pk)
    return render(request, "coordination/accountability/appointment_form.html",
                  {"form": form, "appointment": None, "functions": [
                      label for value, label in Function.choices if value in functions]})


@perm_required(Perm.MANAGE_APPOINTMENTS)
@require_http_methods(["GET", "POST"])
def appointment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = selectors.appointment_editable(user=request.user, pk=pk)
    if not services.may_manage(request.user, appointment):
        raise Forbidden()
    form = AppointmentEditForm(request.POST or None, instance=fresh_copy(appointment),
                               initial={"version": appointment.version})
    if request.method == "POST" and form.is_valid():
        data = changed_data(form, list(AppointmentEditForm.Meta.fields))
        saved = apply_service(form, lambda: services.appointment_update(
            actor=request.user, appointment=appointment, data=data,
            version=form.cleaned_data.get("version")))
        if saved is not None:
            messages.success(request, _("Appointment saved."))
            return redirect("coordination:appointment_detail", pk=appointment.pk)
    return render(request, "coordination/accountability/appointment_form.html",
                  {"form": form, "appointment": appointment})


@perm_required(Perm.MANAGE_APPOINTMENTS)
@require_POST
def appointment_end(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = selectors.appointment_editable(user=request.user, pk=pk)
    form = AppointmentEndForm(request.POST)
    return submit_form(request, form, lambda d: services.appointment_end(
        actor=request.user, appointment=appointment, ends_on=d["ends_on"],
        reason=d["end_reason"], version=d.get("version")),
        success=_("The appointment ends on the day given; its access ends with it."),
        back=reverse("coordination:appointment_detail", args=[appointment.pk]))


@perm_required(Perm.VIEW_COORDINATION)
def accountability_index(request: HttpRequest) -> HttpResponse:
    return render(request, "coordination/accountability/index.html",
                  {"lines": selectors.country_overview(user=request.user)})


@perm_required(Perm.VIEW_COORDINATION)
def accountability_country(request: HttpRequest, pk: int) -> HttpResponse:
    country = selectors.country_get(user=request.user, pk=pk)
    today = timezone.localdate()
    rows = selectors.accountability(user=request.user, country=country, on=today)
    before = {r.function: r.previous for r in selectors.place_view(
        user=request.user, country=country, on=today)}
    found = selectors.gaps(user=request.user, country_id=country.pk, on=today)
    for row in rows:
        row.previous = before[row.function][:5]
        row.gaps = [g for g in found if g.function == row.function]
    return render(request, "coordination/accountability/country.html", {
        "country": country, "rows": rows, "today": today, "gaps": _gap_lines(request, found),
        "overdue": sum(len(r.duties) for r in rows)})


@login_required
def my_functions(request: HttpRequest) -> HttpResponse:
    """The appointee's own functions: open to every signed-in person (own reach)."""
    functions = selectors.my_functions(user=request.user)
    countries = selectors.countries_seen(user=request.user).filter(
        pk__in={f.appointment.country_id for f in functions}) if functions else []
    return render(request, "coordination/accountability/mine.html", {
        "functions": functions, "countries": countries, "today": timezone.localdate()})


GAP_SORTS: dict[str, Callable[[rules.Gap], Any]] = {
    "level": lambda g: (g.security_level or 0, g.place.label),
    "place": lambda g: g.place.label,
    "function": lambda g: (g.function_label, g.place.label),
    "vacant": lambda g: (g.vacant_since is not None, g.vacant_since or timezone.localdate()),
}
GAP_COLUMNS: list[tuple[Any, Callable[[rules.Gap], Any]]] = [
    (_lazy("Place"), lambda g: g.place.label),
    (_lazy("Security level"), lambda g: g.security_level),
    (_lazy("Function"), lambda g: g.function_label),
    (_lazy("Required"), lambda g: g.required),
    (_lazy("In post"), lambda g: g.held),
    (_lazy("Vacant since"), lambda g: g.vacant_since),
]


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = CONTROL_CHARACTERS.sub("", str(value))
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def export_rows(request: HttpRequest, rows: Sequence[Any],
                columns: Sequence[tuple[Any, Callable[[Any], Any]]], filename: str,
                fmt: str, object_type: str) -> HttpResponse:
    """A computed board (not a queryset) as CSV or XLSX, audited like every export."""
    audit.record(actor=request.user, action="core.export", object_type=object_type,
                 changes={"format": fmt, "query": request.GET.urlencode(), "rows": len(rows)})
    headers = [str(h) for h, _f in columns]
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(filename[:31])
        sheet.append(headers)
        for row in rows:
            sheet.append([_cell(f(row)) for _h, f in columns])
        buffer = io.BytesIO()
        book.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
        response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.xlsx"'
        return response
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for row in rows:
        writer.writerow([_cell(f(row)) for _h, f in columns])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}-{stamp}.csv"'
    return response


GAP_TABLE = "coordination/accountability/partials/_gap_table.html"


@dataclass(frozen=True)
class GapLine:
    gap: rules.Gap
    fill_url: str  # the form to record the missing appointment, filled in; empty: not yours


def _gap_lines(request: HttpRequest, found: Sequence[rules.Gap]) -> list[GapLine]:
    if not services.may_record_somewhere(request.user):
        return [GapLine(g, "") for g in found]
    base = reverse("coordination:appointment_create")
    lines = []
    for gap in found:
        url = ""
        if services.may_fill(request.user, gap):
            place = gap.place
            query: dict[str, Any] = {"function": gap.function, "country": place.country_id}
            if place.level == PlaceLevel.SECURITY_AREA:
                query["security_area"] = place.pk
            elif place.level == PlaceLevel.DUTY_STATION:
                query["duty_station"] = place.pk
            url = f"{base}?{urlencode(query)}"
        lines.append(GapLine(gap, url))
    return lines


@perm_required(Perm.VIEW_COORDINATION)
def gap_board(request: HttpRequest) -> HttpResponseBase:
    """Places where a required function is unfilled, the highest security level first."""
    filters = GapFilters(request.GET or None, user=request.user)
    args = filters.selector_args()
    country = args["country"]
    found = selectors.gaps(user=request.user, country_id=int(country) if country else None)
    if args["function"]:
        found = [g for g in found if g.function == args["function"]]
    sort = request.GET.get("sort", "-level")
    key = sort.lstrip("-")
    if key not in GAP_SORTS:
        sort, key = "-level", "level"
    found = sorted(found, key=GAP_SORTS[key], reverse=sort.startswith("-"))
    fmt = request.GET.get("format", "")
    if fmt in {"csv", "xlsx"}:
        return export_rows(request, found, GAP_COLUMNS, "role-gaps", fmt,
                           "coordination.rolerequirement")
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"page": page, "lines": _gap_lines(request, list(page)),
               "filters": filters, "sort": sort, "query": query.urlencode(),
               "sort_query": sort_query.urlencode(), "can_export": True,
               "table_template": GAP_TABLE}
    if getattr(request, "htmx", False) and request.headers.get("HX-Target") == "results":
        return render(request, GAP_TABLE, context)
    return render(request, "coordination/accountability/gap_board.html", context)


@perm_required(Perm.VIEW_COORDINATION)
def requirement_list(request: HttpRequest) -> HttpResponse:
    return render(request, "coordination/accountability/requirements.html", {
        "requirements": selectors.requirement_list(),
        "may_configure": services.may_configure(request.user)})


@perm_required(Perm.CONFIGURE_COORDINATION)
@require_http_methods(["GET", "POST"])
def requirement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    if not services.may_configure(request.user):
        raise Forbidden()
    requirement = selectors.requirement_get(pk=pk)
    form = RequirementForm(request.POST or None, instance=fresh_copy(requirement),
                           initial={"version": requirement.version})
    if request.method == "POST" and form.is_valid():
        data = changed_data(form, list(RequirementForm.Meta.fields))
        saved = apply_service(form, lambda: services.requirement_update(
            actor=request.user, requirement=requirement, data=data,
            version=form.cleaned_data.get("version")))
        if saved is not None:
            messages.success(request, _("Requirement saved: %(name)s.") % {"name": saved})
            return redirect("coordination:requirement_list")
    return render(request, "coordination/accountability/requirement_form.html",
                  {"form": form, "requirement": requirement})


"""Pages of HQ access control: premises with their zones and gates, pass holders, passes
(with the printable card and its QR code), visitors (registration, reception's day, the host's
own list) and meetings with their delegations and accreditations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from vigil.core.authz import Perm, can, has_perm_anywhere, require
from vigil.core.errors import Forbidden, NotFound
from vigil.core.views_support import (
    apply_service,
    list_page,
    next_url,
    perm_required,
    submit_form,
)
from vigil.hq import access_selectors as selectors
from vigil.hq import access_services as services
from vigil.hq.access_forms import (
    DOCUMENT_TYPES,
    AccreditationForm,
    DayForm,
    DelegationForm,
    DocumentCheckForm,
    GateForm,
    HolderFilters,
    MeetingFilters,
    MeetingForm,
    PassFilters,
    PassForm,
    PassHolderForm,
    PremisesFilters,
    ReasonForm,
    VisitEditForm,
    VisitFilters,
    VisitForm,
    ZoneForm,
    local_input,
)
from vigil.hq.access_rules import PassMove, masked, qr_payload, window_label
from vigil.hq.models import Accreditation, Pass, PassHolder, Visit, Zone
from vigil.people.selectors import person_of_user, staff_member_by_index


def _tz(station: Any) -> str:
    return str(station.time_zone)


# --- Premises, zones, gates -------------------------------------------------------------------

@perm_required(Perm.VIEW_ACCESS)
def access_premises_list(request: HttpRequest) -> HttpResponseBase:
    filters = PremisesFilters(request.GET or None,
                              stations=selectors.access_stations(user=request.user))
    return list_page(
        request, queryset=selectors.access_premises_list(user=request.user,
                                                         **filters.selector_args()),
        template="hq/access/premises_list.html",
        table_template="hq/access/partials/_premises_table.html",
        sorts={"name": "name", "station": "duty_station__name"}, default_sort="station",
        filters=filters)


@perm_required(Perm.VIEW_ACCESS)
def access_premises_detail(request: HttpRequest, pk: int) -> HttpResponse:
    premises = selectors.access_premises_get(user=request.user, pk=pk)
    return render(request, "hq/access/premises_detail.html", {
        "premises": premises,
        "zones": selectors.zone_list(user=request.user, premises=premises),
        "gates": selectors.gate_list(user=request.user, premises=premises),
        "may_configure": can(request.user, Perm.CONFIGURE_ACCESS, Zone(premises=premises)),
        "may_receive": can(request.user, Perm.MANAGE_VISITORS, Visit(premises=premises)),
        "meetings": selectors.meeting_list(user=request.user, current=True).filter(
            premises=premises)[:5]})


def _form_page(request: HttpRequest, form: Any, *, title: str, cancel: str,
               intro: str = "", submit: str = "") -> HttpResponse:
    return render(request, "hq/access/form.html", {
        "form": form, "title": title, "cancel": cancel, "intro": intro,
        "submit": submit or _("Save")})


@perm_required(Perm.CONFIGURE_ACCESS)
@require_http_methods(["GET", "POST"])
def zone_edit(request: HttpRequest, premises_pk: int | None = None,
              pk: int | None = None) -> HttpResponse:
    zone = selectors.zone_get(user=request.user, pk=pk) if pk else None
    premises = zone.premises if zone else selectors.access_premises_get(
        user=request.user, pk=premises_pk)
    form = ZoneForm(request.POST or None, instance=type(zone).objects.get(pk=zone.pk)
                    if zone else None)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in ZoneForm.Meta.fields}
        if zone is None:
            data["premises"] = premises
        saved = apply_service(form, lambda: services.zone_save(actor=request.user, zone=zone,
                                                                data=data))
        if saved is not None:
            messages.success(request, _("Zone %(name)s saved.") % {"name": saved.name})
            return redirect("hq:access_premises_detail", pk=premises.pk)
    return _form_page(request, form, title=(_("Zone of %(premises)s") % {"premises": premises}),
                      cancel=reverse("hq:access_premises_detail", args=[premises.pk]))


@perm_required(Perm.CONFIGURE_ACCESS)
@require_http_methods(["GET", "POST"])
def gate_edit(request: HttpRequest, premises_pk: int | None = None,
              pk: int | None = None) -> HttpResponse:
    gate = selectors.gate_get(user=request.user, pk=pk) if pk else None
    premises = gate.premises if gate else selectors.access_premises_get(
        user=request.user, pk=premises_pk)
    form = GateForm(request.POST or None, premises=premises,
                    instance=type(gate).objects.get(pk=gate.pk) if gate else None)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in GateForm.Meta.fields}
        if gate is None:
            data["premises"] = premises
        saved = apply_service(form, lambda: services.gate_save(actor=request.user, gate=gate,
                                                                data=data))
        if saved is not None:
            messages.success(request, _("Gate %(name)s saved.") % {"name": saved.name})
            return redirect("hq:access_premises_detail", pk=premises.pk)
    return _form_page(request, form, title=(_("Gate of %(premises)s") % {"premises": premises}),
                      cancel=reverse("hq:access_premises_detail", args=[premises.pk]))


# --- Pass holders -----------------------------------------------------------------------------

def _holder_document(holder: PassHolder) -> str:
    return masked(holder.document_number)


@perm_required(Perm.VIEW_ACCESS)
def holder_list(request: HttpRequest) -> HttpResponseBase:
    filters = HolderFilters(request.GET or None,
                            stations=selectors.access_stations(user=request.user))
    return list_page(
        request, queryset=selectors.pass_holder_list(user=request.user,
                                                     **filters.selector_args()),
        template="hq/access/holder_list.html",
        table_template="hq/access/partials/_holder_table.html",
        sorts={"name": "family_name", "kind": "kind", "station": "duty_station__name"},
        default_sort="name", filters=filters,
        columns=[(_lazy("Family name"), lambda h: h.family_name),
                 (_lazy("Given name"), lambda h: h.given_name),
                 (_lazy("Kind"), lambda h: h.get_kind_display()),
                 (_lazy("Duty station"), lambda h: h.duty_station.name),
                 (_lazy("Organization"), lambda h: h.organization.code if h.organization
                  else ""),
                 (_lazy("Affiliation"), lambda h: h.affiliation),
                 (_lazy("Nationality"), lambda h: h.nationality.iso2 if h.nationality else ""),
                 (_lazy("Identity document"), lambda h: h.document_type),
                 (_lazy("Document number"), _holder_document),
                 (_lazy("Passes"), lambda h: h.pass_count)],
        export_name="pass-holders",
        extra={"may_create": has_perm_anywhere(request.user, Perm.MANAGE_PASSES)})


@perm_required(Perm.VIEW_ACCESS)
def holder_detail(request: HttpRequest, pk: int) -> HttpResponse:
    holder = selectors.pass_holder_get(user=request.user, pk=pk)
    show = request.GET.get("document") == "show"
    document = (selectors.pass_holder_document(user=request.user, holder=holder) if show
                else {"type": holder.document_type, "number": "",
                      "masked": _holder_document(holder)})
    return render(request, "hq/access/holder_detail.html", {
        "holder": holder, "document": document,
        "may_read_document": selectors.may_read_documents(request.user, holder),
        "may_manage": can(request.user, Perm.MANAGE_PASSES, holder),
        "passes": selectors.pass_list(user=request.user, holder=holder.pk),
        "visits": selectors.visits_seen(request.user).filter(visitor=holder).select_related(
            "premises", "host")[:20]})


@perm_required(Perm.MANAGE_PASSES)
@require_http_methods(["GET", "POST"])
def holder_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    holder = selectors.pass_holder_get(user=request.user, pk=pk) if pk else None
    if holder is not None:
        require(request.user, Perm.MANAGE_PASSES, holder)
    stations = selectors.access_stations(user=request.user, perm=Perm.MANAGE_PASSES)
    form = PassHolderForm(request.POST or None, stations=stations,
                          instance=PassHolder.objects.get(pk=holder.pk) if holder else None,
                          initial={"version": holder.version} if holder else None)
    if request.method == "POST" and form.is_valid():
        def save() -> PassHolder:
            data = {k: form.cleaned_data[k] for k in PassHolderForm.Meta.fields}
            index = form.cleaned_data.get("staff_index", "").strip()
            data["person"] = staff_member_by_index(user=request.user,
                                                   index_number=index)[0] if index else None
            return services.pass_holder_save(actor=request.user, holder=holder, data=data,
                                             version=form.cleaned_data.get("version"))

        saved = apply_service(form, save)
        if saved is not None:
            messages.success(request, _("%(name)s saved.") % {"name": saved})
            return redirect("hq:access_holder_detail", pk=saved.pk)
    return _form_page(
        request, form, title=str(holder) if holder else _("Record a pass holder"),
        cancel=reverse("hq:access_holder_detail", args=[holder.pk]) if holder
        else reverse("hq:access_holder_list"),
        intro=_("Visitors are recorded when their visit is registered, delegates when they "
                "are accredited to a meeting."))


# --- Passes -----------------------------------------------------------------------------------

@perm_required(Perm.VIEW_ACCESS)
def pass_list(request: HttpRequest) -> HttpResponseBase:
    stations = selectors.access_stations(user=request.user)
    filters = PassFilters(request.GET or None, stations=stations,
                          zones=selectors.zone_list(user=request.user))
    return list_page(
        request, queryset=selectors.pass_list(user=request.user, **filters.selector_args()),
        template="hq/access/pass_list.html",
        table_template="hq/access/partials/_pass_table.html",
        sorts={"number": "number", "holder": "holder__family_name",
               "from": "valid_from", "until": "valid_until"},
        default_sort="-from", filters=filters,
        columns=[(_lazy("Pass number"), lambda p: p.number),
                 (_lazy("Holder"), lambda p: str(p.holder)),
                 (_lazy("Type"), lambda p: p.get_kind_display()),
                 (_lazy("Duty station"), lambda p: p.duty_station.name),
                 (_lazy("Valid from (UTC)"), lambda p: p.valid_from),
                 (_lazy("Valid until (UTC)"), lambda p: p.valid_until),
                 (_lazy("Status"), lambda p: p.condition.label),
                 (_lazy("Zones"), lambda p: [z.code for z in p.zones.all()])],
        export_name="passes")


@perm_required(Perm.VIEW_ACCESS)
def pass_detail(request: HttpRequest, pk: int) -> HttpResponse:
    pass_ = selectors.pass_get(user=request.user, pk=pk)
    return render(request, "hq/access/pass_detail.html", {
        "pass": pass_, "tz": _tz(pass_.duty_station),
        "may_manage": can(request.user, Perm.MANAGE_PASSES, pass_),
        "history": selectors.pass_history(pass_=pass_),
        "visit": selectors.visit_for_pass(pass_),
        "accreditation": Accreditation.objects.select_related("delegation__meeting").filter(
            pass_issued=pass_).first(),
        "reason_form": ReasonForm(initial={"version": pass_.version})})


def qr_svg(pass_: Pass) -> str:
    """The pass's QR code as inline SVG: the pass number and its secret, nothing personal."""
    code = segno.make(qr_payload(pass_.number, pass_.token), error="m")
    return str(code.svg_inline(scale=5, title=pass_.number))


@perm_required(Perm.VIEW_ACCESS, Perm.HOST_VISITOR)
def pass_card(request: HttpRequest, pk: int) -> HttpResponse:
    """The printable card. Security in scope prints any pass; a host prints their own
    visitor's."""
    try:
        pass_ = selectors.pass_get(user=request.user, pk=pk)
    except NotFound:
        visit = selectors.visits_seen(request.user).filter(pass_issued_id=pk).first()
        if visit is None or visit.pass_issued is None:
            raise
        pass_ = visit.pass_issued
    return render(request, "hq/access/pass_card.html", {
        "pass": pass_, "tz": _tz(pass_.duty_station), "qr": mark_safe(qr_svg(pass_)),  # noqa: S308  # nosec B308 B703 - segno's SVG, escaped
    })


@perm_required(Perm.MANAGE_PASSES)
@require_http_methods(["GET", "POST"])
def pass_issue(request: HttpRequest, holder_pk: int) -> HttpResponse:
    holder = selectors.pass_holder_get(user=request.user, pk=holder_pk)
    tz = _tz(holder.duty_station)
    now = timezone.now().replace(second=0, microsecond=0)
    form = PassForm(request.POST or None, zones=selectors.zones_at_station(
        duty_station=holder.duty_station_id), tz_name=tz, initial={
        "valid_from": local_input(now, tz),
        "valid_until": local_input(now + dt.timedelta(days=365), tz)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        issued = apply_service(form, lambda: services.pass_issue(
            actor=request.user, holder=holder, zones=data["zones"],
            valid_from=data["valid_from"], valid_until=data["valid_until"]))
        if issued is not None:
            messages.success(request, _("Pass %(number)s issued.") % {"number": issued.number})
            return redirect("hq:access_pass_detail", pk=issued.pk)
    return _form_page(request, form, title=_("Issue a pass to %(holder)s") % {"holder": holder},
                      cancel=reverse("hq:access_holder_detail", args=[holder.pk]),
                      submit=_("Issue the pass"))


@perm_required(Perm.MANAGE_PASSES)
@require_http_methods(["GET", "POST"])
def pass_edit(request: HttpRequest, pk: int) -> HttpResponse:
    pass_ = selectors.pass_get(user=request.user, pk=pk)
    visit = selectors.visit_for_pass(pass_)
    if visit is not None:
        messages.info(request, _("A visitor pass follows its visit: change the visit's window "
                                 "instead, and the pass follows it."))
        return redirect("hq:access_visit_detail", pk=visit.pk)
    tz = _tz(pass_.duty_station)
    form = PassForm(request.POST or None, zones=selectors.zones_at_station(
        duty_station=pass_.duty_station_id), tz_name=tz, initial={
        "version": pass_.version, "valid_from": local_input(pass_.valid_from, tz),
        "valid_until": local_input(pass_.valid_until, tz), "zones": list(pass_.zones.all())})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = apply_service(form, lambda: services.pass_update(
            actor=request.user, pass_=pass_, zones=data["zones"], valid_from=data["valid_from"],
            valid_until=data["valid_until"], version=data.get("version")))
        if saved is not None:
            messages.success(request, _("Pass %(number)s saved.") % {"number": saved.number})
            return redirect("hq:access_pass_detail", pk=saved.pk)
    return _form_page(request, form, title=_("Change pass %(number)s") % {
        "number": pass_.number}, cancel=reverse("hq:access_pass_detail", args=[pass_.pk]))


PASS_MOVED = {
    PassMove.SUSPEND: _lazy("Pass %(number)s suspended."),
    PassMove.REINSTATE: _lazy("Pass %(number)s reinstated."),
    PassMove.REVOKE: _lazy("Pass %(number)s revoked."),
}


@login_required
@require_POST
def pass_move(request: HttpRequest, pk: int, move: str) -> HttpResponse:
    pass_ = selectors.pass_get(user=request.user, pk=pk)
    try:
        step = PassMove(move)
    except ValueError as exc:
        raise NotFound() from exc
    back = reverse("hq:access_pass_detail", args=[pass_.pk])

    def call(data: dict[str, Any]) -> Pass:
        if step is PassMove.REINSTATE:
            return services.pass_reinstate(actor=request.user, pass_=pass_,
                                           version=data.get("version"))
        service = services.pass_suspend if step is PassMove.SUSPEND else services.pass_revoke
        return service(actor=request.user, pass_=pass_, reason=data.get("reason", ""),
                       version=data.get("version"))

    return submit_form(request, ReasonForm(request.POST), call,
                       success=lambda p: PASS_MOVED[step] % {"number": p.number}, back=back)


# --- Visits -----------------------------------------------------------------------------------

@perm_required(Perm.VIEW_ACCESS)
def visit_list(request: HttpRequest) -> HttpResponseBase:
    filters = VisitFilters(request.GET or None,
                           premises=selectors.access_premises_list(user=request.user))
    return list_page(
        request, queryset=selectors.visit_list(user=request.user, **filters.selector_args()),
        template="hq/access/visit_list.html",
        table_template="hq/access/partials/_visit_table.html",
        sorts={"from": "expected_from", "visitor": "visitor__family_name",
               "host": "host__family_name", "status": "status"},
        default_sort="-from", filters=filters,
        columns=[(_lazy("Visitor"), lambda v: str(v.visitor)),
                 (_lazy("Comes from"), lambda v: v.visitor.affiliation),
                 (_lazy("Host"), lambda v: str(v.host)),
                 (_lazy("Premises"), lambda v: str(v.premises)),
                 (_lazy("Purpose"), lambda v: v.purpose),
                 (_lazy("Expected from (UTC)"), lambda v: v.expected_from),
                 (_lazy("Expected until (UTC)"), lambda v: v.expected_until),
                 (_lazy("Status"), lambda v: v.get_status_display()),
                 (_lazy("Arrived (UTC)"), lambda v: v.arrived_at),
                 (_lazy("Pass"), lambda v: v.pass_issued.number if v.pass_issued else "")],
        export_name="visits",
        extra={"may_register": True})


@perm_required(Perm.VIEW_ACCESS)
def visit_today(request: HttpRequest, pk: int) -> HttpResponse:
    """Reception's day at one premises: every visit whose window touches the day."""
    premises = selectors.access_premises_get(user=request.user, pk=pk)
    tz = ZoneInfo(premises.duty_station.time_zone)
    form = DayForm(request.GET or None)
    day = (form.cleaned_data.get("day") if form.is_valid() else None) or \
        timezone.now().astimezone(tz).date()
    visits = _with_windows(selectors.visits_expected(request.user, premises, day), day)
    counts = {s: sum(1 for v in visits if v.status == s)
              for s in ("expected", "arrived", "departed")}
    return render(request, "hq/access/visit_today.html", {
        "premises": premises, "day": day, "visits": visits, "form": form, "counts": counts,
        "tz": premises.duty_station.time_zone,
        "may_receive": can(request.user, Perm.MANAGE_VISITORS, Visit(premises=premises)),
        "previous": day - dt.timedelta(days=1), "next": day + dt.timedelta(days=1)})


def _with_windows(visits: Iterable[Visit], day: dt.date | None = None) -> list[Visit]:
    """The visits, each with ``window``: its expected window as a list reads it, in its
    premises' local time with the zone named (only the hours when it lies within ``day``;
    with its date otherwise)."""
    rows = list(visits)
    for visit in rows:
        tz = ZoneInfo(visit.premises.duty_station.time_zone)
        visit.window = window_label(  # type: ignore[attr-defined]
            visit.expected_from, visit.expected_until, tz, day)
    return rows


@perm_required(Perm.HOST_VISITOR)
def my_visitors(request: HttpRequest) -> HttpResponse:
    return render(request, "hq/access/my_visitors.html", {
        "upcoming": _with_windows(selectors.my_visits(user=request.user, upcoming=True)[:50]),
        "past": _with_windows(selectors.my_visits(user=request.user, upcoming=False)[:20]),
        "may_register": person_of_user(user=request.user) is not None})


@perm_required(Perm.HOST_VISITOR, Perm.MANAGE_VISITORS)
@require_http_methods(["GET", "POST"])
def visit_register(request: HttpRequest) -> HttpResponse:
    manages = has_perm_anywhere(request.user, Perm.MANAGE_VISITORS)
    premises = selectors.visit_premises_choices(user=request.user)
    form = VisitForm(request.POST or None, premises=premises, manages=manages)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def register() -> Visit:
            index = (data.get("host_index") or "").strip()
            host = staff_member_by_index(user=request.user, index_number=index)[0] if index \
                else person_of_user(user=request.user)
            if host is None:
                raise Forbidden(_("Your account is not linked to a staff record: name the "
                                  "host by their index number."))
            return services.visit_register(
                actor=request.user, premises=data["premises"], host=host,
                purpose=data["purpose"], expected_from=data["expected_from"],
                expected_until=data["expected_until"],
                visitor={k: data[k] for k in ("family_name", "given_name", "affiliation",
                                              "email")},
                issue_pass=data.get("issue_pass") if manages else None,
                zones=list(data["zones"]) or None if manages else None)

        try:
            visit = apply_service(form, register)
        except Forbidden as exc:
            form.add_error("host_index" if manages else None, str(exc.message))
            visit = None
        if visit is not None:
            messages.success(request, _("Visit of %(visitor)s registered.") % {
                "visitor": visit.visitor})
            return redirect("hq:access_visit_detail", pk=visit.pk)
    return _form_page(
        request, form, title=_("Register a visitor"),
        cancel=reverse("hq:access_visit_list") if manages else reverse("hq:access_my_visitors"),
        intro=_("The visitor brings an identity document, which reception checks on arrival. "
                "A visitor you register yourself gets a pass with a QR code, which you can "
                "print or send them."), submit=_("Register"))


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = selectors.visit_get(user=request.user, pk=pk)
    receives = can(request.user, Perm.MANAGE_VISITORS, visit)
    return render(request, "hq/access/visit_detail.html", {
        "visit": visit, "tz": visit.premises.duty_station.time_zone,
        "may_receive": receives,
        "may_edit": receives or can(request.user, Perm.HOST_VISITOR, visit),
        "document_form": DocumentCheckForm(initial={
            "document_type": visit.visitor.document_type or "passport"}),
        "document": {"masked": _holder_document(visit.visitor),
                     "type": dict(DOCUMENT_TYPES).get(visit.visitor.document_type,
                                                      visit.visitor.document_type)}})


@login_required
@require_http_methods(["GET", "POST"])
def visit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    visit = selectors.visit_get(user=request.user, pk=pk)
    tz = visit.premises.duty_station.time_zone
    form = VisitEditForm(request.POST or None, tz_name=tz, initial={
        "version": visit.version, "purpose": visit.purpose,
        "expected_from": local_input(visit.expected_from, tz),
        "expected_until": local_input(visit.expected_until, tz)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = apply_service(form, lambda: services.visit_update(
            actor=request.user, visit=visit, purpose=data["purpose"],
            expected_from=data["expected_from"], expected_until=data["expected_until"],
            version=data.get("version")))
        if saved is not None:
            messages.success(request, _("Visit saved."))
            return redirect("hq:access_visit_detail", pk=visit.pk)
    return _form_page(request, form, title=_("Change the visit of %(visitor)s") % {
        "visitor": visit.visitor}, cancel=reverse("hq:access_visit_detail", args=[visit.pk]))


@login_required
@require_POST
def visit_check_document(request: HttpRequest, pk: int) -> HttpResponse:
    visit = selectors.visit_get(user=request.user, pk=pk)
    return submit_form(
        request, DocumentCheckForm(request.POST),
        lambda d: services.visit_check_document(
            actor=request.user, visit=visit, document_type=d["document_type"],
            document_number=d["document_number"]),
        success=_("Identity document checked."),
        back=reverse("hq:access_visit_detail", args=[visit.pk]))


VISIT_MOVES = {"arrive", "depart", "cancel", "no_show"}


@login_required
@require_POST
def visit_move(request: HttpRequest, pk: int, move: str) -> HttpResponse:
    visit = selectors.visit_get(user=request.user, pk=pk)
    if move not in VISIT_MOVES:
        raise NotFound()
    back = next_url(request, reverse("hq:access_visit_detail", args=[visit.pk]))

    def call(data: dict[str, Any]) -> Visit:
        if move == "arrive":
            return services.visit_arrive(actor=request.user, visit=visit, at=timezone.now())
        if move == "depart":
            return services.visit_depart(actor=request.user, visit=visit)
        if move == "cancel":
            return services.visit_cancel(actor=request.user, visit=visit,
                                         reason=data.get("reason", ""))
        return services.visit_no_show(actor=request.user, visit=visit)

    done = {"arrive": _("Arrival recorded; the host is told."),
            "depart": _("Departure recorded."), "cancel": _("Visit cancelled."),
            "no_show": _("Marked as a no-show.")}[move]
    return submit_form(request, ReasonForm(request.POST), call, success=done, back=back)


# --- Meetings ---------------------------------------------------------------------------------

@perm_required(Perm.VIEW_ACCESS)
def meeting_list(request: HttpRequest) -> HttpResponseBase:
    filters = MeetingFilters(request.GET or None,
                             stations=selectors.access_stations(user=request.user))
    return list_page(
        request, queryset=selectors.meeting_list(user=request.user, **filters.selector_args()),
        template="hq/access/meeting_list.html",
        table_template="hq/access/partials/_meeting_table.html",
        sorts={"starts": "starts_on", "name": "name"}, default_sort="-starts", filters=filters,
        extra={"may_create": has_perm_anywhere(request.user, Perm.MANAGE_MEETINGS)})


@perm_required(Perm.VIEW_ACCESS)
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    delegations = list(selectors.delegations_of(meeting=meeting))
    manages = can(request.user, Perm.MANAGE_MEETINGS, meeting)
    waiting = sum(1 for d in delegations for a in d.accreditations.all()
                  if a.status == "accredited" and a.pass_issued_id is None)
    return render(request, "hq/access/meeting_detail.html", {
        "meeting": meeting, "delegations": delegations, "may_manage": manages,
        "waiting": waiting,
        "delegation_form": DelegationForm(),
        "accreditation_form": AccreditationForm(
            delegations=meeting.delegations.all(),
            delegates=selectors.delegate_choices(user=request.user, meeting=meeting)),
        "reason_form": ReasonForm()})


@perm_required(Perm.MANAGE_MEETINGS)
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, pk=pk) if pk else None
    stations = selectors.access_stations(user=request.user, perm=Perm.MANAGE_MEETINGS)
    premises = selectors.access_premises_list(user=request.user).filter(
        duty_station__in=stations)
    form = MeetingForm(request.POST or None, stations=stations, premises=premises,
                       instance=type(meeting).objects.get(pk=meeting.pk) if meeting else None,
                       initial={"version": meeting.version} if meeting else None)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in MeetingForm.Meta.fields}
        saved = apply_service(form, lambda: services.meeting_save(
            actor=request.user, meeting=meeting, data=data, zones=form.cleaned_data["zones"],
            version=form.cleaned_data.get("version")))
        if saved is not None:
            messages.success(request, _("%(name)s saved.") % {"name": saved})
            return redirect("hq:access_meeting_detail", pk=saved.pk)
    return _form_page(request, form, title=str(meeting) if meeting else _("New meeting or event"),
                      cancel=reverse("hq:access_meeting_detail", args=[meeting.pk]) if meeting
                      else reverse("hq:access_meeting_list"))


@login_required
@require_POST
def delegation_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    form = DelegationForm(request.POST)
    return submit_form(
        request, form, lambda d: services.delegation_save(
            actor=request.user, data={"meeting": meeting, **d}),
        success=lambda d: _("Delegation %(name)s added.") % {"name": d.name},
        back=reverse("hq:access_meeting_detail", args=[meeting.pk]))


@login_required
@require_POST
def accreditation_add(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    form = AccreditationForm(request.POST, delegations=meeting.delegations.all(),
                             delegates=selectors.delegate_choices(user=request.user,
                                                                  meeting=meeting))
    return submit_form(
        request, form, lambda d: services.accreditation_request(
            actor=request.user, delegation=d["delegation"], holder=d.get("holder"),
            new_delegate=None if d.get("holder") else {
                "family_name": d["family_name"], "given_name": d["given_name"]},
            function=d["function"]),
        success=lambda a: _("Accreditation requested for %(name)s.") % {"name": a.holder},
        back=reverse("hq:access_meeting_detail", args=[meeting.pk]))


@login_required
@require_POST
def accreditation_move(request: HttpRequest, pk: int, move: str) -> HttpResponse:
    accreditation = selectors.accreditation_get(user=request.user, pk=pk)
    back = reverse("hq:access_meeting_detail", args=[accreditation.delegation.meeting_id])
    if move == "grant":
        return submit_form(request, ReasonForm(request.POST),
                           lambda d: services.accreditation_grant(
                               actor=request.user, accreditation=accreditation),
                           success=_("Accredited."), back=back)
    if move == "withdraw":
        return submit_form(request, ReasonForm(request.POST),
                           lambda d: services.accreditation_withdraw(
                               actor=request.user, accreditation=accreditation,
                               reason=d.get("reason", ""),
                               revoke_pass=request.POST.get("revoke") == "1"),
                           success=_("Accreditation withdrawn; the pass no longer opens."),
                           back=back)
    raise NotFound()


@login_required
@require_POST
def meeting_issue_passes(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = selectors.meeting_get(user=request.user, pk=pk)
    return submit_form(request, ReasonForm(request.POST),
                       lambda d: services.meeting_issue_passes(actor=request.user,
                                                               meeting=meeting),
                       success=lambda issued: _("%(n)d event passes issued.") % {
                           "n": len(issued)},
                       back=reverse("hq:access_meeting_detail", args=[meeting.pk]))


"""HTML pages of travel: thin, over the selectors and services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from vigil.core import audit
from vigil.core.authz import Perm, can, has_perm_anywhere
from vigil.core.errors import Forbidden, NotFound, ValidationFailed
from vigil.core.views_support import (
    EditPage,
    apply_service,
    list_page,
    next_url,
    perm_required,
    submit_form,
)
from vigil.people.models import Person
from vigil.places.models import Country, DutyStation, SecurityArea
from vigil.risk.selectors import level_in_force, with_level
from vigil.travel import rules, selectors, services
from vigil.travel.forms import (
    AdvisoryFilters,
    AdvisoryForm,
    AreaControlForm,
    CancelForm,
    ContactForm,
    DecideForm,
    DelegationForm,
    OperatorFilters,
    RequestFilters,
    RequestForm,
    SegmentForm,
    SegmentFormSet,
    WhereaboutsForm,
    operator_label,
    station_label,
)
from vigil.travel.models import (
    AirOperator,
    Clearance,
    Delegation,
    SecurityContact,
    TravelRequest,
)


def _upcoming_places(requests: list[TravelRequest]) -> list[tuple[int, int | None]]:
    places = []
    for request in requests:
        places += [(c.country_id, c.security_area_id) for c in request.clearances.all()]
    return places


# --- The traveller's pages -----------------------------------------------------------------------

@login_required
def my_trips(request: HttpRequest) -> HttpResponse:
    user = request.user
    people = selectors.represented(user=user)
    trips = list(selectors.request_list(user=user, mine=True).prefetch_related(
        "clearances", "segments").order_by("-starts_at", "-pk")[:50])
    now = timezone.now()
    upcoming = [t for t in trips if t.ends_at and t.ends_at >= now
                and t.status != TravelRequest.Status.CANCELLED]
    person = next((p for p in people if p.user_id == user.pk), None)
    return render(request, "travel/my_trips.html", {
        "trips": trips, "upcoming": upcoming, "may_request": bool(people), "person": person,
        "courses": selectors.courses_for_travel(person) if person is not None else [],
        "advisories": selectors.advisories_for_places(_upcoming_places(upcoming),
                                                     timezone.localdate()),
        "represented": [p for p in people if p.user_id != user.pk],
        "settings": selectors.travel_settings(), "today": timezone.localdate()})


@perm_required(Perm.VIEW_TRAVEL)
def request_list(request: HttpRequest) -> HttpResponseBase:
    filters = RequestFilters(request.GET)
    return list_page(
        request, queryset=selectors.request_list(user=request.user, **filters.selector_args()),
        template="travel/request_list.html", table_template="travel/partials/_request_table.html",
        sorts={"start": "starts_at", "traveller": "traveller__family_name", "status": "status"},
        default_sort="-start", filters=filters,
        columns=[(_lazy("Reference"), lambda r: r.reference),
                 (_lazy("Traveller"), lambda r: str(r.traveller)),
                 (_lazy("Purpose"), lambda r: r.purpose),
                 (_lazy("Type"), lambda r: r.get_kind_display()),
                 (_lazy("Departure (UTC)"), lambda r: r.starts_at),
                 (_lazy("End (UTC)"), lambda r: r.ends_at),
                 (_lazy("Status"), lambda r: r.get_status_display())],
        export_name="travel-requests", export_perm=Perm.VIEW_PERSONAL_DATA,
        extra={"may_hold_stops": selectors.may_hold_stops(request.user)})


def _itinerary(travel: TravelRequest) -> list[dict[str, Any]]:
    """Each segment with its times as wall-clock times of its own places (naive, so that the
    templates do not move them into the reader's zone)."""
    from zoneinfo import ZoneInfo

    def wall(value: dt.datetime | None, zone: str) -> dt.datetime | None:
        return value.astimezone(ZoneInfo(zone)).replace(tzinfo=None) if value else None

    rows = []
    for segment in travel.segments.select_related("operator").order_by("position"):
        departs = wall(segment.departs_at, segment.origin_tz)
        arrives = wall(segment.arrives_at, segment.destination_tz)
        rows.append({"segment": segment, "departs": departs, "arrives": arrives,
                     "stays_until": wall(segment.stays_until, segment.destination_tz),
                     "overnight": bool(departs and arrives and departs.date() != arrives.date())})
    return rows


@dataclass(frozen=True)
class StopRow:
    """One stop as the request's page shows it: who holds it now (while it waits), and the
    decision form for one who may decide it."""

    clearance: Clearance
    held: selectors.HeldStop | None
    may_decide: bool
    form: DecideForm


def _detail(request: HttpRequest, travel: TravelRequest, *, status: int = 200,
            cancel_form: CancelForm | None = None,
            decide_forms: dict[int, DecideForm] | None = None) -> HttpResponse:
    user = request.user
    filer = services.may_request_for(user, travel.traveller)
    clearances = list(travel.clearances.select_related("country", "security_area",
                                                      "decided_by").order_by("position"))
    decide_forms = decide_forms or {}
    waiting = [c for c in clearances if c.status == Clearance.Status.PENDING]
    held = {h.clearance.pk: h for h in selectors.held_stops(waiting)}
    stops = [StopRow(clearance=c, held=held.get(c.pk),
                     may_decide=c.pk in held and services.may_decide(user, c, travel,
                                                                      held[c.pk].holding),
                     form=decide_forms.get(c.pk) or DecideForm()) for c in clearances]
    places = [(c.country_id, c.security_area_id) for c in clearances]
    limits = [c.security_area.travel_control for c in clearances
              if c.security_area is not None and hasattr(c.security_area, "travel_control")
              and c.security_area.travel_control.movement_limits]
    return render(request, "travel/request_detail.html", {
        "travel": travel, "itinerary": _itinerary(travel), "stops": stops,
        "advisories": selectors.advisories_for_places(
            places, (travel.starts_at or timezone.now()).date()),
        "limits": limits, "dependants": travel.dependants.all(),
        "may_edit": filer and (travel.allows("edit") or travel.allows("amend")),
        "may_submit": filer and travel.allows("submit"),
        "may_cancel": filer and travel.allows("cancel"),
        "cancel_form": cancel_form or CancelForm(initial={"version": travel.version}),
        "now": timezone.now()}, status=status)


@login_required
def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, selectors.request_get(user=request.user, pk=pk))


def _segment_rows(formset: Any) -> list[dict[str, Any]]:
    return [f.service_data() for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")]


def _place_errors(formset: Any, exc: ValidationFailed, form: RequestForm) -> None:
    """Put each service fault beside its field: segments[i].name on the i-th segment card."""
    import re

    live = [f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]
    for error in exc.errors:
        match = re.fullmatch(r"segments\[(\d+)\]\.(\w+)", error.field)
        if match and int(match.group(1)) < len(live):
            target, name = live[int(match.group(1))], match.group(2)
            target.add_error(name if name in target.fields else None, str(error.message))
        elif error.field in form.fields:
            form.add_error(error.field, str(error.message))
        else:
            form.add_error(None, f"{error.field}: {error.message}" if error.field
                           else str(error.message))


@login_required
@require_http_methods(["GET", "POST"])
def request_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = request.user
    travel = selectors.request_get(user=user, pk=pk) if pk else None
    people = selectors.represented(user=user)
    if travel is not None:
        if not services.may_request_for(user, travel.traveller):
            raise Forbidden()
        if not (travel.allows("edit") or travel.allows("amend")):
            messages.error(request, _("A %(status)s request cannot be changed.")
                           % {"status": travel.get_status_display().lower()})
            return redirect("travel:request_detail", travel.pk)
        people = [travel.traveller]
    elif not people:
        raise Forbidden(_("No staff member record is linked to your account, and nobody has "
                          "named you their travel assistant."))
    if travel is not None:
        initial = {"traveller": travel.traveller_id, "purpose": travel.purpose,
                   "kind": travel.kind, "dependants": list(travel.dependants.all()),
                   "contacts": "\n".join("; ".join(filter(None, (c.get("name"), c.get("phone"),
                                                                 c.get("email"))))
                                         for c in travel.contacts),
                   "version": travel.version}
        segment_initial = [SegmentForm.initial_from(s) for s in
                           travel.segments.select_related("origin_station",
                                                          "destination_station", "operator",
                                                          "origin_country",
                                                          "destination_country")]
    else:
        home = people[0].duty_station
        initial = {"traveller": people[0].pk}
        segment_initial = [{"origin_station": station_label(home)}]
    form = RequestForm(request.POST or None, initial=initial, people=people)
    formset = SegmentFormSet(request.POST or None, initial=segment_initial, prefix="seg")
    if travel is not None:
        form.fields["traveller"].disabled = True
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        payload = {"purpose": data["purpose"], "kind": data["kind"],
                   "contacts": data["contacts"]}
        submit = "submit" in request.POST
        try:
            if travel is None:
                saved = services.request_create(
                    actor=user, traveller=data["traveller"], data=payload,
                    segments=_segment_rows(formset), dependants=list(data["dependants"]),
                    submit=submit)
            else:
                saved = services.request_update(
                    actor=user, request=travel, data=payload, segments=_segment_rows(formset),
                    dependants=list(data["dependants"]), version=data.get("version"))
                if submit and saved.allows("submit"):
                    saved = services.request_submit(actor=user, request=saved,
                                                    version=saved.version)
        except ValidationFailed as exc:
            _place_errors(formset, exc, form)
        else:
            messages.success(request, _("%(ref)s: %(status)s.") % {
                "ref": saved.reference, "status": saved.get_status_display()})
            return redirect("travel:request_detail", saved.pk)
    return render(request, "travel/request_form.html", {
        "travel": travel, "form": form, "formset": formset,
        "stations": DutyStation.objects.filter(is_active=True).order_by("code"),
        "operators": AirOperator.objects.filter(is_active=True).exclude(iata="").order_by(
            "name")[:2000],
        "station_label": station_label, "operator_label": operator_label,
        "amending": travel is not None and travel.status != TravelRequest.Status.DRAFT},
        status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def request_submit(request: HttpRequest, pk: int) -> HttpResponse:
    travel = selectors.request_get(user=request.user, pk=pk)
    try:
        services.request_submit(actor=request.user, request=travel,
                                version=int(request.POST.get("version") or 0) or None)
    except ValidationFailed as exc:
        for error in exc.errors:
            messages.error(request, str(error))
        return redirect("travel:request_edit", travel.pk)
    travel.refresh_from_db()
    messages.success(request, _("%(ref)s: %(status)s.") % {
        "ref": travel.reference, "status": travel.get_status_display()})
    return redirect("travel:request_detail", travel.pk)


@login_required
@require_POST
def request_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    travel = selectors.request_get(user=request.user, pk=pk)
    return submit_form(
        request, CancelForm(request.POST), lambda data: services.request_cancel(
            actor=request.user, request=travel, reason=data["reason"], version=data["version"]),
        success=_("%(ref)s cancelled.") % {"ref": travel.reference},
        back=reverse("travel:request_detail", args=[travel.pk]),
        refused=lambda form: _detail(request, travel, status=400, cancel_form=form))


@login_required
@require_POST
def clearance_decide(request: HttpRequest, pk: int) -> HttpResponse:
    clearance = Clearance.objects.select_related("request").filter(pk=pk).first()
    if clearance is None or not selectors.may_see_request(request.user, clearance.request):
        raise NotFound()
    return submit_form(
        request, DecideForm(request.POST), lambda data: services.clearance_decide(
            actor=request.user, clearance=clearance, approve=data["decision"] == "approve",
            comment=data["comment"]),
        success=lambda saved: _("%(place)s: %(status)s.") % {
            "place": saved.place, "status": saved.get_status_display()},
        back=next_url(request, reverse("travel:request_detail", args=[clearance.request_id])),
        refused=lambda form: _detail(request, clearance.request, status=400,
                                     decide_forms={clearance.pk: form}))


@login_required
def approval_queue(request: HttpRequest) -> HttpResponse:
    if not selectors.may_hold_stops(request.user):
        raise Forbidden()
    queue = selectors.held_stops(selectors.approval_queue(user=request.user))
    return render(request, "travel/approval_queue.html", {
        "queue": queue, "now": timezone.now(),
        "hours": selectors.travel_settings().approval_hours,
        "may_see_uncovered": selectors.may_see_uncovered(request.user)})


@login_required
def uncovered_stops(request: HttpRequest) -> HttpResponse:
    """The board of stops that no security officer covers, with who holds each now."""
    if not selectors.may_see_uncovered(request.user):
        raise Forbidden()
    return render(request, "travel/uncovered.html", {
        "stops": selectors.uncovered_stops(user=request.user), "now": timezone.now(),
        "holders": rules.HOLDERS})


@login_required
@require_http_methods(["GET", "POST"])
def delegations(request: HttpRequest) -> HttpResponse:
    person = Person.objects.filter(user_id=request.user.pk or 0).first()
    if person is None:
        raise Forbidden(_("No staff member record is linked to your account."))
    form = DelegationForm(request.POST or None)
    if request.method == "POST":
        if "remove" in request.POST:
            delegation = Delegation.objects.filter(pk=request.POST["remove"],
                                                   person=person).first()
            if delegation is not None:
                services.delegation_remove(actor=request.user, delegation=delegation)
                messages.success(request, _("Assistant removed."))
            return redirect("travel:delegations")
        if form.is_valid() and apply_service(form, lambda: services.delegation_add(
                actor=request.user, person=person,
                assistant=form.cleaned_data["username"])) is not None:
            messages.success(request, _("Assistant added."))
            return redirect("travel:delegations")
    return render(request, "travel/delegations.html", {
        "form": form, "delegations": selectors.delegations_of(user=request.user)},
        status=400 if request.method == "POST" else 200)


# --- Advisories and the directory ----------------------------------------------------------------

@login_required
def advisory_list(request: HttpRequest) -> HttpResponseBase:
    filters = AdvisoryFilters(request.GET or {"in_force": "on"})
    return list_page(
        request, queryset=selectors.advisory_list(**filters.selector_args()),
        template="travel/advisory_list.html",
        table_template="travel/partials/_advisory_table.html",
        sorts={"country": "country__name", "level": "level", "issued": "issued_on"},
        default_sort="-level", filters=filters,
        columns=[(_lazy("Country"), lambda a: a.country.local_name),
                 (_lazy("Area"), lambda a: a.security_area or ""),
                 (_lazy("Level"), lambda a: a.level), (_lazy("Title"), lambda a: a.title),
                 (_lazy("Source"), lambda a: a.get_source_display()),
                 (_lazy("Issued"), lambda a: a.issued_on),
                 (_lazy("Valid until"), lambda a: a.valid_until)],
        export_name="travel-advisories",
        extra={"may_create": has_perm_anywhere(request.user, Perm.EDIT_ADVISORY)})


@login_required
def advisory_detail(request: HttpRequest, pk: int) -> HttpResponse:
    advisory = selectors.advisory_get(pk=pk)
    return render(request, "travel/advisory_detail.html", {
        "advisory": advisory, "may_edit": can(request.user, Perm.EDIT_ADVISORY, advisory)})


advisory_edit = EditPage(
    form_class=AdvisoryForm, perm=Perm.EDIT_ADVISORY, template="travel/advisory_form.html",
    context_name="advisory", detail_url="travel:advisory_detail",
    saved_message=_lazy("Advisory %(name)s saved."),
    get=lambda user, pk: selectors.advisory_get(pk=pk),  # advisories are public
    create=partial(services.advisory_save, advisory=None), update=services.advisory_save,
    fixed=("country",)).view()


@login_required
def advisories_for(request: HttpRequest) -> HttpResponse:
    """The advisories in force for a destination, as the request form shows them."""
    station = DutyStation.objects.filter(
        code=(request.GET.get("station") or "").split("·")[0].strip().upper()).first()
    country = Country.objects.filter(iso2=(request.GET.get("country") or "").upper()).first()
    places: list[tuple[int, int | None]] = []
    if station is not None:
        places.append((station.country_id, station.security_area_id))
    elif country is not None:
        places.append((country.pk, None))
    advisories = selectors.advisories_for_places(places, timezone.localdate())
    return render(request, "travel/partials/_advisories.html", {
        "advisories": advisories, "place": station or country})


@login_required
def directory(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    countries = selectors.directory_countries()
    if q:
        countries = countries.filter(name__icontains=q)
    return render(request, "travel/directory.html", {"countries": countries, "q": q})


@login_required
def directory_country(request: HttpRequest, iso2: str) -> HttpResponse:
    country = Country.objects.filter(iso2=iso2.upper()).first()
    if country is None:
        raise NotFound()
    areas = list(with_level(SecurityArea.objects.filter(country=country)).select_related(
        "travel_control").order_by("name"))
    probe = SecurityContact(country=country)
    return render(request, "travel/directory_country.html", {
        "country": country, "areas": areas,
        "contacts": selectors.contacts_of(country),
        "stations": country.duty_stations.filter(is_active=True).order_by("name"),
        "advisories": selectors.advisory_list(country=country.iso2, in_force=True),
        "may_edit": can(request.user, Perm.EDIT_DIRECTORY, probe)})


def _contact_back(contact: SecurityContact) -> str:
    return reverse("travel:directory_country", args=[contact.country.iso2])


@perm_required(Perm.EDIT_DIRECTORY)
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    contact = selectors.contact_get(user=request.user, pk=pk) if pk else None
    if contact is not None and not can(request.user, Perm.EDIT_DIRECTORY, contact):
        raise Forbidden()
    initial = {"version": contact.version} if contact else {
        "country": Country.objects.filter(iso2=request.GET.get("country", "").upper()).first()}
    form = ContactForm(request.POST or None, instance=contact and type(contact).objects.get(
        pk=contact.pk), initial=initial)
    if request.method == "POST" and form.is_valid():
        fields = ["country", "security_area", "duty_station", "function", "name", "phones",
                  "email", "radio", "around_the_clock", "position"]
        data = {f: form.cleaned_data[f] for f in fields}
        saved = apply_service(form, lambda: services.contact_save(
            actor=request.user, contact=contact, data=data,
            version=form.cleaned_data.get("version")))
        if saved is not None:
            messages.success(request, _("Contact saved."))
            return redirect(_contact_back(saved))
    return render(request, "travel/contact_form.html", {"form": form, "contact": contact},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def contact_delete(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get(user=request.user, pk=pk)
    back = _contact_back(contact)
    services.contact_delete(actor=request.user, contact=contact)
    messages.success(request, _("Contact removed."))
    return redirect(back)


# --- Area controls and air operators -------------------------------------------------------------

@dataclass(frozen=True)
class AreaRow:
    area: SecurityArea
    may_set: bool  # the user may set this area's controls, not only read them


@perm_required(Perm.SET_AREA_CONTROLS, Perm.VIEW_TRAVEL)
def area_controls(request: HttpRequest) -> HttpResponse:
    areas = list(with_level(selectors.controls_for(user=request.user))[:500])
    return render(request, "travel/area_controls.html", {"areas": [
        AreaRow(area=area, may_set=can(request.user, Perm.SET_AREA_CONTROLS, area))
        for area in areas]})


@login_required
@require_http_methods(["GET", "POST"])
def area_control_edit(request: HttpRequest, area_pk: int) -> HttpResponse:
    area = selectors.area_for_control(user=request.user, pk=area_pk)
    control = selectors.control_of(area)
    form = AreaControlForm(request.POST or None, instance=control and type(control).objects.get(
        pk=control.pk), initial={"version": control.version} if control else None)
    if request.method == "POST" and form.is_valid():
        data = {f: form.cleaned_data[f] for f in AreaControlForm.Meta.fields}
        saved = apply_service(form, lambda: services.area_control_save(
            actor=request.user, area=area, data=data, version=form.cleaned_data.get("version")))
        if saved is not None:
            messages.success(request, _("Travel controls for %(area)s saved.") % {"area": area})
            return redirect("travel:area_controls")
    return render(request, "travel/area_control_form.html", {
        "form": form, "area": area, "control": control, "level": level_in_force(area.pk)},
        status=400 if request.method == "POST" else 200)


@login_required
def operator_list(request: HttpRequest) -> HttpResponseBase:
    filters = OperatorFilters(request.GET)
    return list_page(
        request, queryset=selectors.operator_list(**filters.selector_args()),
        template="travel/operator_list.html",
        table_template="travel/partials/_operator_table.html",
        sorts={"name": "name", "country": "country__name", "suitability": "suitability"},
        default_sort="name", filters=filters,
        columns=[(_lazy("Name"), lambda o: o.name), (_lazy("IATA"), lambda o: o.iata),
                 (_lazy("ICAO"), lambda o: o.icao),
                 (_lazy("Country"), lambda o: o.country.local_name if o.country else ""),
                 (_lazy("Suitability"), lambda o: o.get_suitability_display())],
        export_name="air-operators",
        extra={"may_assess": has_perm_anywhere(request.user, Perm.ASSESS_AIR_OPERATOR)})


@login_required
def operator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """An operator's suitability is the outcome of its assessment in the aviation module,
    which keeps the basis, the assessor and the history: this page hands over to it."""
    operator = selectors.operator_get(pk=pk)
    if not can(request.user, Perm.ASSESS_AIR_OPERATOR, operator):
        raise Forbidden()
    return redirect("aviation:operator_detail", pk=operator.pk)


# --- Whereabouts and coverage --------------------------------------------------------------------

def _whereabouts_query(request: HttpRequest, limit: int) -> tuple[WhereaboutsForm,
                                                                 selectors.Found, dt.datetime]:
    """The form and its answer: everyone found is counted, the first ``limit`` are rows."""
    areas = selectors.areas_watched(user=request.user)
    form = WhereaboutsForm(request.GET or None, areas=areas)
    now = timezone.now()
    at = now
    found = selectors.Found([], 0, 0)
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        at = data["at"].replace(tzinfo=dt.UTC) if data.get("at") else now
        if request.GET.get("when") == "week":
            at = now + dt.timedelta(days=7)
        if data.get("area"):
            found = selectors.find_in_area(user=request.user, area=data["area"], at=at,
                                           limit=limit)
        else:
            found = selectors.find_near(user=request.user, lat=data["latitude"],
                                        lon=data["longitude"], radius_km=data["radius_km"],
                                        at=at, limit=limit)
    return form, found, at


PAGE_ROWS = 1000  # the who-is-where page lists the first 1,000 found
MAP_POINTS = 5000  # and its map shows the first 5,000


@perm_required(Perm.VIEW_WHEREABOUTS)
def whereabouts_page(request: HttpRequest) -> HttpResponse:
    form, found, at = _whereabouts_query(request, PAGE_ROWS)
    return render(request, "travel/whereabouts.html", {
        "form": form, "rows": found.rows, "count": found.count,
        "travelling": found.travelling, "at": at, "query": request.GET.urlencode(),
        "truncated": found.count > PAGE_ROWS})


@perm_required(Perm.VIEW_WHEREABOUTS)
def whereabouts_geojson(request: HttpRequest) -> JsonResponse:
    _form, found, _at = _whereabouts_query(request, MAP_POINTS)
    features = [{"type": "Feature",
                 "geometry": {"type": "Point", "coordinates": [r.place.point[1],
                                                               r.place.point[0]]},
                 "properties": {"name": r.name, "basis": r.place.basis, "where": r.where}}
                for r in found.rows]
    return JsonResponse({"type": "FeatureCollection", "features": features})


@perm_required(Perm.VIEW_COVERAGE)
def coverage(request: HttpRequest) -> HttpResponse:
    data = selectors.coverage(user=request.user)
    names = None
    if has_perm_anywhere(request.user, Perm.VIEW_PERSON):
        names = selectors.uncovered(user=request.user, data=data)
        # The first 200 are listed: read them once, not counted first.
        names["staff"] = list(names["staff"][:200])
        audit.record_list_read(actor=request.user, action="travel.coverage.uncovered.read",
                               object_type="people.person", query="",
                               rows=len(names["staff"]))
    return render(request, "travel/coverage.html", {
        "data": data, "names": names, "settings": selectors.travel_settings()})


@login_required
@require_POST
def residence_confirm(request: HttpRequest) -> HttpResponse:
    person = Person.objects.filter(user_id=request.user.pk or 0).first()
    if person is None:
        raise Forbidden()
    try:
        services.residence_confirm(actor=request.user, person=person,
                                   version=person.version)
    except ValidationFailed as exc:
        messages.error(request, str(exc.errors[0].message))
    else:
        messages.success(request, _("Thank you: your residence is confirmed."))
    return redirect(next_url(request, reverse("travel:my_trips")))


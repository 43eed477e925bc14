"""Crisis pages: the list, declaring, the crisis page (zone, team, log, messages), the live
headcount board, broadcasting, scheduled check-ins, and the public check-in page."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from vigil.core import audit
from vigil.core.authz import Perm, can, get_visible, has_perm_anywhere, require, visible
from vigil.core.errors import DomainError, FieldError, NotFound, ValidationFailed
from vigil.core.templatetags.vigil import BADGE_TONES
from vigil.core.views_support import (
    apply_service,
    flash_errors,
    geojson,
    list_page,
    perm_required,
    submit_form,
)
from vigil.crisis import checkin, selectors, services
from vigil.crisis import zone as zones
from vigil.crisis.forms import (
    BroadcastForm,
    CheckinForm,
    CloseForm,
    CrisisFilters,
    DeclareForm,
    EntryAddForm,
    EntryFilters,
    EntryStatusForm,
    GeneralBroadcastForm,
    LogForm,
    MemberForm,
)
from vigil.crisis.models import AccountEntry, AccountStatus, Crisis, CrisisMember, CrisisSettings
from vigil.crisis.rules import ANSWERS, is_timely
from vigil.incidents.models import Incident
from vigil.people.models import Person
from vigil.people.selectors import staff_member_by_index
from vigil.places.models import DutyStation, SecurityArea


@perm_required(Perm.VIEW_CRISIS)
def crisis_list(request: HttpRequest) -> HttpResponseBase:
    filters = CrisisFilters(request.GET or None)
    return list_page(
        request, queryset=selectors.crisis_list(user=request.user, **filters.selector_args()),
        template="crisis/crisis_list.html", table_template="crisis/partials/_crisis_table.html",
        sorts={"activated": "activated_at", "title": "title", "country": "country__name"},
        default_sort="-activated", filters=filters,
        columns=[(_lazy("Reference"), lambda c: c.reference), (_lazy("Title"), lambda c: c.title),
                 (_lazy("Status"), lambda c: c.get_status_display()),
                 (_lazy("Country"), lambda c: c.country.iso2),
                 (_lazy("Incident time"), lambda c: c.incident_at),
                 (_lazy("Activated at"), lambda c: c.activated_at),
                 (_lazy("Hours to activation"), lambda c: round(c.activation_delay, 2)),
                 (_lazy("Headcount"), lambda c: c.headcount),
                 (_lazy("Accounted for"), lambda c: c.accounted)],
        export_name="crises",
        extra={"may_declare": has_perm_anywhere(request.user, Perm.DECLARE_CRISIS),
               "timeliness": selectors.activation_timeliness(user=request.user)})


def _areas_for(user: Any) -> Any:
    return visible(user, Perm.DECLARE_CRISIS, SecurityArea.objects.select_related(
        "country")).order_by("country__name", "name")


@perm_required(Perm.DECLARE_CRISIS)
@require_http_methods(["GET", "POST"])
def crisis_create(request: HttpRequest) -> HttpResponse:
    incident = None
    incident_id = request.POST.get("incident") or request.GET.get("incident")
    if incident_id and str(incident_id).isdigit():
        incident = get_visible(request.user, Perm.VIEW_INCIDENT, Incident.objects.all(),
                               pk=int(incident_id))
    initial: dict[str, Any] = {"radius_km": 25}
    # A link may suggest the place, radius and title (from a map, a message, the docs).
    initial.update({k: request.GET[k] for k in ("title", "place", "radius_km")
                    if request.GET.get(k)})
    if incident is not None:
        initial.update(title=incident.title, description=incident.description,
                       country=incident.country, incident_at=incident.occurred_at,
                       center_latitude=incident.latitude, center_longitude=incident.longitude,
                       zone_kind=Crisis.ZoneKind.POLYGON if incident.area_geometry
                       else Crisis.ZoneKind.CIRCLE)
        if incident.area_geometry:
            initial["polygon"] = json.dumps(incident.area_geometry)
    form = DeclareForm(request.POST or None, initial=initial, areas=_areas_for(request.user))
    if request.method == "POST" and form.is_valid():
        crisis = apply_service(form, lambda: services.crisis_declare(
            actor=request.user, data=form.service_data(),
            areas=list(form.cleaned_data.get("areas") or []), incident=incident))
        if crisis is not None:
            messages.success(request, _("Crisis %(ref)s declared; %(n)s people on the headcount.")
                             % {"ref": crisis.reference, "n": crisis.entries.count()})
            return redirect("crisis:board", pk=crisis.pk)
    stations = DutyStation.objects.filter(pk__in=visible(
        request.user, Perm.VIEW_PERSON, Person.objects.all()).values("duty_station_id")
    ).order_by("name")[:300]
    return render(request, "crisis/crisis_form.html", {
        "form": form, "incident": incident, "stations": stations})


@login_required
def crisis_detail(request: HttpRequest, pk: int) -> HttpResponse:
    crisis = selectors.crisis_get(user=request.user, pk=pk)
    may_manage = can(request.user, Perm.MANAGE_CRISIS, crisis)
    zone = zones.zone_of(crisis)
    hours = CrisisSettings.load().timely_activation_hours
    return render(request, "crisis/crisis_detail.html", {
        "crisis": crisis, "may_manage": may_manage and crisis.status == Crisis.Status.ACTIVE,
        "may_log": services.may_write_log(request.user, crisis),
        "board": selectors.board(crisis, user=request.user),
        "members": crisis.members.select_related("user"),
        "log": crisis.log.select_related("author")[:200],
        "broadcasts": selectors.broadcasts(crisis=crisis)[:50],
        "zone_geometry": zone.geometry(), "areas": zone.areas,
        "log_form": LogForm(), "member_form": MemberForm(),
        "close_form": CloseForm(initial={"version": crisis.version}),
        "timely_hours": hours, "timely": is_timely(crisis.activation_delay, hours),
        # The triggering incident is linked only for a reader who may open it.
        "incident_link": crisis.incident is not None
        and can(request.user, Perm.VIEW_INCIDENT, crisis.incident)})


@login_required
def board(request: HttpRequest, pk: int) -> HttpResponseBase:
    crisis = selectors.crisis_get(user=request.user, pk=pk)
    filters = EntryFilters(request.GET or None)
    qs = selectors.entries(user=request.user, crisis=crisis, **filters.selector_args())
    may_account = has_perm_anywhere(request.user, Perm.ACCOUNT_FOR) and \
        crisis.status == Crisis.Status.ACTIVE
    return list_page(
        request, queryset=qs, template="crisis/board.html",
        table_template="crisis/partials/_entry_table.html",
        sorts={"name": "person__family_name", "status": "status",
               "organization": "organization__code", "since": "status_at"},
        default_sort="name", filters=filters,
        columns=[(_lazy("Name"), lambda e: str(e.dependant or e.person)),
                 (_lazy("Staff member"), lambda e: str(e.person) if e.dependant else ""),
                 (_lazy("Index number"), lambda e: e.person.index_number),
                 (_lazy("Organization"), lambda e: e.organization.code),
                 (_lazy("Duty station"), lambda e: e.duty_station.code if e.duty_station
                  else ""),
                 (_lazy("Presumed at"), lambda e: e.place),
                 (_lazy("Basis"), lambda e: e.get_basis_display()),
                 (_lazy("Status"), lambda e: e.get_status_display()),
                 (_lazy("Status since"), lambda e: e.status_at),
                 (_lazy("Answered by the person"), lambda e: e.via_checkin),
                 (_lazy("Note"), lambda e: e.note),
                 (_lazy("Reported latitude"), lambda e: e.reported_latitude),
                 (_lazy("Reported longitude"), lambda e: e.reported_longitude)],
        export_name=f"headcount-{crisis.reference}", export_perm=Perm.VIEW_CRISIS,
        audit_read_as="crisis.headcount.read",
        extra={"crisis": crisis, "board": selectors.board(crisis, user=request.user),
               "now": timezone.now().isoformat(),
               "may_account": may_account, "statuses": AccountStatus.choices,
               "add_form": EntryAddForm(),
               "may_manage": can(request.user, Perm.MANAGE_CRISIS, crisis)})


CHANGED_PAGE = 500


@never_cache
@login_required
def board_json(request: HttpRequest, pk: int) -> JsonResponse:
    """The board's counts and the entries changed since ``since``: what the page polls."""
    crisis = selectors.crisis_get(user=request.user, pk=pk)
    since = parse_datetime(request.GET.get("since", "") or "")
    data = selectors.board(crisis, user=request.user)
    changed = []
    now = timezone.now()
    if since is not None:
        rows = list(selectors.entries(user=request.user, crisis=crisis).filter(
            updated_at__gt=since).order_by("updated_at")[:CHANGED_PAGE])
        if len(rows) == CHANGED_PAGE:
            now = rows[-1].updated_at  # more to come: the next poll goes on from here
        for e in rows:
            changed.append({"id": e.pk, "status": e.status, "label": e.get_status_display(),
                            "tone": BADGE_TONES.get(e.status, "neutral"),
                            "version": e.version, "note": e.note,
                            "at": e.status_at.strftime("%Y-%m-%d %H:%M") if e.status_at
                            else "", "checkin": e.via_checkin})
    data["changed"] = changed
    data["now"] = now.isoformat()
    return JsonResponse(data)


@login_required
def headcount_geojson(request: HttpRequest, pk: int) -> JsonResponse:
    """Where the people on the headcount are presumed (or said they are), for the map."""
    crisis = selectors.crisis_get(user=request.user, pk=pk)
    features = []
    for e in selectors.entries(user=request.user, crisis=crisis).filter(
            Q(latitude__isnull=False) | Q(reported_latitude__isnull=False))[:5000]:
        lat = e.reported_latitude if e.reported_latitude is not None else e.latitude
        lon = e.reported_longitude if e.reported_longitude is not None else e.longitude
        features.append({"type": "Feature", "id": e.pk,
                         "geometry": {"type": "Point", "coordinates": [lon, lat]},
                         "properties": {"name": str(e.dependant or e.person),
                                        "code": e.get_status_display(), "kind": "field"}})
    audit.record_list_read(actor=request.user, action="crisis.headcount.map",
                           object_type="crisis.accountentry", query=f"crisis={crisis.pk}",
                           rows=len(features))
    return geojson({"type": "FeatureCollection", "features": features})


def _entry(request: HttpRequest, pk: int, entry_pk: int) -> AccountEntry:
    crisis = selectors.crisis_get(user=request.user, pk=pk)
    found = selectors.entries(user=request.user, crisis=crisis).filter(pk=entry_pk).first()
    if found is None:
        raise NotFound()
    return found


@login_required
@require_POST
def entry_update(request: HttpRequest, pk: int, entry_pk: int) -> HttpResponse:
    entry = _entry(request, pk, entry_pk)
    form = EntryStatusForm(request.POST)
    done: AccountEntry | None = None
    if form.is_valid():
        done = apply_service(form, lambda: services.entry_update(
            actor=request.user, entry=entry, status=form.cleaned_data["status"],
            note=form.cleaned_data["note"], version=form.cleaned_data.get("version")))
    if getattr(request, "htmx", False):
        # The row as it now stands, with the fault when the change was refused: 409 when
        # someone else changed it meanwhile, 400 for bad input. The board swaps it in either
        # way, so it never shows a stale row.
        current = done or _entry(request, pk, entry_pk)
        read = form.cleaned_data.get("version") if hasattr(form, "cleaned_data") else None
        status = 200 if done else 409 if read is not None and read != current.version else 400
        error = "; ".join(str(e) for errors in form.errors.values() for e in errors)
        return render(request, "crisis/partials/_entry_row.html", {
            "e": current, "crisis": entry.crisis, "may_account": True,
            "statuses": AccountStatus.choices, "error": error}, status=status)
    if done:
        messages.success(request, _("%(name)s: %(status)s.") % {
            "name": done.dependant or done.person, "status": done.get_status_display()})
        return redirect(reverse("crisis:board", args=[pk]) + "?" + request.GET.urlencode())
    flash_errors(request, form)
    return redirect("crisis:board", pk=pk)


@login_required
@require_POST
def entry_add(request: HttpRequest, pk: int) -> HttpResponse:
    crisis = selectors.crisis_get(user=request.user, pk=pk)

    def add(data: dict[str, Any]) -> AccountEntry:
        person, dependant = staff_member_by_index(
            user=request.user, index_number=data["person"], dependant=data["dependant"])
        return services.entry_add(actor=request.user, crisis=crisis, person=person,
                                  dependant=dependant, status=data["status"],
                                  place=data["place"], note=data["note"])

    return submit_form(
        request, EntryAddForm(request.POST), add, back=reverse("crisis:board", args=[pk]),
        success=lambda entry: _("%(name)s added to the headcount.") % {
            "name": entry.dependant or entry.person})


@login_required
@require_POST
def headcount_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    crisis = selectors.crisis_get(user=request.user, pk=pk)
    added = services.headcount_refresh(actor=request.user, crisis=crisis)
    messages.success(request, _("%(n)s people added to the headcount.") % {"n": added})
    return redirect("crisis:board", pk=pk)


@login_required
@require_POST
def log_add(request: HttpRequest, pk: int) -> HttpResponse:
    crisis = selectors.crisis_get(user=request.user, pk=pk)
    return submit_form(
        request, LogForm(request.POST), lambda data: services.log_add(
            actor=request.user, crisis=crisis, text=data["text"], kind=data["kind"]),
        back=reverse("crisis:crisis_detail", args=[pk]) + "#log",
        success=_("Entry added to the log."))


@login_required
@require_POST
def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    crisis = selectors.crisis_get(user=request.user, pk=pk)

    def add(data: dict[str, Any]) -> CrisisMember:
        user = get_user_model().objects.filter(username=data["username"].strip(),
                                               is_active=True).first()
        if user is None:
            raise ValidationFailed([FieldError("username", _("No active user has this name."))])
        return services.member_add(actor=request.user, crisis=crisis, user=user,
                                   role=data["role"], duty=data["duty"])

    return submit_form(
        request, MemberForm(request.POST), add,
        back=reverse("crisis:crisis_detail", args=[pk]) + "#team",
        success=lambda member: _("%(user)s added to the team.") % {"user": member.user})


@login_required
@require_POST
def member_remove(request: HttpRequest, pk: int, member_pk: int) -> HttpResponse:
    crisis = selectors.crisis_get(user=request.user, pk=pk)
    member = CrisisMember.objects.filter(crisis=crisis, pk=member_pk).first()
    if member is None:
        raise NotFound()
    try:
        services.member_remove(actor=request.user, member=member)
        messages.success(request, _("Removed from the team."))
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, str(exc.message))
    return redirect(reverse("crisis:crisis_detail", args=[pk]) + "#team")


@login_required
@require_POST
def crisis_close(request: HttpRequest, pk: int) -> HttpResponse:
    crisis = selectors.crisis_get(user=request.user, pk=pk)
    return submit_form(
        request, CloseForm(request.POST), lambda data: services.crisis_close(
            actor=request.user, crisis=crisis, note=data["note"], version=data.get("version")),
        back=reverse("crisis:crisis_detail", args=[pk]), success=_("Crisis closed."))


@login_required
@require_http_methods(["GET", "POST"])
def broadcast_create(request: HttpRequest, pk: int) -> HttpResponse:
    crisis = selectors.crisis_get(user=request.user, pk=pk)
    require(request.user, Perm.MANAGE_CRISIS, crisis)  # the form is for its managers only
    initial = {"subject": _("%(title)s: are you safe?") % {"title": crisis.title},
               "body": _("A security incident is affecting your area. Stay where you are "
                         "if you are safe, follow the instructions of your security officer, "
                         "and tell us how you are."),
               "remind_after": CrisisSettings.load().reminder_minutes}
    form = BroadcastForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        sent = apply_service(form, lambda: services.broadcast_send(
            actor=request.user, crisis=crisis, subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"], audience=form.audience(),
            email=form.cleaned_data["email"],
            webhooks=list(form.cleaned_data.get("webhooks") or []),
            with_checkin=form.cleaned_data["with_checkin"],
            remind_after=form.cleaned_data.get("remind_after")))
        if sent is not None:
            messages.success(request, _("Message %(ref)s is being sent.") % {
                "ref": sent.reference})
            return redirect("crisis:broadcast_detail", pk=sent.pk)
    return render(request, "crisis/broadcast_form.html", {"form": form, "crisis": crisis})


@perm_required(Perm.VIEW_CRISIS)
def broadcast_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.broadcasts_seen(request.user).select_related(
        "crisis", "created_by").order_by("-created_at", "-pk")[:200]
    return render(request, "crisis/broadcast_list.html", {
        "rows": rows, "may_send": has_perm_anywhere(request.user, Perm.MANAGE_CRISIS)})


@perm_required(Perm.MANAGE_CRISIS)
@require_http_methods(["GET", "POST"])
def broadcast_general(request: HttpRequest) -> HttpResponse:
    """A message outside a crisis, to the staff of countries or duty stations in scope."""
    form = GeneralBroadcastForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sent = apply_service(form, lambda: services.broadcast_send(
            actor=request.user, subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"], audience=form.audience(),
            email=form.cleaned_data["email"],
            webhooks=list(form.cleaned_data.get("webhooks") or []),
            with_checkin=False))
        if sent is not None:
            messages.success(request, _("Message %(ref)s is being sent.") % {
                "ref": sent.reference})
            return redirect("crisis:broadcast_detail", pk=sent.pk)
    return render(request, "crisis/broadcast_form.html", {"form": form, "crisis": None})


@login_required
def broadcast_detail(request: HttpRequest, pk: int) -> HttpResponse:
    broadcast = selectors.broadcast_get(user=request.user, pk=pk)
    deliveries = broadcast.deliveries.select_related("person", "endpoint").order_by("pk")
    counts = dict(broadcast.deliveries.order_by().values_list("status").annotate(
        n=Count("pk")))
    return render(request, "crisis/broadcast_detail.html", {
        "broadcast": broadcast, "deliveries": deliveries[:1000], "counts": counts,
        "total": sum(counts.values())})


@perm_required(Perm.CHECK_IN)
def checkin_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.checkins(user=request.user).order_by("-due_at")[:300]
    return render(request, "crisis/checkin_list.html", {"rows": rows, "now": timezone.now()})


@login_required
@require_POST
def my_checkin_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """A signed-in traveller answers their own scheduled check-in."""
    found = selectors.own_checkins(user=request.user).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    try:
        checkin.checkin_answer(found, status=request.POST.get("status", ""), note="",
                               lat=None, lon=None, actor=request.user)
        messages.success(request, _("Thank you: your answer is recorded."))
    except ValidationFailed as exc:
        messages.error(request, "; ".join(str(e.message) for e in exc.errors))
    return redirect("core:home")


@login_required
def incident_people(request: HttpRequest, pk: int) -> HttpResponse:
    """Everyone presumed inside an incident's area (a CAP alert's polygons and circles), as
    far as the reader may know them: see selectors.people_in_area."""
    found = selectors.people_in_area(user=request.user, pk=pk, at=timezone.now())
    return render(request, "crisis/incident_people.html", {
        "incident": found.incident, "rows": found.rows, "count": found.count, "at": found.at,
        "may_declare": has_perm_anywhere(request.user, Perm.DECLARE_CRISIS)})


# --- The public check-in page --------------------------------------------------------------------

@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def checkin_page(request: HttpRequest, token: str) -> HttpResponse:
    """Answer a check-in without signing in: the token in the link is the authority."""
    try:
        target = checkin.resolve(token)
    except (checkin.LinkExpired, checkin.LinkInvalid) as exc:
        return render(request, "crisis/checkin.html", {"error": exc.message},
                      status=exc.status)
    form = CheckinForm(request.POST or None, household=target.household())
    done = False
    if request.method == "POST" and form.is_valid():
        try:
            target = checkin.answer(token, status=form.cleaned_data["status"],
                                    note=form.cleaned_data["note"],
                                    latitude=form.cleaned_data.get("latitude"),
                                    longitude=form.cleaned_data.get("longitude"),
                                    household=form.cleaned_data.get("household") or ())
            done = True
        except DomainError as exc:
            form.add_error(None, str(exc.message))
    return render(request, "crisis/checkin.html", {
        "form": form, "target": target, "done": done,
        "first_name": target.person.given_name or target.person.family_name,
        "answered": target.status in ANSWERS})


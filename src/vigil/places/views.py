from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from vigil.core.authz import Perm, can, has_perm_anywhere, require
from vigil.core.errors import Forbidden, ValidationFailed
from vigil.core.views_support import apply_service, changed_data, fresh_copy, list_page
from vigil.places import selectors, services
from vigil.places.forms import (
    DutyStationFilters,
    DutyStationForm,
    ImportForm,
    PremisesFilters,
    PremisesForm,
    SecurityAreaFilters,
    SecurityAreaForm,
)
from vigil.places.models import Premises

STATION_COLUMNS = [
    (_("code"), lambda s: s.code), (_("name"), lambda s: s.name),
    (_("country"), lambda s: s.country.iso2), (_("security area"),
                                               lambda s: s.security_area or ""),
    (_("type"), lambda s: s.kind), (_("latitude"), lambda s: s.latitude),
    (_("longitude"), lambda s: s.longitude), (_("time zone"), lambda s: s.time_zone),
]


@login_required
def duty_station_list(request: HttpRequest) -> HttpResponseBase:
    filters = DutyStationFilters(request.GET)
    stations = selectors.duty_station_list(user=request.user, **filters.selector_args())
    return list_page(
        request, queryset=stations, template="places/duty_station_list.html",
        table_template="places/partials/_duty_station_table.html",
        sorts={"name": "name", "code": "code", "country": "country__name", "kind": "kind"},
        default_sort="name", filters=filters, columns=STATION_COLUMNS,
        export_name="duty-stations",
        extra={"may_create": has_perm_anywhere(request.user, Perm.CHANGE_DUTY_STATION),
               "may_import": has_perm_anywhere(request.user, Perm.IMPORT_DUTY_STATIONS)})


@login_required
def duty_station_map(request: HttpRequest) -> HttpResponse:
    filters = DutyStationFilters(request.GET)
    stations = selectors.duty_station_list(user=request.user, **filters.selector_args())
    return render(request, "places/duty_station_map.html", {
        "filters": filters, "stations": stations.order_by("name")[:500],
        "count": stations.count(), "query": request.GET.urlencode(),
        "tile_url": settings.VIGIL_MAP_TILE_URL,
        "tile_attribution": settings.VIGIL_MAP_TILE_ATTRIBUTION})


@login_required
def duty_station_geojson(request: HttpRequest) -> JsonResponse:
    filters = DutyStationFilters(request.GET)
    stations = selectors.duty_station_list(user=request.user, **filters.selector_args())
    return JsonResponse(selectors.duty_station_features(stations=stations),
                        content_type="application/geo+json")


@login_required
def duty_station_detail(request: HttpRequest, pk: int) -> HttpResponse:
    station = selectors.duty_station_get(user=request.user, pk=pk)
    premises = selectors.premises_list(user=request.user, duty_station=station.pk)
    return render(request, "places/duty_station_detail.html", {
        "station": station, "premises": premises,
        "local_now": timezone.now().astimezone(ZoneInfo(station.time_zone)),
        "may_edit": can(request.user, Perm.CHANGE_DUTY_STATION, station)})


@login_required
@require_http_methods(["GET", "POST"])
def duty_station_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    station = selectors.duty_station_get(user=request.user, pk=pk) if pk else None
    if station is not None:
        require(request.user, Perm.CHANGE_DUTY_STATION, station)
    elif not has_perm_anywhere(request.user, Perm.CHANGE_DUTY_STATION):
        raise Forbidden()
    form = DutyStationForm(request.POST or None,
                           instance=fresh_copy(station) if station else None,
                           initial={"version": station.version} if station else None)
    if station is not None:
        form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = changed_data(form, DutyStationForm.Meta.fields)
        if station is None:
            saved = apply_service(form, lambda: services.duty_station_create(
                actor=request.user, data=data))
        else:
            data.pop("code", None)
            saved = apply_service(form, lambda: services.duty_station_update(
                actor=request.user, station=station, data=data,
                version=form.cleaned_data.get("version")))
        if saved is not None:
            messages.success(request, _("Duty station %(name)s saved.") % {"name": saved})
            return redirect("places:duty_station_detail", pk=saved.pk)
    return render(request, "places/duty_station_form.html", {"form": form, "station": station})


@login_required
@require_http_methods(["GET", "POST"])
def duty_station_import(request: HttpRequest) -> HttpResponse:
    if not has_perm_anywhere(request.user, Perm.IMPORT_DUTY_STATIONS):
        raise Forbidden()
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = services.duty_stations_import(
                actor=request.user, data=form.cleaned_data["file"].read(),
                skip_invalid=form.cleaned_data["skip_invalid"])
            messages.success(request, _("%(created)d created, %(updated)d updated, "
                                        "%(skipped)d rows skipped.") % {
                "created": report.created, "updated": report.updated,
                "skipped": report.skipped})
        except ValidationFailed as exc:
            return render(request, "core/import.html", {
                "form": form, "errors": exc.errors, "message": exc.message,
                "title": _("Import duty stations"), "columns": _station_columns()}, status=400)
    return render(request, "core/import.html", {
        "form": form, "report": report, "title": _("Import duty stations"),
        "columns": _station_columns()})


def _station_columns() -> dict[str, tuple[str, ...]]:
    return {"required": services.DUTY_STATION_COLUMNS_REQUIRED,
            "optional": services.DUTY_STATION_COLUMNS_OPTIONAL}


PREMISES_COLUMNS = [
    (_("name"), lambda p: p.name), (_("duty station"), lambda p: p.duty_station.code),
    (_("address"), lambda p: p.address), (_("latitude"), lambda p: p.latitude),
    (_("longitude"), lambda p: p.longitude), (_("staff capacity"), lambda p: p.staff_capacity),
    (_("visitor capacity"), lambda p: p.visitor_capacity),
    (_("open to the public"), lambda p: p.public_access),
]


@login_required
def premises_list(request: HttpRequest) -> HttpResponseBase:
    if not has_perm_anywhere(request.user, Perm.VIEW_PREMISES):
        raise Forbidden()
    filters = PremisesFilters(request.GET)
    premises = selectors.premises_list(user=request.user, **filters.selector_args())
    return list_page(
        request, queryset=premises, template="places/premises_list.html",
        table_template="places/partials/_premises_table.html",
        sorts={"name": "name", "duty_station": "duty_station__name",
               "staff": "staff_capacity"},
        default_sort="name", filters=filters, columns=PREMISES_COLUMNS,
        export_name="premises",
        extra={"may_create": has_perm_anywhere(request.user, Perm.CHANGE_PREMISES)})


@login_required
def premises_detail(request: HttpRequest, pk: int) -> HttpResponse:
    premises = selectors.premises_get(user=request.user, pk=pk)
    return render(request, "places/premises_detail.html", {
        "premises": premises, "may_edit": can(request.user, Perm.CHANGE_PREMISES, premises)})


@login_required
@require_http_methods(["GET", "POST"])
def premises_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    premises = selectors.premises_get(user=request.user, pk=pk) if pk else None
    if premises is not None:
        require(request.user, Perm.CHANGE_PREMISES, premises)
    elif not has_perm_anywhere(request.user, Perm.CHANGE_PREMISES):
        raise Forbidden()
    stations = selectors.duty_station_list(user=request.user).filter(
        pk__in=_stations_for_premises(request))
    form = PremisesForm(request.POST or None, stations=stations,
                        instance=fresh_copy(premises) if premises else None,
                        initial={"version": premises.version} if premises else None)
    if request.method == "POST" and form.is_valid():
        data = changed_data(form, PremisesForm.Meta.fields)
        orgs = [o.pk for o in form.cleaned_data["organizations"]]
        if premises is None:
            saved = apply_service(form, lambda: services.premises_create(
                actor=request.user, data=data, organization_ids=orgs))
        else:
            saved = apply_service(form, lambda: services.premises_update(
                actor=request.user, premises=premises, data=data, organization_ids=orgs,
                version=form.cleaned_data.get("version")))
        if saved is not None:
            messages.success(request, _("Premises %(name)s saved.") % {"name": saved})
            return redirect("places:premises_detail", pk=saved.pk)
    return render(request, "places/premises_form.html", {"form": form, "premises": premises})


def _stations_for_premises(request: HttpRequest) -> list[int]:
    """Duty stations where the user may keep premises: those in a CHANGE_PREMISES scope."""
    stations = selectors.duty_station_list(user=request.user).only(
        "pk", "country_id", "security_area_id")
    return [s.pk for s in stations
            if can(request.user, Perm.CHANGE_PREMISES, Premises(duty_station=s))]


AREA_COLUMNS = [
    (_("country"), lambda a: a.country.iso2), (_("code"), lambda a: a.code),
    (_("name"), lambda a: a.name), (_("duty stations"), lambda a: a.station_count),
]


@login_required
def security_area_list(request: HttpRequest) -> HttpResponseBase:
    filters = SecurityAreaFilters(request.GET)
    return list_page(
        request, queryset=selectors.security_area_list(user=request.user,
                                                       **filters.selector_args()),
        template="places/security_area_list.html",
        table_template="places/partials/_security_area_table.html",
        sorts={"name": "name", "code": "code", "country": "country__name",
               "stations": "station_count"},
        default_sort="country", filters=filters, columns=AREA_COLUMNS,
        export_name="security-areas",
        extra={"may_create": has_perm_anywhere(request.user, Perm.CHANGE_DUTY_STATION)})


@login_required
def security_area_detail(request: HttpRequest, pk: int) -> HttpResponse:
    area = selectors.security_area_get(user=request.user, pk=pk)
    return render(request, "places/security_area_detail.html", {
        "area": area,
        "stations": selectors.duty_station_list(user=request.user, security_area=area.pk),
        "may_edit": can(request.user, Perm.CHANGE_DUTY_STATION, area),
        "tile_url": settings.VIGIL_MAP_TILE_URL,
        "tile_attribution": settings.VIGIL_MAP_TILE_ATTRIBUTION})


@login_required
@require_http_methods(["GET", "POST"])
def security_area_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    area = selectors.security_area_get(user=request.user, pk=pk) if pk else None
    if area is not None:
        require(request.user, Perm.CHANGE_DUTY_STATION, area)
    elif not has_perm_anywhere(request.user, Perm.CHANGE_DUTY_STATION):
        raise Forbidden()
    form = SecurityAreaForm(request.POST or None, instance=fresh_copy(area) if area else None,
                            initial={"version": area.version} if area else None)
    if area is not None:
        form.fields["country"].disabled = True
        form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = changed_data(form, SecurityAreaForm.Meta.fields)
        if area is None:
            saved = apply_service(form, lambda: services.security_area_create(
                actor=request.user, data=data))
        else:
            data.pop("country", None)
            data.pop("code", None)
            saved = apply_service(form, lambda: services.security_area_update(
                actor=request.user, area=area, data=data,
                version=form.cleaned_data.get("version")))
        if saved is not None:
            messages.success(request, _("Security area %(name)s saved.") % {"name": saved})
            return redirect("places:security_area_detail", pk=saved.pk)
    return render(request, "places/security_area_form.html", {"form": form, "area": area})

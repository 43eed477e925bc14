from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from vigil.core.authz import Perm, can, has_perm_anywhere
from vigil.core.errors import ValidationFailed
from vigil.core.views_support import EditPage, list_page, perm_required
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


STATION_EDIT = EditPage(
    form_class=DutyStationForm, perm=Perm.CHANGE_DUTY_STATION,
    template="places/duty_station_form.html", context_name="station",
    detail_url="places:duty_station_detail", saved_message=_lazy("Duty station %(name)s saved."),
    create=lambda actor, data, form: services.duty_station_create(actor=actor, data=data),
    update=lambda actor, obj, data, version, form: services.duty_station_update(
        actor=actor, station=obj, data=data, version=version),
    fixed=("code",))


@login_required
@require_http_methods(["GET", "POST"])
def duty_station_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    station = selectors.duty_station_get(user=request.user, pk=pk) if pk else None
    return STATION_EDIT.respond(request, station)


@perm_required(Perm.IMPORT_DUTY_STATIONS)
@require_http_methods(["GET", "POST"])
def duty_station_import(request: HttpRequest) -> HttpResponse:
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


@perm_required(Perm.VIEW_PREMISES)
def premises_list(request: HttpRequest) -> HttpResponseBase:
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


def _organization_ids(form: Any) -> list[int]:
    return [o.pk for o in form.cleaned_data["organizations"]]


PREMISES_EDIT = EditPage(
    form_class=PremisesForm, perm=Perm.CHANGE_PREMISES, template="places/premises_form.html",
    context_name="premises", detail_url="places:premises_detail",
    saved_message=_lazy("Premises %(name)s saved."),
    create=lambda actor, data, form: services.premises_create(
        actor=actor, data=data, organization_ids=_organization_ids(form)),
    update=lambda actor, obj, data, version, form: services.premises_update(
        actor=actor, premises=obj, data=data, version=version,
        organization_ids=_organization_ids(form)))


@login_required
@require_http_methods(["GET", "POST"])
def premises_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    premises = selectors.premises_get(user=request.user, pk=pk) if pk else None
    stations = selectors.duty_station_list(user=request.user).filter(
        pk__in=_stations_for_premises(request))
    return PREMISES_EDIT.respond(request, premises, form_kwargs={"stations": stations})


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


AREA_EDIT = EditPage(
    form_class=SecurityAreaForm, perm=Perm.CHANGE_DUTY_STATION,
    template="places/security_area_form.html", context_name="area",
    detail_url="places:security_area_detail",
    saved_message=_lazy("Security area %(name)s saved."),
    create=lambda actor, data, form: services.security_area_create(actor=actor, data=data),
    update=lambda actor, obj, data, version, form: services.security_area_update(
        actor=actor, area=obj, data=data, version=version),
    fixed=("country", "code"))


@login_required
@require_http_methods(["GET", "POST"])
def security_area_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    area = selectors.security_area_get(user=request.user, pk=pk) if pk else None
    return AREA_EDIT.respond(request, area)

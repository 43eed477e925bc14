from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from vigil.core.authz import Perm, can, has_perm_anywhere
from vigil.core.views_support import (
    EditPage,
    geojson,
    import_view,
    list_page,
    map_page,
    map_tiles,
    perm_required,
)
from vigil.places import selectors, services
from vigil.places.forms import (
    DutyStationFilters,
    DutyStationForm,
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
    return map_page(request, "places/duty_station_map.html", filters=filters,
                    stations=stations.order_by("name")[:500], count=stations.count())


@login_required
def duty_station_geojson(request: HttpRequest) -> JsonResponse:
    filters = DutyStationFilters(request.GET)
    stations = selectors.duty_station_list(user=request.user, **filters.selector_args())
    return geojson(selectors.duty_station_features(stations=stations))


@login_required
def duty_station_detail(request: HttpRequest, pk: int) -> HttpResponse:
    station = selectors.duty_station_get(user=request.user, pk=pk)
    premises = selectors.premises_list(user=request.user, duty_station=station.pk)
    return render(request, "places/duty_station_detail.html", {
        "station": station, "premises": premises,
        "local_now": timezone.now().astimezone(ZoneInfo(station.time_zone)),
        "may_edit": can(request.user, Perm.CHANGE_DUTY_STATION, station)})


duty_station_edit = EditPage(
    form_class=DutyStationForm, perm=Perm.CHANGE_DUTY_STATION,
    template="places/duty_station_form.html", context_name="station",
    detail_url="places:duty_station_detail", saved_message=_lazy("Duty station %(name)s saved."),
    get=selectors.duty_station_get, create=services.duty_station_create,
    update=services.duty_station_update, fixed=("code",)).view()


duty_station_import = import_view(
    perm=Perm.IMPORT_DUTY_STATIONS, title=_lazy("Import duty stations"),
    required=services.DUTY_STATION_COLUMNS_REQUIRED,
    optional=services.DUTY_STATION_COLUMNS_OPTIONAL, run=services.duty_stations_import)


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


def _organization_ids(form: Any) -> dict[str, Any]:
    return {"organization_ids": [o.pk for o in form.cleaned_data["organizations"]]}


def _stations_for_premises(request: HttpRequest) -> dict[str, Any]:
    """Duty stations where the user may keep premises: those in a CHANGE_PREMISES scope."""
    stations = selectors.duty_station_list(user=request.user).only(
        "pk", "country_id", "security_area_id")
    keep = [s.pk for s in stations
            if can(request.user, Perm.CHANGE_PREMISES, Premises(duty_station=s))]
    return {"stations": selectors.duty_station_list(user=request.user).filter(pk__in=keep)}


premises_edit = EditPage(
    form_class=PremisesForm, perm=Perm.CHANGE_PREMISES, template="places/premises_form.html",
    context_name="premises", detail_url="places:premises_detail",
    saved_message=_lazy("Premises %(name)s saved."), get=selectors.premises_get,
    create=services.premises_create, update=services.premises_update,
    from_form=_organization_ids).view(form_kwargs=_stations_for_premises)


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
        "may_edit": can(request.user, Perm.CHANGE_DUTY_STATION, area), **map_tiles()})


security_area_edit = EditPage(
    form_class=SecurityAreaForm, perm=Perm.CHANGE_DUTY_STATION,
    template="places/security_area_form.html", context_name="area",
    detail_url="places:security_area_detail",
    saved_message=_lazy("Security area %(name)s saved."), get=selectors.security_area_get,
    create=services.security_area_create, update=services.security_area_update,
    fixed=("country", "code")).view()

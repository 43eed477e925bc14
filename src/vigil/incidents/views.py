"""Incident pages: the list with its map and statistics, the record, and its editing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from vigil.core.authz import Perm, can, has_perm_anywhere
from vigil.core.errors import NotFound
from vigil.core.views_support import EditPage, list_page, perm_required, submit_form
from vigil.incidents import selectors, services
from vigil.incidents.forms import (
    AffectedAssetForm,
    AffectedPersonForm,
    IncidentFilters,
    IncidentForm,
    StatisticsForm,
)
from vigil.incidents.models import AffectedAsset, AffectedPerson, Incident
from vigil.people.selectors import staff_member_by_index
from vigil.places.models import Premises


@perm_required(Perm.VIEW_INCIDENT)
def incident_list(request: HttpRequest) -> HttpResponseBase:
    filters = IncidentFilters(request.GET or None)
    return list_page(
        request, queryset=selectors.incident_list(user=request.user, **filters.selector_args()),
        template="incidents/incident_list.html",
        table_template="incidents/partials/_incident_table.html",
        sorts={"date": "occurred_at", "category": "category__order",
               "country": "country__name", "killed": "killed"},
        default_sort="-date", filters=filters,
        columns=[(_lazy("Reference"), lambda i: i.reference),
                 (_lazy("Date"), lambda i: i.occurred_at),
                 (_lazy("Category"), lambda i: i.category.label),
                 (_lazy("Subcategory"), lambda i: i.subcategory.label if i.subcategory else ""),
                 (_lazy("Title"), lambda i: i.title),
                 (_lazy("Country"), lambda i: i.country.iso2 if i.country else ""),
                 (_lazy("Security area"), lambda i: i.security_area or ""),
                 (_lazy("Place"), lambda i: i.place),
                 (_lazy("Latitude"), lambda i: i.latitude),
                 (_lazy("Longitude"), lambda i: i.longitude),
                 (_lazy("Organization"), lambda i: i.organization.code if i.organization
                  else ""),
                 (_lazy("Killed"), lambda i: i.killed), (_lazy("Injured"), lambda i: i.injured),
                 (_lazy("Abducted"), lambda i: i.abducted),
                 (_lazy("Missing"), lambda i: i.missing),
                 (_lazy("Detained"), lambda i: i.detained),
                 (_lazy("Affected"), lambda i: i.affected),
                 (_lazy("Verification"), lambda i: i.get_verification_display()),
                 (_lazy("Recorded from"), lambda i: i.get_source_kind_display()),
                 (_lazy("Id at the source"), lambda i: i.source_id)],
        export_name="incidents",
        extra={"may_record": has_perm_anywhere(request.user, Perm.RECORD_INCIDENT),
               "may_import": has_perm_anywhere(request.user, Perm.IMPORT_CAP)})


@perm_required(Perm.VIEW_INCIDENT)
def incident_geojson(request: HttpRequest) -> JsonResponse:
    filters = IncidentFilters(request.GET or None)
    qs = selectors.incident_list(user=request.user, **filters.selector_args())
    if request.GET.get("id", "").isdigit():
        qs = qs.filter(pk=int(request.GET["id"]))
    return JsonResponse(selectors.map_features(qs))


@perm_required(Perm.VIEW_INCIDENT)
def incident_map(request: HttpRequest) -> HttpResponse:
    filters = IncidentFilters(request.GET or None)
    return render(request, "incidents/incident_map.html", {
        "filters": filters, "query": request.GET.urlencode(), "limit": selectors.MAP_LIMIT})


@perm_required(Perm.VIEW_INCIDENT)
def statistics(request: HttpRequest) -> HttpResponse:
    form = StatisticsForm(request.GET or None)
    by, period = form.grouping()
    qs = selectors.incident_list(user=request.user, **form.selector_args())
    stats = selectors.statistics(qs, by=by, period=period)
    keys = [g["key"] for g in stats["groups"][:8]]
    rows = [{"period": p["period"], "incidents": p["incidents"], "killed": p["killed"],
             "cells": [stats["matrix"].get(p["period"], {}).get(k, 0) for k in keys]}
            for p in stats["periods"]]
    return render(request, "incidents/statistics.html", {
        "filters": form, "stats": stats, "columns": stats["groups"][:8], "rows": rows})


def _premises_of(incident: Incident) -> QuerySet[Premises]:
    """The premises an incident may name: those of its country."""
    if incident.country_id is None:
        return Premises.objects.none()
    return Premises.objects.filter(duty_station__country_id=incident.country_id)


@login_required
def incident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, pk=pk)
    may_edit = can(request.user, Perm.RECORD_INCIDENT, incident)
    asset_form = AffectedAssetForm(premises=_premises_of(incident))
    return render(request, "incidents/incident_detail.html", {
        "incident": incident, "may_edit": may_edit,
        "people": selectors.affected_people(user=request.user, incident=incident),
        "assets": incident.affected_assets.select_related("premises"),
        "person_form": AffectedPersonForm(), "asset_form": asset_form,
        "may_declare": has_perm_anywhere(request.user, Perm.DECLARE_CRISIS),
        "crises": incident.crises.all()})


incident_edit = EditPage(
    form_class=IncidentForm, perm=Perm.RECORD_INCIDENT, template="incidents/incident_form.html",
    context_name="incident", detail_url="incidents:incident_detail",
    saved_message=_lazy("Incident %(name)s saved."), get=selectors.incident_get,
    create=services.incident_create, update=services.incident_update,
).view(form_kwargs=lambda request: {"user": request.user})


@login_required
@require_POST
def person_add(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, pk=pk)

    def add(data: dict[str, Any]) -> AffectedPerson:
        person, dependant = staff_member_by_index(
            user=request.user, index_number=data["person"], dependant=data["dependant"])
        return services.affected_person_add(actor=request.user, incident=incident,
                                            person=person, dependant=dependant,
                                            impact=data["impact"], note=data["note"])

    return submit_form(request, AffectedPersonForm(request.POST), add,
                             back=_back(incident), success=_("Added to the people affected."))


def _back(incident: Incident) -> str:
    return reverse("incidents:incident_detail", args=[incident.pk])


def _remove_row(request: HttpRequest, pk: int, model: Any, row: int,
                remove: Any, message: str) -> HttpResponse:
    """Remove one person or asset from an incident the user may see."""
    incident = selectors.incident_get(user=request.user, pk=pk)
    found = model.objects.filter(incident=incident, pk=row).first()
    if found is None:
        raise NotFound()
    remove(actor=request.user, row=found)
    messages.success(request, message)
    return redirect(_back(incident))


@login_required
@require_POST
def person_remove(request: HttpRequest, pk: int, row: int) -> HttpResponse:
    return _remove_row(request, pk, AffectedPerson, row, services.affected_person_remove,
                       _("Removed from the people affected."))


@login_required
@require_POST
def asset_add(request: HttpRequest, pk: int) -> HttpResponse:
    incident = selectors.incident_get(user=request.user, pk=pk)
    return submit_form(
        request, AffectedAssetForm(request.POST, premises=_premises_of(incident)),
        lambda data: services.affected_asset_add(actor=request.user, incident=incident,
                                                 data=data),
        back=_back(incident), success=_("Added to the assets affected."))


@login_required
@require_POST
def asset_remove(request: HttpRequest, pk: int, row: int) -> HttpResponse:
    return _remove_row(request, pk, AffectedAsset, row, services.affected_asset_remove,
                       _("Removed from the assets affected."))

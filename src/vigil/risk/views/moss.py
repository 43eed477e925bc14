"""Pages of MOSS: the documents of a country (or H-MOSS), their items and DRO approval, and
the compliance assessments of places against approved MOSS with their trend."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from vigil.core.authz import Perm, can, has_perm_anywhere, require
from vigil.core.errors import DomainError, ValidationFailed
from vigil.core.views_support import RowPage, apply_service, list_page, perm_required
from vigil.people import selectors as people_selectors
from vigil.places.models import DutyStation, Premises
from vigil.risk import selectors, services
from vigil.risk.forms import (
    MossDocumentForm,
    MossFilters,
    MossItemForm,
    SraActionForm,
    StartAssessmentForm,
)
from vigil.risk.models import ComplianceAssessment, ComplianceResult, MossDocument
from vigil.risk.views.charts import line_chart
from vigil.risk.views.documents import back_with_faults, row_remover, versioned_action


@perm_required(Perm.VIEW_RISK)
def moss_list(request: HttpRequest) -> HttpResponseBase:
    filters = MossFilters(request.GET)
    return list_page(
        request, queryset=selectors.moss_documents(user=request.user,
                                                   **filters.selector_args()),
        template="risk/moss_list.html", table_template="risk/partials/_moss_table.html",
        sorts={"title": "title", "country": "country__name", "status": "status"},
        default_sort="country", filters=filters,
        extra={"may_create": has_perm_anywhere(request.user, Perm.EDIT_MOSS)})


@perm_required(Perm.EDIT_MOSS)
@require_http_methods(["GET", "POST"])
def moss_create(request: HttpRequest) -> HttpResponse:
    sras = selectors.approved_sras_for_moss(user=request.user)
    initial = {}
    if request.GET.get("sra", "").isdigit():
        sra = sras.filter(pk=int(request.GET["sra"])).first()
        if sra is not None:
            initial = {"sra": sra.pk, "kind": "country",
                       "title": _("MOSS %(country)s") % {"country": sra.country.local_name}}
    form = MossDocumentForm(request.POST or None, sras=sras, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        station = data.get("duty_station")
        country = data["sra"].country if data.get("sra") else (
            station.country if station else None)
        if country is None:
            form.add_error("sra" if data["kind"] == "country" else "duty_station",
                           _("Choose the SRA (country MOSS) or the headquarters duty "
                             "station (H-MOSS)."))
        else:
            document = apply_service(form, lambda: services.moss_document_create(
                actor=request.user, country=country, title=data["title"], kind=data["kind"],
                sra=data.get("sra"), duty_station=station))
            if document is not None:
                messages.success(request, _("MOSS document started with the standard items; "
                                            "adapt them to the country."))
                return redirect("risk:moss_detail", pk=document.pk)
    return render(request, "risk/moss_form.html", {"form": form})


@login_required
def moss_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.moss_document_get(user=request.user, pk=pk)
    return _moss_page(request, document)


def _moss_page(request: HttpRequest, document: MossDocument,
               start_form: StartAssessmentForm | None = None) -> HttpResponse:
    user = request.user
    stations = DutyStation.objects.filter(country=document.country, is_active=True)
    premises = Premises.objects.filter(duty_station__country=document.country)
    draft = document.status == MossDocument.Status.DRAFT
    return render(request, "risk/moss_detail.html", {
        "document": document, "items": document.items.all(),
        "assessments": selectors.moss_assessments(user=user, document=document.pk),
        "may_edit": draft and can(user, Perm.EDIT_MOSS, document),
        "may_approve": draft and can(user, Perm.APPROVE_MOSS, document),
        "may_assess": document.status == MossDocument.Status.APPROVED and has_perm_anywhere(
            user, Perm.ASSESS_MOSS),
        "start_form": start_form or StartAssessmentForm(
            stations=stations, premises=premises,
            initial={"assessed_on": timezone.localdate()}),
        "version_form": SraActionForm(initial={"version": document.version}),
    }, status=400 if start_form is not None else 200)


ITEMS = RowPage(
    form_class=MossItemForm, perm=Perm.EDIT_MOSS, template="risk/moss_item_form.html",
    parent_name="document", row_name="item", rows="items", detail_url="risk:moss_detail",
    saved_message=_lazy("MOSS item saved."), get=selectors.moss_document_get,
    save=services.moss_item_save)
moss_item_edit = ITEMS.view()
moss_item_remove = row_remover(ITEMS, remove=services.moss_item_remove,
                               message=_lazy("MOSS item removed."))


@login_required
@require_POST
def moss_approve(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.moss_document_get(user=request.user, pk=pk)
    return versioned_action(
        request, document, lambda data: services.moss_document_approve(
            actor=request.user, document=document, version=data["version"]),
        message=_("MOSS approved."), detail_url="risk:moss_detail",
        refused=back_with_faults(request, "risk:moss_detail", document))


@login_required
@require_POST
def moss_assessment_start(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.moss_document_get(user=request.user, pk=pk)
    form = StartAssessmentForm(
        request.POST, stations=DutyStation.objects.filter(country=document.country),
        premises=Premises.objects.filter(duty_station__country=document.country))
    if form.is_valid():
        data = form.cleaned_data
        person = None
        if data.get("residence_index"):
            person = people_selectors.person_list(user=request.user).filter(
                index_number=data["residence_index"].upper()).first()
            if person is None:
                form.add_error("residence_index", _("No staff member with this index "
                                                    "number in your scope."))
        if not form.errors:
            assessment = apply_service(form, lambda: services.compliance_assessment_start(
                actor=request.user, document=document, duty_station=data.get("duty_station"),
                premises=data.get("premises"), residence_of=person,
                assessed_on=data["assessed_on"]))
            if assessment is not None:
                return redirect("risk:moss_assessment", pk=assessment.pk)
    return _moss_page(request, document, start_form=form)


@login_required
@require_http_methods(["GET", "POST"])
def moss_assessment(request: HttpRequest, pk: int) -> HttpResponse:
    """Rate each item; save as you go, and make it final when every item is rated."""
    assessment = selectors.moss_assessment_get(user=request.user, pk=pk)
    results = list(assessment.results.select_related("item"))
    errors: dict[str, str] = {}
    summary: list[str] = []
    if request.method == "POST":
        require(request.user, Perm.ASSESS_MOSS, assessment)
        given = {r.item_id: {
            "state": request.POST.get(f"item-{r.item_id}-state", ""),
            "evidence": request.POST.get(f"item-{r.item_id}-evidence", ""),
            "corrective_action": request.POST.get(f"item-{r.item_id}-corrective_action", ""),
            "action_owner": request.POST.get(f"item-{r.item_id}-action_owner", ""),
            "action_due": parse_date(request.POST.get(f"item-{r.item_id}-action_due", "")
                                     or "") or None,
        } for r in results}
        try:
            services.compliance_assessment_record(
                actor=request.user, assessment=assessment, results=given,
                version=int(request.POST.get("version") or 0) or None,
                final="final" in request.POST)
        except ValidationFailed as exc:
            errors = {e.field: str(e.message) for e in exc.errors}
            summary = [str(e.message) for e in exc.errors if not e.field.startswith("item-")]
            for r in results:  # show what was typed, not what is stored
                for key, value in given[r.item_id].items():
                    setattr(r, key, value)
        except DomainError as exc:
            if exc.status == 404:
                raise
            summary = [str(exc.message)]
        else:
            messages.success(request, _("Assessment saved."))
            return redirect("risk:moss_assessment", pk=assessment.pk)
    rows = [{"result": r, "errors": {k.rsplit("-", 1)[1]: v for k, v in errors.items()
                                     if k.startswith(f"item-{r.item_id}-")}}
            for r in results]
    trend = selectors.compliance_trend(user=request.user, assessment=assessment)
    return render(request, "risk/moss_assessment.html", {
        "assessment": assessment, "rows": rows, "summary": summary,
        "error_count": len(errors), "trend": trend,
        "chart": line_chart([(a.assessed_on, a.compliance or 0) for a in trend]),
        "states": ComplianceResult.State.choices,
        "may_record": assessment.status == ComplianceAssessment.Status.DRAFT
        and can(request.user, Perm.ASSESS_MOSS, assessment)},
        status=400 if errors or summary else 200)

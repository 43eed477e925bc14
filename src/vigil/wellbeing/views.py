"""Pages of critical-incident stress support. Thin: selectors decide who sees what (a case:
its counsellor and its person only), services write."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from vigil.core.authz import Perm
from vigil.core.errors import Forbidden
from vigil.core.forms import VersionForm
from vigil.core.views_support import (
    EditPage,
    apply_service,
    list_page,
    perm_required,
    submit_form,
)
from vigil.wellbeing import forms, selectors, services
from vigil.wellbeing.models import Case, Counsellor

PAGE_SIZE = 50


def _zone(case: Case) -> str:
    station = case.duty_station
    return station.time_zone if station is not None and station.time_zone else "UTC"


def _timed(form_class: type[forms.ContactForm], case: Case, data: Any = None
           ) -> forms.ContactForm:
    """A contact or session form whose time is read, and offered, in the case's zone."""
    zone = ZoneInfo(_zone(case))
    form = form_class(data, initial={"at": timezone.now().astimezone(zone).replace(
        second=0, microsecond=0, tzinfo=None)})
    form.fields["at"].help_text = _("Time at the duty station (%(zone)s).") % {"zone": zone.key}
    return form


# --- Counsellor's cases ----------------------------------------------------------------------

@perm_required(Perm.COUNSEL)
def case_list(request: HttpRequest) -> HttpResponse:
    """The counsellor's own cases, and the proposals in their scope waiting for one."""
    filters = forms.CaseFilters(request.GET or None)
    args = filters.selector_args() if request.GET else {"search": "", "status": ""}
    qs = selectors.counsellor_cases(user=request.user, **args).order_by(
        "status", "-proposed_at", "pk")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    waiting = list(selectors.to_pick_up(user=request.user)[:PAGE_SIZE])
    selectors.audit_list(user=request.user, query=request.GET.urlencode(),
                         rows=len(page.object_list))
    return render(request, "wellbeing/case_list.html", {
        "page": page, "filters": filters, "waiting": waiting,
        "counsellor": selectors.counsellor_of(user=request.user),
        "take_form": VersionForm(), "query": request.GET.urlencode()})


@login_required
@require_POST
def case_take(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.pick_up_get(user=request.user, pk=pk)
    form = VersionForm(request.POST)
    back = reverse("wellbeing:case_list")
    if form.is_valid():
        done = apply_service(form, lambda: services.case_take(
            actor=request.user, case=case, version=form.cleaned_data["version"]))
        if done is not None:
            messages.success(request, _("Case %(ref)s is yours: it is open.") % {
                "ref": done.reference})
            return redirect("wellbeing:case_detail", pk=done.pk)
    for error in form.non_field_errors():
        messages.error(request, str(error))
    return redirect(back)


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    mine = case.counsellor is not None and case.counsellor.user_id == request.user.pk
    timeline = selectors.case_timeline(case)
    return render(request, "wellbeing/case_detail.html", {
        "case": case, "is_counsellor": mine, "zone": _zone(case), **timeline,
        "contact_form": _timed(forms.ContactForm, case),
        "session_form": _timed(forms.SessionForm, case),
        "close_form": forms.CloseForm(initial={"version": case.version}),
        "decline_form": forms.DeclineForm(initial={"version": case.version}),
        "may_contact": mine and timeline["contact"] is None and case.status == Case.Status.OPEN,
        "may_session": mine and timeline["contact"] is not None
        and case.status == Case.Status.OPEN,
        "may_close": mine and case.status == Case.Status.OPEN,
        "may_decline": case.status in {Case.Status.PROPOSED, Case.Status.OPEN},
    })


def _on_case(request: HttpRequest, pk: int) -> tuple[Case, str]:
    case = selectors.case_get(user=request.user, pk=pk)
    return case, reverse("wellbeing:case_detail", args=[case.pk])


@login_required
@require_POST
def case_contact(request: HttpRequest, pk: int) -> HttpResponse:
    case, back = _on_case(request, pk)
    with timezone.override(ZoneInfo(_zone(case))):
        form = _timed(forms.ContactForm, case, request.POST)
        form.is_valid()
    return submit_form(request, form, lambda d: services.contact_record(
        actor=request.user, case=case, data=d), success=_("First contact recorded."), back=back)


@login_required
@require_POST
def case_session(request: HttpRequest, pk: int) -> HttpResponse:
    case, back = _on_case(request, pk)
    with timezone.override(ZoneInfo(_zone(case))):
        form = _timed(forms.SessionForm, case, request.POST)
        form.is_valid()
    return submit_form(request, form, lambda d: services.session_record(
        actor=request.user, case=case, data=d), success=_("Session recorded."), back=back)


@login_required
@require_POST
def case_close(request: HttpRequest, pk: int) -> HttpResponse:
    case, back = _on_case(request, pk)
    return submit_form(request, forms.CloseForm(request.POST), lambda d: services.case_close(
        actor=request.user, case=case, closure_note=d["closure_note"], version=d["version"]),
        success=_("Case closed."), back=back)


@login_required
@require_POST
def case_decline(request: HttpRequest, pk: int) -> HttpResponse:
    case, back = _on_case(request, pk)
    return submit_form(request, forms.DeclineForm(request.POST), lambda d: services.case_decline(
        actor=request.user, case=case, reason=d["reason"], version=d["version"]),
        success=_("Support declined."), back=back)


@perm_required(Perm.COUNSEL)
@require_http_methods(["GET", "POST"])
def case_refer(request: HttpRequest) -> HttpResponse:
    form = forms.ReferForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = apply_service(form, lambda: services.case_refer(
            actor=request.user, data=form.cleaned_data))
        if case is not None:
            messages.success(request, _("Case %(ref)s opened.") % {"ref": case.reference})
            return redirect("wellbeing:case_detail", pk=case.pk)
    return render(request, "wellbeing/refer_form.html", {"form": form})


# --- The person's own ------------------------------------------------------------------------

@perm_required(Perm.REQUEST_SUPPORT)
def my_cases(request: HttpRequest) -> HttpResponse:
    cases = list(selectors.my_cases(user=request.user))
    if cases:
        selectors.audit_list(user=request.user, query="", rows=len(cases), where="mine")
    return render(request, "wellbeing/my_cases.html", {
        "cases": cases, "has_record": selectors.person_of(user=request.user) is not None})


@perm_required(Perm.REQUEST_SUPPORT)
@require_http_methods(["GET", "POST"])
def request_support(request: HttpRequest) -> HttpResponse:
    form = forms.RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        case = apply_service(form, lambda: services.case_request(
            actor=request.user, data=form.cleaned_data))
        if case is not None:
            messages.success(request, _(
                "Your request %(ref)s is sent. A counsellor will contact you.") % {
                "ref": case.reference})
            return redirect("wellbeing:my_cases")
    return render(request, "wellbeing/request_form.html", {
        "form": form, "has_record": selectors.person_of(user=request.user) is not None})


# --- Counts ----------------------------------------------------------------------------------

DIMENSIONS = {"quarter": gettext_lazy("By quarter"), "country": gettext_lazy("By country"),
              "organization": gettext_lazy("By organization"),
              "origin": gettext_lazy("By origin")}


@perm_required(Perm.VIEW_WELLBEING_COUNTS)
def counts(request: HttpRequest) -> HttpResponse:
    years = selectors.years_counted(user=request.user)
    filters = forms.CountsFilters(request.GET or None, years=years)
    year = filters.cleaned_data.get("year") if filters.is_valid() else None
    status = filters.cleaned_data.get("status", "") if filters.is_valid() else ""
    tables = selectors.case_counts(user=request.user, year=year, status=status)
    return render(request, "wellbeing/counts.html", {
        "filters": filters, "minimum": selectors.minimum_cell(),
        "tables": [(DIMENSIONS[t.dimension], t) for t in tables],
        "indicator": selectors.pfa_indicator(user=request.user, year=year)})


# --- Briefings -------------------------------------------------------------------------------

def _may_view_briefings(request: HttpRequest) -> None:
    if not selectors.may_view_briefings(request.user):
        raise Forbidden()


@login_required
def briefing_list(request: HttpRequest) -> Any:
    _may_view_briefings(request)
    filters = forms.BriefingFilters(request.GET or None)
    qs = selectors.briefing_list(user=request.user, **(
        filters.selector_args() if request.GET else {}))
    may_add = selectors.is_counsellor(request.user)
    return list_page(
        request, queryset=qs, template="wellbeing/briefing_list.html",
        table_template="wellbeing/partials/_briefing_table.html",
        sorts={"held_on": "held_on", "station": "duty_station__name",
               "participants": "participants"},
        default_sort="-held_on", filters=filters,
        columns=[(_("Date"), lambda b: b.held_on), (_("Duty station"), lambda b: b.duty_station),
                 (_("Audience"), lambda b: b.get_audience_display()),
                 (_("Participants"), lambda b: b.participants), (_("Topic"), lambda b: b.topic)],
        export_name="briefings",
        extra={"may_add": may_add, "uncovered": selectors.stations_without_briefing(
            user=request.user, today=timezone.now().date()) if may_add else []})


def _briefing_form_kwargs(request: HttpRequest) -> dict[str, Any]:
    return {"stations": selectors.briefing_stations(user=request.user)}


BRIEFING_PAGE = EditPage(
    form_class=forms.BriefingForm, perm=Perm.COUNSEL, template="wellbeing/briefing_form.html",
    context_name="briefing", detail_url="wellbeing:briefing_edit",
    saved_message=gettext_lazy("Briefing saved: %(name)s"),
    get=selectors.briefing_get,
    create=lambda *, actor, data: services.briefing_save(actor=actor, data=data),
    update=lambda *, actor, briefing, data, version: services.briefing_save(
        actor=actor, briefing=briefing, data=data, version=version))


briefing_edit = BRIEFING_PAGE.view(form_kwargs=_briefing_form_kwargs)


# --- Roster ----------------------------------------------------------------------------------

@perm_required(Perm.MANAGE_COUNSELLING)
def counsellor_list(request: HttpRequest) -> Any:
    filters = forms.CounsellorFilters(request.GET or None)
    qs = selectors.counsellor_list(user=request.user, **(
        filters.selector_args() if request.GET else {}))
    return list_page(
        request, queryset=qs, template="wellbeing/counsellor_list.html",
        table_template="wellbeing/partials/_counsellor_table.html",
        sorts={"name": "name", "organization": "organization_name",
               "training": "training_status"}, default_sort="name", filters=filters,
        columns=[(_("Name"), lambda c: c.name), (_("Organization"), lambda c: c.organization_name),
                 (_("Affiliation"), lambda c: c.get_affiliation_display()),
                 (_("Languages"), lambda c: c.languages),
                 (_("Duty stations covered"), lambda c: [s.name for s in c.duty_stations.all()]),
                 (_("CISM training status"), lambda c: c.get_training_status_display()),
                 (_("Last CISM training"), lambda c: c.trained_on)],
        export_name="counsellors", export_perm=Perm.MANAGE_COUNSELLING)


COUNSELLOR_PAGE = EditPage(
    form_class=forms.CounsellorForm, perm=Perm.MANAGE_COUNSELLING,
    template="wellbeing/counsellor_form.html", context_name="counsellor",
    detail_url="wellbeing:counsellor_edit",
    saved_message=gettext_lazy("Counsellor saved: %(name)s"),
    get=selectors.counsellor_get,
    create=lambda *, actor, data: _save_counsellor(actor, None, data, None),
    update=lambda *, actor, counsellor, data, version: _save_counsellor(
        actor, counsellor, data, version))


def _save_counsellor(actor: Any, counsellor: Counsellor | None, data: dict[str, Any],
                     version: int | None) -> Counsellor:
    stations = data.pop("duty_stations", None)
    return services.counsellor_save(actor=actor, counsellor=counsellor, data=data,
                                    duty_stations=list(stations) if stations is not None
                                    else None, version=version)


counsellor_edit = COUNSELLOR_PAGE.view()

"""Pages of protective services. Need-to-know: every page reads through
hq.protection_selectors, which give a coordinator in scope and the principal's office their
cases and everyone else nothing (the same 404 for missing and forbidden); every read is
audited. Protection data is never exported."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from vigil.core.authz import Perm, can, has_perm_anywhere
from vigil.core.errors import NotFound
from vigil.core.views_support import PAGE_SIZE, EditPage, apply_service, submit_form
from vigil.hq import protection_rules as rules
from vigil.hq import protection_selectors as selectors
from vigil.hq import protection_services as services
from vigil.hq.models import AdvanceTask, ProtectionCase, ProtectionDestination
from vigil.hq.protection_forms import (
    AssessmentForm,
    CancelForm,
    CaseFilters,
    CaseForm,
    DecideForm,
    DestinationForm,
    MoveForm,
    PrincipalFilters,
    PrincipalForm,
    TaskForm,
)

View = Callable[..., HttpResponseBase]


def protection_reader(view: View) -> View:
    """Signed in, and someone protective services have something for: a coordinator, or a
    member of a principal's office. Anyone else finds nothing here."""

    @wraps(view)
    def gated(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not selectors.may_open(request.user):
            raise NotFound()
        return view(request, *args, **kwargs)

    result: View = login_required(gated)
    return result


def _audited_page(request: HttpRequest, *, queryset: QuerySet[Any], sorts: dict[str, str],
                  default_sort: str, audit: Callable[[list[Any], str], None],
                  template: str, table_template: str, filters: Any,
                  extra: dict[str, Any]) -> HttpResponse:
    """A list page as core.views_support.list_page draws it (search, sort and pages in the
    URL, HTMX table), with no export, and one audited read naming the rows shown."""
    sort = request.GET.get("sort", default_sort)
    if sort.lstrip("-") not in sorts:
        sort = default_sort
    order = sorts[sort.lstrip("-")]
    queryset = queryset.order_by(f"-{order}" if sort.startswith("-") else order, "pk")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    audit(list(page.object_list), request.GET.urlencode())
    query = request.GET.copy()
    query.pop("page", None)
    sort_query = query.copy()
    sort_query.pop("sort", None)
    context = {"page": page, "filters": filters, "sort": sort, "query": query.urlencode(),
               "sort_query": sort_query.urlencode(), "can_export": False,
               "table_template": table_template, **extra}
    if getattr(request, "htmx", False) and request.headers.get("HX-Target") == "results":
        return render(request, table_template, context)
    return render(request, template, context)


# --- Principals --------------------------------------------------------------------------------

@protection_reader
def principal_list(request: HttpRequest) -> HttpResponse:
    filters = PrincipalFilters(request.GET or None)
    user = request.user
    return _audited_page(
        request, queryset=selectors.principal_list(user=user, **filters.selector_args()),
        sorts={"name": "name", "organization": "organization__code",
               "station": "duty_station__name"}, default_sort="name",
        audit=lambda rows, query: selectors.audit_principal_list(user=user, principals=rows,
                                                                 query=query),
        template="hq/protection/principal_list.html",
        table_template="hq/protection/partials/_principal_table.html", filters=filters,
        extra={"may_add": has_perm_anywhere(user, Perm.MANAGE_PROTECTION)})


@login_required
def principal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    principal = selectors.principal_get(user=request.user, pk=pk)
    cases = list(selectors.case_list(user=request.user, principal=principal.pk)
                 .order_by("-starts_on", "-pk")[:50])
    selectors.audit_case_list(user=request.user, cases=cases, query=f"principal={principal.pk}",
                              where="principal")
    return render(request, "hq/protection/principal_detail.html", {
        "principal": principal, "cases": cases, "office": selectors.office_of(principal),
        "may_edit": selectors.may_manage_principal(request.user, principal)})


def _principal_form(request: HttpRequest) -> dict[str, Any]:
    return {"user": request.user}


principal_edit = EditPage(
    form_class=PrincipalForm, perm=Perm.MANAGE_PROTECTION,
    template="hq/protection/principal_form.html", context_name="principal",
    detail_url="hq:protection_principal_detail",
    saved_message=_lazy("Principal %(name)s saved."), get=selectors.principal_get,
    create=services.principal_create, update=services.principal_update,
    from_form=lambda form: {"office": form.office()},
).view(form_kwargs=_principal_form)


# --- Cases -------------------------------------------------------------------------------------

@protection_reader
def case_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    filters = CaseFilters(request.GET or None, user=user)
    return _audited_page(
        request, queryset=selectors.case_list(user=user, **filters.selector_args()),
        sorts={"starts": "starts_on", "principal": "principal__name", "status": "status"},
        default_sort="-starts",
        audit=lambda rows, query: selectors.audit_case_list(user=user, cases=rows,
                                                            query=query),
        template="hq/protection/case_list.html",
        table_template="hq/protection/partials/_case_table.html", filters=filters,
        extra={"may_add": has_perm_anywhere(user, Perm.MANAGE_PROTECTION)})


# Why the advance work shows read only, under its table.
TASK_LOCK_NOTES = {
    rules.TaskLock.AWAITING_DECISION: _lazy(
        "The advance work is shown as submitted for decision. Reopen the assessment to "
        "change it."),
    rules.TaskLock.DECLINED: _lazy(
        "The protection of this trip was declined: the advance work stays as it was."),
    rules.TaskLock.CANCELLED: _lazy("The case is cancelled: the advance work stays as it was."),
    rules.TaskLock.TRIP_OVER: _lazy("The trip is over: the advance work stays as it was."),
}


def _moves(user: Any, case: ProtectionCase) -> list[dict[str, Any]]:
    """The moves this user may make on the case now, as buttons."""
    found = []
    for move in rules.allowed_moves(case.status):
        right = rules.CASE_TRANSITIONS[move].right
        perm = Perm.DECIDE_PROTECTION if right == "decide" else Perm.MANAGE_PROTECTION
        if can(user, perm, case):
            found.append({"move": move, "label": rules.MOVE_LABELS[rules.Move(move)]})
    return found


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    return _case_page(request, case)


def _case_page(request: HttpRequest, case: ProtectionCase,
               forms: dict[str, Any] | None = None, status: int = 200) -> HttpResponse:
    user = request.user
    assessment = selectors.assessment_of(case)
    may_manage = can(user, Perm.MANAGE_PROTECTION, case)
    moves = _moves(user, case)
    tasks = selectors.tasks_of(assessment)
    task_lock = selectors.task_lock(case)
    zone, zone_place = selectors.timeline_zone(user=user, case=case)
    context = {
        "case": case, "assessment": assessment,
        "destinations": selectors.destinations_of(case),
        "tasks": [{"task": t, "form": TaskForm(instance=t, prefix=f"t{t.pk}")} for t in tasks],
        "threat": selectors.threat_rows(assessment),
        "timeline": _timeline(selectors.case_timeline(case)),
        "zone": zone, "zone_place": zone_place,
        "may_manage": may_manage,
        "may_edit": may_manage and case.editable,
        "may_assess": may_manage and case.status == rules.CaseStatus.UNDER_ASSESSMENT,
        "may_task": may_manage and task_lock is None,
        "task_lock": TASK_LOCK_NOTES.get(task_lock) if task_lock is not None else "",
        "moves": [m for m in moves if m["move"] not in {rules.Move.DECIDE, rules.Move.CANCEL}],
        "may_decide": any(m["move"] == rules.Move.DECIDE for m in moves),
        "may_cancel": any(m["move"] == rules.Move.CANCEL for m in moves),
        "destination_form": DestinationForm(),
        "decide_form": DecideForm(initial={"version": case.version}),
        "cancel_form": CancelForm(initial={"version": case.version}),
        "detail_labels": rules.DETAIL_LABELS,
        **(forms or {}),
    }
    return render(request, "hq/protection/case_detail.html", context, status=status)


# What each write to a case tells its reader on the timeline, by the audit action.
TIMELINE_SENTENCES = {
    "hq.protection_case.create": _lazy("Case requested"),
    "hq.protection_case.update": _lazy("Case details changed"),
    "hq.protection_case.destination_add": _lazy("Destination added"),
    "hq.protection_case.destination_remove": _lazy("Destination removed"),
    "hq.protection_case.destinations_from_trip": _lazy(
        "Destinations copied from the TRIP itinerary"),
    "hq.protection_case.start": _lazy("Assessment started"),
    "hq.protection_case.submit": _lazy("Submitted for decision"),
    "hq.protection_case.reopen": _lazy("Assessment reopened"),
    "hq.protection_case.cancel": _lazy("Case cancelled"),
    "hq.needs_assessment.update": _lazy("Assessment changed"),
    "hq.needs_assessment.refresh": _lazy("Threat picture taken again"),
    "hq.advance_task.update": _lazy("Advance task changed"),
}
DECISION_SENTENCES: dict[str, Any] = {
    rules.Decision.APPROVED: _lazy("Approved"),
    rules.Decision.APPROVED_WITH_CHANGES: _lazy("Approved with changes"),
    rules.Decision.DECLINED: _lazy("Declined"),
}
CASE_STATUS_LABELS = dict(ProtectionCase.Status.choices)
TASK_STATUS_LABELS = dict(AdvanceTask.Status.choices)


def _timeline(entries: list[selectors.TimelineEntry]) -> list[dict[str, Any]]:
    """Each write as a sentence in the reader's language, with who did it and, for a status
    change, the statuses' labels."""
    rows = []
    for entry in entries:
        event = entry.event
        changes = event.changes if isinstance(event.changes, dict) else {}
        status = changes.get("status")
        was, now = (status if isinstance(status, list) and len(status) == 2 else (None, None))
        labels = TASK_STATUS_LABELS if entry.task is not None else CASE_STATUS_LABELS
        sentence: Any = TIMELINE_SENTENCES.get(event.action, _lazy("Change recorded"))
        if event.action == "hq.protection_case.decide":
            decision = changes.get("decision")
            outcome = decision[1] if isinstance(decision, list) and len(decision) == 2 else ""
            sentence = DECISION_SENTENCES.get(outcome, _lazy("Decided"))
        actor = event.actor
        rows.append({
            "at": event.at, "sentence": sentence,
            "task": entry.task.get_kind_display() if entry.task is not None else "",
            "who": (actor.get_full_name() or actor.get_username()) if actor is not None
            else event.actor_label,
            "was": labels.get(was, was) if was else "", "now": labels.get(now, now) if now
            else "", "now_code": now or "",
        })
    return rows


def _case_form(request: HttpRequest) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"user": request.user}
    if request.method == "GET" and request.GET.get("principal", "").isdigit():
        kwargs["initial"] = {"principal": int(request.GET["principal"])}
    return kwargs


case_edit = EditPage(
    form_class=CaseForm, perm=Perm.MANAGE_PROTECTION, template="hq/protection/case_form.html",
    context_name="case", detail_url="hq:protection_case_detail",
    saved_message=_lazy("Protection case %(name)s saved."), get=selectors.case_get,
    create=services.case_create, update=services.case_update, fixed=("principal",),
).view(form_kwargs=_case_form)


def _back(case: ProtectionCase, anchor: str = "") -> str:
    return reverse("hq:protection_case_detail", args=[case.pk]) + (f"#{anchor}" if anchor
                                                                   else "")


@login_required
@require_POST
def destination_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk, audited=False)
    form = DestinationForm(request.POST)
    return submit_form(
        request, form, lambda data: services.destination_add(actor=request.user, case=case,
                                                             data=data),
        success=_("Destination added."), back=_back(case, "destinations"),
        refused=lambda f: _case_page(request, case, {"destination_form": f}, status=400))


@login_required
@require_POST
def destination_remove(request: HttpRequest, pk: int, row: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk, audited=False)
    destination = ProtectionDestination.objects.filter(case=case, pk=row).first()
    if destination is None:
        raise NotFound()
    services.destination_remove(actor=request.user, case=case, destination=destination)
    messages.success(request, _("Destination removed."))
    return redirect(_back(case, "destinations"))


@login_required
@require_POST
def destinations_from_trip(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk, audited=False)
    form = MoveForm(request.POST)
    return submit_form(request, form,
                       lambda data: services.destinations_from_trip(actor=request.user,
                                                                    case=case),
                       success=_("Destinations copied from the TRIP itinerary."),
                       back=_back(case, "destinations"))


@login_required
@require_POST
def case_move(request: HttpRequest, pk: int, move: str) -> HttpResponse:
    """One of the case's moves, by name: start, submit, reopen, decide, cancel."""
    case = selectors.case_get(user=request.user, pk=pk, audited=False)
    if move not in {m.value for m in rules.Move}:
        raise NotFound()
    chosen = rules.Move(move)
    if chosen is rules.Move.DECIDE:
        form: Any = DecideForm(request.POST)

        def call(data: dict[str, Any]) -> ProtectionCase:
            return services.case_decide(actor=request.user, case=case,
                                        decision=data["decision"], note=data["note"],
                                        version=data["version"])
    elif chosen is rules.Move.CANCEL:
        form = CancelForm(request.POST)

        def call(data: dict[str, Any]) -> ProtectionCase:
            return services.case_cancel(actor=request.user, case=case, reason=data["reason"],
                                        version=data["version"])
    else:
        form = MoveForm(request.POST)

        def call(data: dict[str, Any]) -> ProtectionCase:
            service: Any = services.MOVES[chosen]
            moved: ProtectionCase = service(actor=request.user, case=case,
                                            version=data["version"])
            return moved

    key = "decide_form" if chosen is rules.Move.DECIDE else (
        "cancel_form" if chosen is rules.Move.CANCEL else "move_form")
    return submit_form(
        request, form, call,
        success=lambda done: _("Case %(ref)s is now %(status)s.") % {
            "ref": done.reference, "status": done.get_status_display().lower()},
        back=_back(case), refused=lambda f: _case_page(request, case, {key: f}, status=400))


@login_required
@require_http_methods(["GET", "POST"])
def assessment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk, audited=request.method == "GET")
    assessment = selectors.assessment_of(case)
    if assessment is None:
        raise NotFound()
    form = AssessmentForm(request.POST or None, instance=selectors.assessment_of(case),
                          initial={"version": assessment.version})
    if request.method == "POST" and form.is_valid():
        data = {name: form.cleaned_data[name] for name in AssessmentForm.Meta.fields}
        saved = apply_service(form, lambda: services.assessment_update(
            actor=request.user, assessment=assessment, data=data,
            version=form.cleaned_data.get("version")))
        if saved is not None:
            messages.success(request, _("Assessment saved."))
            return redirect(_back(case, "assessment"))
    return render(request, "hq/protection/assessment_form.html", {
        "case": case, "assessment": assessment, "form": form,
        "detail_labels": rules.DETAIL_LABELS})


@login_required
@require_POST
def assessment_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk, audited=False)
    assessment = selectors.assessment_of(case)
    if assessment is None:
        raise NotFound()
    return submit_form(request, MoveForm(request.POST),
                       lambda data: services.assessment_refresh(
                           actor=request.user, assessment=assessment,
                           version=data["version"]),
                       success=_("Threat picture taken again from the security levels and "
                                 "SRAs in force."), back=_back(case, "threat"))


@login_required
@require_POST
def task_update(request: HttpRequest, pk: int, row: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk, audited=False)
    task = AdvanceTask.objects.filter(assessment__case=case, pk=row).select_related(
        "assessment__case").first()
    if task is None:
        raise NotFound()
    form = TaskForm(request.POST, instance=AdvanceTask.objects.get(pk=task.pk),
                    prefix=f"t{task.pk}")
    return submit_form(request, form,
                       lambda data: services.task_update(actor=request.user, task=task,
                                                         data=data),
                       success=_("Advance task saved."), back=_back(case, "advance"))

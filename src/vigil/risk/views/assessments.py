"""Pages of security risk assessments: the list, the register and activities of a draft, the
review from submission to endorsement, versions side by side, and the board of programme
criticality."""

from __future__ import annotations

from dataclasses import replace

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from vigil.core.authz import Perm, can, has_perm_anywhere
from vigil.core.errors import NotFound
from vigil.core.views_support import EditPage, RowPage, list_page, perm_required
from vigil.risk import rules, selectors, services
from vigil.risk.forms import ActivityForm, RiskEntryForm, SraActionForm, SraFilters, SraForm
from vigil.risk.models import RISK_LEVEL_LABELS, SecurityRiskAssessment
from vigil.risk.views.documents import review_action, row_remover


@perm_required(Perm.VIEW_RISK)
def sra_list(request: HttpRequest) -> HttpResponseBase:
    filters = SraFilters(request.GET)
    return list_page(
        request, queryset=selectors.sra_list(user=request.user, **filters.selector_args()),
        template="risk/sra_list.html", table_template="risk/partials/_sra_table.html",
        sorts={"title": "title", "country": "country__name", "due": "review_due",
               "status": "status"},
        default_sort="due", filters=filters,
        extra={"may_create": has_perm_anywhere(request.user, Perm.EDIT_SRA),
               "today": timezone.localdate()})


sra_edit = EditPage(
    form_class=SraForm, perm=Perm.EDIT_SRA, template="risk/sra_form.html", context_name="sra",
    detail_url="risk:sra_detail", saved_message=_lazy("Assessment %(name)s saved."),
    get=selectors.sra_get, create=services.sra_create, update=services.sra_update,
    fixed=("country",)).view()


@login_required
def sra_detail(request: HttpRequest, pk: int) -> HttpResponse:
    sra = selectors.sra_get(user=request.user, pk=pk)
    return _sra_page(request, sra)


def _sra_page(request: HttpRequest, sra: SecurityRiskAssessment,
              action_form: SraActionForm | None = None, failed: str = "") -> HttpResponse:
    rows = selectors.register(sra=sra)
    user = request.user
    may = {action: services.review_may(services.SRA_REVIEW, user, sra, action)
           for action in rules.SRA_TRANSITIONS}
    versions = list(sra.versions.select_related("created_by")[:30])
    return render(request, "risk/sra_detail.html", {
        "sra": sra, "rows": rows, "activities": selectors.activities(sra=sra, rows=rows),
        "may": may, "may_edit": sra.status == SecurityRiskAssessment.Status.DRAFT
        and can(user, Perm.EDIT_SRA, sra),
        "action_form": action_form or SraActionForm(initial={"version": sra.version}),
        "failed": failed, "versions": versions, "today": timezone.localdate(),
        "may_derive_moss": has_perm_anywhere(user, Perm.EDIT_MOSS)
        and sra.status in rules.APPROVED_STATES,
        "levels": RISK_LEVEL_LABELS}, status=400 if failed else 200)


sra_action = review_action(
    transitions=rules.SRA_TRANSITIONS, get=selectors.sra_get, transition=services.sra_transition,
    name="sra", message=_lazy("Assessment %(action)s."), detail_url="risk:sra_detail",
    page=lambda request, sra, form, action: _sra_page(request, sra, action_form=form,
                                                      failed=action))


def _refused(request: HttpRequest, sra: SecurityRiskAssessment,
             form: SraActionForm) -> HttpResponse:
    return _sra_page(request, sra, action_form=form, failed="remove")


ENTRIES = RowPage(
    form_class=RiskEntryForm, perm=Perm.EDIT_SRA, template="risk/entry_form.html",
    parent_name="sra", row_name="entry", rows="entries", detail_url="risk:sra_detail",
    saved_message=_lazy("Risk saved in the register."), get=selectors.sra_get,
    save=services.risk_entry_save)


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, pk: int, entry_pk: int | None = None) -> HttpResponse:
    """Add or change a risk; beside its likelihood, the evidence's proposal for the
    assessment's security area."""
    sra = selectors.sra_get(user=request.user, pk=pk)
    page = replace(ENTRIES, form_class=RiskEntryForm.for_area(sra.security_area))
    return page.respond(request, sra, entry_pk)


entry_remove = row_remover(ENTRIES, remove=services.risk_entry_remove, refused=_refused,
                           message=_lazy("Risk removed from the register."))

ACTIVITIES = RowPage(
    form_class=ActivityForm, perm=Perm.EDIT_SRA, template="risk/activity_form.html",
    parent_name="sra", row_name="activity", rows="activities", detail_url="risk:sra_detail",
    saved_message=_lazy("Programme activity saved."), get=selectors.sra_get,
    save=services.activity_save)
activity_edit = ACTIVITIES.view()
activity_remove = row_remover(ACTIVITIES, remove=services.activity_remove, refused=_refused,
                              message=_lazy("Programme activity removed."))


@login_required
def sra_diff(request: HttpRequest, pk: int) -> HttpResponse:
    """Two versions of an assessment side by side."""
    sra = selectors.sra_get(user=request.user, pk=pk)
    pair = selectors.version_pair(sra=sra, older=request.GET.get("a"),
                                  newer=request.GET.get("b"))
    if pair is None:
        raise NotFound()
    older, newer, diff = pair
    return render(request, "risk/sra_diff.html", {"sra": sra, "older": older, "newer": newer,
                                                  "diff": diff})


@perm_required(Perm.VIEW_RISK)
def criticality_board(request: HttpRequest) -> HttpResponse:
    return render(request, "risk/criticality_board.html", {
        "board": selectors.flagged_activities(user=request.user),
        "levels": RISK_LEVEL_LABELS})

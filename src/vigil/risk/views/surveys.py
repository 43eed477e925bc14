"""Pages of premises vulnerability surveys: premises in scope with their latest score, and a
premises' surveys, their trend and the questionnaire to answer a new one."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from vigil.core.authz import Perm, can
from vigil.core.errors import Forbidden, ValidationFailed
from vigil.core.views_support import list_page, perm_required
from vigil.risk import selectors, services
from vigil.risk.forms import SurveyFilters
from vigil.risk.models import PremisesSurvey
from vigil.risk.views.charts import line_chart


@perm_required(Perm.VIEW_RISK)
def survey_list(request: HttpRequest) -> HttpResponseBase:
    filters = SurveyFilters(request.GET)
    return list_page(
        request, queryset=selectors.surveyed_premises(user=request.user,
                                                      **filters.selector_args()),
        template="risk/survey_list.html", table_template="risk/partials/_survey_table.html",
        sorts={"name": "name", "score": "last_score", "date": "last_surveyed"},
        default_sort="score", filters=filters)


@login_required
@require_http_methods(["GET", "POST"])
def premises_surveys(request: HttpRequest, pk: int) -> HttpResponse:
    """A premises' surveys and their trend; and the questionnaire to answer a new one."""
    premises = selectors.premises_for_survey(user=request.user, pk=pk)
    questionnaire = selectors.active_questionnaire()
    may_survey = questionnaire is not None and can(
        request.user, Perm.SURVEY_PREMISES, PremisesSurvey(premises=premises))
    errors: dict[str, str] = {}
    chosen: dict[str, str] = {}
    if request.method == "POST":
        if questionnaire is None:  # nothing to answer; the service decides who may survey
            raise Forbidden()
        chosen = {key: str(request.POST.get(key, "")) for key in request.POST
                  if key.startswith("q-")}
        answers = {int(k[2:]): v for k, v in chosen.items() if k[2:].isdigit()}
        try:
            survey = services.premises_survey_record(
                actor=request.user, premises=premises, questionnaire=questionnaire,
                answers=answers,
                surveyed_on=parse_date(request.POST.get("surveyed_on", "")) or None)
        except ValidationFailed as exc:
            errors = {e.field: str(e.message) for e in exc.errors}
        else:
            messages.success(request, _("Survey recorded: score %(score)s.") % {
                "score": survey.score})
            return redirect("risk:premises_surveys", pk=premises.pk)
    surveys = selectors.surveys_of(user=request.user, premises=premises)
    sections: list[dict[str, Any]] = [{"title": section.title, "questions": [
        {"question": q, "error": errors.get(f"q-{q.pk}", ""),
         "chosen": chosen.get(f"q-{q.pk}", "")} for q in section.questions.all()]}
        for section in (questionnaire.sections.prefetch_related("questions")
                        if questionnaire else [])]
    latest = surveys[0] if surveys else None
    # The latest survey's vulnerabilities, read from the questionnaire it used.
    questions = {q.pk: q for section in (latest.questionnaire.sections.prefetch_related(
        "questions") if latest else []) for q in section.questions.all()}
    return render(request, "risk/premises_surveys.html", {
        "premises": premises, "questionnaire": questionnaire, "may_survey": may_survey,
        "surveys": surveys, "latest": latest, "errors": errors, "sections": sections,
        "vulnerable": [questions[i] for i in (latest.vulnerabilities if latest else [])
                       if i in questions],
        "chart": line_chart([(s.surveyed_on, s.score) for s in reversed(surveys)]),
        "today": timezone.localdate()},
        status=400 if errors else 200)

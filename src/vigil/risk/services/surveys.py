"""Premises vulnerability surveys: answering the questionnaire in use for a premises, which
gives its score and vulnerabilities; and a new questionnaire copied from one surveys used."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.authz import Perm, holds_globally, require
from vigil.core.errors import ErrorCode, FieldError, Forbidden, ValidationFailed
from vigil.risk import rules
from vigil.risk.models import PremisesSurvey, Questionnaire

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser


def questionnaire_specs(questionnaire: Questionnaire) -> list[rules.QuestionSpec]:
    return [rules.QuestionSpec(q.pk, q.weight, tuple(score for _label, score in q.options))
            for section in questionnaire.sections.prefetch_related("questions")
            for q in section.questions.all()]


@transaction.atomic
def premises_survey_record(*, actor: AnyUser, premises: Any, questionnaire: Questionnaire,
                           answers: dict[int, Any], surveyed_on: dt.date | None = None
                           ) -> PremisesSurvey:
    """Answer every question for a premises; the score and the vulnerabilities follow."""
    survey = PremisesSurvey(premises=premises, questionnaire=questionnaire,
                            surveyed_on=surveyed_on or timezone.localdate(),
                            surveyor_id=cast(int, actor.pk), answers={}, score=0)
    require(actor, Perm.SURVEY_PREMISES, survey)
    if not questionnaire.is_active:
        raise ValidationFailed([FieldError(field="questionnaire", message=_(
            "This questionnaire is no longer in use."))])
    specs = questionnaire_specs(questionnaire)
    clean: dict[int, int] = {}
    errors = []
    for spec in specs:
        try:
            option = int(answers.get(spec.id, ""))
        except (TypeError, ValueError):
            option = -1
        if not 0 <= option < len(spec.scores):
            errors.append(FieldError(field=f"q-{spec.id}", code=ErrorCode.REQUIRED,
                                     message=_("Choose an answer.")))
        else:
            clean[spec.id] = option
    if surveyed_on is not None and surveyed_on > timezone.localdate():
        errors.append(FieldError(field="surveyed_on", code=ErrorCode.OUT_OF_RANGE,
                                 message=_("A survey cannot be dated in the future.")))
    if errors:
        raise ValidationFailed(errors)
    survey.score, survey.vulnerabilities = rules.survey_result(specs, clean)
    survey.answers = {str(k): v for k, v in clean.items()}
    survey.save()
    audit.record(actor=actor, action="risk.survey.record", obj=survey,
                 changes={"premises": premises.pk, "score": survey.score,
                          "vulnerabilities": survey.vulnerabilities})
    return survey


@transaction.atomic
def questionnaire_copy(*, actor: AnyUser, questionnaire: Questionnaire) -> Questionnaire:
    """A new editable questionnaire from one that surveys already used (those keep theirs);
    the copy replaces the original in use."""
    if not holds_globally(actor, Perm.CONFIGURE_RISK):
        raise Forbidden()
    copy = Questionnaire.objects.create(name=f"{questionnaire.name} (copy)",
                                        source=questionnaire.source, is_active=True)
    for section in questionnaire.sections.prefetch_related("questions"):
        new_section = copy.sections.create(title=section.title, position=section.position)
        for q in section.questions.all():
            new_section.questions.create(text=q.text, weight=q.weight, options=q.options,
                                         position=q.position)
    Questionnaire.objects.filter(pk=questionnaire.pk).update(is_active=False)
    audit.record(actor=actor, action="risk.questionnaire.copy", obj=copy,
                 changes={"from": questionnaire.pk})
    return copy

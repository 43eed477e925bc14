"""Premises vulnerability questionnaire: weighted score, vulnerabilities, trend, scope, and a
questionnaire in use kept read-only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, ValidationFailed
from vigil.risk import rules, selectors, services
from vigil.risk.models import PremisesSurvey, Questionnaire


@pytest.fixture
def questionnaire(db):
    return Questionnaire.objects.get()  # the default, from the data migration


@pytest.fixture
def hq(cast, user_with):
    return user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.PREMISES, cast.gigiri)


def _all(questionnaire, option):
    return {q.id: option for q in services.questionnaire_specs(questionnaire)}


def test_default_questionnaire_covers_the_survey_items(questionnaire):
    titles = set(questionnaire.sections.values_list("title", flat=True))
    assert titles == {"Fire and evacuation", "Access control", "Blast protection", "Guarding",
                      "Communications"}


def test_score_is_the_weighted_mean_and_low_answers_are_vulnerabilities():
    specs = [rules.QuestionSpec(1, 3, (100, 40, 0)), rules.QuestionSpec(2, 1, (100, 0))]
    assert rules.survey_result(specs, {1: 0, 2: 0}) == (100.0, [])
    assert rules.survey_result(specs, {1: 1, 2: 0}) == (55.0, [1])
    assert rules.survey_result(specs, {1: 2, 2: 1}) == (0.0, [1, 2])


def test_survey_recorded_with_score_and_vulnerabilities(cast, hq, questionnaire):
    survey = services.premises_survey_record(actor=hq, premises=cast.gigiri,
                                             questionnaire=questionnaire,
                                             answers=_all(questionnaire, 0))
    assert (survey.score, survey.vulnerabilities) == (100.0, [])
    worse = services.premises_survey_record(actor=hq, premises=cast.gigiri,
                                            questionnaire=questionnaire,
                                            answers=_all(questionnaire, 2))
    assert worse.score == 0.0
    assert len(worse.vulnerabilities) == len(_all(questionnaire, 0))


def test_every_question_needs_a_valid_answer(cast, hq, questionnaire):
    answers = _all(questionnaire, 0)
    first, second = list(answers)[:2]
    answers[first] = 9
    del answers[second]
    with pytest.raises(ValidationFailed) as failure:
        services.premises_survey_record(actor=hq, premises=cast.gigiri,
                                        questionnaire=questionnaire, answers=answers)
    assert {e.field for e in failure.value.errors} == {f"q-{first}", f"q-{second}"}
    assert not PremisesSurvey.objects.exists()


def test_survey_outside_scope_or_in_the_future_is_refused(cast, hq, questionnaire):
    with pytest.raises(Forbidden):
        services.premises_survey_record(actor=hq, premises=cast.mombasa_office,
                                        questionnaire=questionnaire,
                                        answers=_all(questionnaire, 0))
    with pytest.raises(ValidationFailed) as failure:
        services.premises_survey_record(
            actor=hq, premises=cast.gigiri, questionnaire=questionnaire,
            answers=_all(questionnaire, 0),
            surveyed_on=timezone.localdate() + dt.timedelta(days=1))
    assert failure.value.errors[0].field == "surveyed_on"


def test_survey_page_trend_and_list(cast, hq, questionnaire, client):
    client.force_login(hq)
    for day, option in (("2026-01-10", 2), ("2026-06-10", 1), ("2026-11-10", 0)):
        data = {f"q-{k}": v for k, v in _all(questionnaire, option).items()}
        response = client.post(f"/risk/surveys/premises/{cast.gigiri.pk}/",
                               {**data, "surveyed_on": day})
        assert response.status_code == 302
    page = client.get(f"/risk/surveys/premises/{cast.gigiri.pk}/").content.decode()
    assert "<svg" in page
    assert "100 / 100" in page
    listing = client.get("/risk/surveys/").content.decode()
    assert "UN Gigiri" in listing
    assert "Mombasa office" not in listing
    missing = client.post(f"/risk/surveys/premises/{cast.gigiri.pk}/", {"surveyed_on": ""})
    assert missing.status_code == 400
    assert "Choose an answer." in missing.content.decode()


def test_questionnaire_in_use_is_read_only_and_copied_to_change(cast, hq, questionnaire,
                                                                user_with, client):
    services.premises_survey_record(actor=hq, premises=cast.gigiri,
                                    questionnaire=questionnaire,
                                    answers=_all(questionnaire, 0))
    admin = user_with(Role.ADMINISTRATOR)
    client.force_login(admin)
    page = client.get(f"/admin/risk/questionnaire/{questionnaire.pk}/change/")
    assert page.status_code == 200  # shown read-only
    edit = client.post(f"/admin/risk/questionnaire/{questionnaire.pk}/change/",
                       {"name": "Changed", "is_active": "on"})
    assert edit.status_code == 403
    questionnaire.refresh_from_db()
    assert questionnaire.name != "Changed"
    copy = services.questionnaire_copy(actor=admin, questionnaire=questionnaire)
    questionnaire.refresh_from_db()
    assert (questionnaire.is_active, copy.is_active) == (False, True)
    assert selectors.active_questionnaire() == copy
    with pytest.raises(Forbidden):
        services.questionnaire_copy(actor=hq, questionnaire=copy)


def test_a_reader_who_may_not_survey_is_refused_the_questionnaire(cast, questionnaire,
                                                                  user_with, client):
    client.force_login(user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya))
    assert client.get(f"/risk/surveys/premises/{cast.gigiri.pk}/").status_code == 200
    posted = client.post(f"/risk/surveys/premises/{cast.gigiri.pk}/",
                         {f"q-{q}": 0 for q in _all(questionnaire, 0)})
    assert posted.status_code == 403
    assert not PremisesSurvey.objects.exists()

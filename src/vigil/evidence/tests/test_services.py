"""The settings: set by hand by a global administrator of risk, applied by the back-test;
every fault names its field; every change audited."""

from __future__ import annotations

import pytest

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, StaleVersion, ValidationFailed
from vigil.core.models import AuditEvent
from vigil.evidence import proposals, rules, selectors, services
from vigil.evidence.tests.test_selectors import DAY, incident


@pytest.fixture
def admin(user_with):
    return user_with(Role.ADMINISTRATOR, ScopeKind.GLOBAL, None)


def test_a_global_administrator_sets_the_parameters_by_hand(admin):
    row = selectors.settings_row()
    row.chosen_by = "backtest 2026"
    row.save()
    saved = services.settings_update(actor=admin, data={
        "half_life_years": 2, "step_bounds": "0.05, 0.2, 0.5, 0.8",
        "level_prior": [0.01, 0.02, 0.1, 0.3, 1, 2]}, version=row.version)
    assert saved.version == row.version + 1
    assert (saved.half_life_years, saved.step_bounds) == (2.0, [0.05, 0.2, 0.5, 0.8])
    assert saved.chosen_by == ""
    event = AuditEvent.objects.get(action="evidence.settings.update")
    assert event.changes["half_life_years"] == [4.0, 2.0]


@pytest.mark.parametrize(("role", "kind"), [
    (Role.ADMINISTRATOR, ScopeKind.COUNTRY), (Role.SECURITY_OFFICER, ScopeKind.GLOBAL),
    (Role.TRAVELLER, ScopeKind.GLOBAL)])
def test_others_may_not_set_them(cast, user_with, role, kind):
    actor = user_with(role, kind, cast.scope(kind))
    with pytest.raises(Forbidden):
        services.settings_update(actor=actor, data={"half_life_years": 2}, version=None)
    assert not AuditEvent.objects.filter(action="evidence.settings.update").exists()


@pytest.mark.parametrize(("data", "field"), [
    ({"half_life_years": "soon"}, "half_life_years"),
    ({"half_life_years": 0.1}, "half_life_years"),
    ({"severity_weight": 9}, "severity_weight"),
    ({"neighbour_weight": 1.5}, "neighbour_weight"),
    ({"horizon_years": 0}, "horizon_years"),
    ({"prior_years": 0}, "prior_years"),
    ({"step_bounds": "0.5, 0.3, 0.6, 0.9"}, "step_bounds"),
    ({"step_bounds": "0.1, 0.3"}, "step_bounds"),
    ({"level_prior": [1, 0.5, 1, 1, 1, 1]}, "level_prior"),
    ({"level_prior": "a, b"}, "level_prior"),
    ({"colour": "red"}, "colour"),
])
def test_each_fault_names_its_field(admin, data, field):
    with pytest.raises(ValidationFailed) as caught:
        services.settings_update(actor=admin, data=data, version=None)
    assert [e.field for e in caught.value.errors] == [field]


def test_an_edit_against_an_older_version_is_refused(admin):
    row = selectors.settings_row()
    services.settings_update(actor=admin, data={"half_life_years": 3}, version=row.version)
    with pytest.raises(StaleVersion):
        services.settings_update(actor=admin, data={"half_life_years": 5}, version=row.version)


def test_the_back_test_applies_its_choice_as_vigil(db):
    chosen = rules.Params(half_life_years=6, neighbour_weight=0.1)
    saved = services.settings_apply(params=chosen, chosen_by="backtest 1997-2024")
    assert saved.params == chosen
    assert saved.chosen_by == "backtest 1997-2024"
    event = AuditEvent.objects.get(action="evidence.settings.apply")
    assert event.actor is None
    with pytest.raises(ValidationFailed):
        services.settings_apply(params=rules.Params(half_life_years=0), chosen_by="x")


def test_a_person_applying_the_choice_must_be_a_global_administrator(cast, user_with):
    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.GLOBAL, None)
    with pytest.raises(Forbidden):
        services.settings_apply(params=rules.Params(), chosen_by="x", actor=officer)


def test_the_proposal_source_gives_what_risk_keeps(cast, db):
    from vigil.incidents.models import IncidentCategory
    from vigil.incidents.taxonomy import ensure_default
    from vigil.risk import proposals as risk_proposals

    ensure_default(IncidentCategory)
    incident(cast.kenya, area=cast.nbi_area)
    found = proposals.for_area(cast.nbi_area, ["crime", "hazards", "unknown"], DAY)
    assert set(found) == {"crime", "hazards"}
    crime = found["crime"]
    assert set(risk_proposals.KEPT) <= set(crime)
    assert crime["likelihood"] in rules.LIKELIHOODS
    assert crime["incidents"] == 1
    assert crime["computed_on"] == "2026-06-30"
    assert crime["method"] == f"evidence settings v{selectors.settings_row().version}"
    assert crime["url"] == f"/evidence/areas/{cast.nbi_area.pk}/#crime"
    assert "evidence" not in crime
    # Registered at start-up: risk asks through its registry.
    assert risk_proposals.propose(cast.nbi_area, ["crime"], DAY)["crime"] == crime

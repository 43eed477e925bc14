"""Cost-sharing services: bienniums, thresholds, censuses (registry and import),
apportionment and its approval; every refusal; authorization per role."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import (
    Forbidden,
    StaleVersion,
    TransitionRefused,
    ValidationFailed,
)
from vigil.core.models import AuditEvent
from vigil.costshare import selectors, services
from vigil.costshare.models import Apportionment, Census, ShareThreshold
from vigil.people.models import Person
from vigil.places.models import DutyStation


def test_a_new_biennium_gets_the_historical_thresholds(biennium):
    assert [(t.below_percent, t.flat_amount) for t in biennium.thresholds.order_by(
        "below_percent")] == [(Decimal("0.500"), Decimal("25000.00")),
                              (Decimal("1.000"), Decimal("100000.00"))]
    assert AuditEvent.objects.filter(action="costshare.biennium.create").exists()


@pytest.mark.parametrize("year", [2027, 1999])
def test_a_biennium_starts_in_an_even_year_in_range(cast, budget_officer, year):
    with pytest.raises(ValidationFailed) as refused:
        services.biennium_save(actor=budget_officer, biennium=None,
                               data={"start_year": year, "budget": Decimal(1)})
    assert refused.value.for_field("start_year")


def test_a_negative_budget_is_refused(cast, budget_officer):
    with pytest.raises(ValidationFailed) as refused:
        services.biennium_save(actor=budget_officer, biennium=None,
                               data={"start_year": 2028, "budget": Decimal(-1)})
    assert refused.value.for_field("budget")


def test_a_biennium_edit_against_an_old_version_is_refused(biennium, budget_officer):
    services.biennium_save(actor=budget_officer, biennium=biennium,
                           data={"budget": Decimal(2)}, version=1)
    with pytest.raises(StaleVersion):
        services.biennium_save(actor=budget_officer, biennium=biennium,
                               data={"budget": Decimal(3)}, version=1)


def test_thresholds_are_replaced_and_bad_tables_refused(biennium, budget_officer):
    services.thresholds_set(actor=budget_officer, biennium=biennium,
                            rows=[("2", "50000"), ("0.25", "10000")])
    assert list(ShareThreshold.objects.filter(biennium=biennium).values_list(
        "below_percent", flat=True)) == [Decimal("0.250"), Decimal("2.000")]
    with pytest.raises(ValidationFailed) as refused:
        services.thresholds_set(actor=budget_officer, biennium=biennium,
                                rows=[("1", "50000"), ("2", "100")])
    assert refused.value.errors[0].field == "thresholds.1"
    with pytest.raises(ValidationFailed) as refused:
        services.thresholds_set(actor=budget_officer, biennium=biennium, rows=[("x", "1")])
    assert refused.value.for_field("thresholds.0.below_percent")


def test_a_census_from_the_registry_counts_field_personnel_by_organization_and_country(
        cast, biennium, budget_officer):
    # Nairobi is a headquarters duty station: Amina (UNDP) is left out. A separated person too.
    separated = cast.person("10000009", "Gone", cast.wfp, cast.mombasa)
    separated.status = Person.Status.SEPARATED
    separated.save()
    on_leave = cast.person("10000010", "Away", cast.wfp, cast.mombasa)
    on_leave.status = Person.Status.ON_LEAVE
    on_leave.save()
    census = services.census_take(actor=budget_officer, biennium=biennium)
    assert census.source == Census.Source.REGISTRY
    assert census.status == Census.Status.DRAFT
    lines = {(x.organization.code, x.country.iso2): x.headcount
             for x in selectors.census_lines(census)}
    assert lines == {("WFP", "KE"): 2, ("WFP", "SO"): 1}
    assert cast.nairobi.kind == DutyStation.Kind.HEADQUARTERS


def test_an_import_is_idempotent_and_updates_changed_lines(biennium, budget_officer):
    data = "organization,country,headcount\nUNDP,KE,10\nwfp,SOM,5\n"
    census, report = services.census_import(actor=budget_officer, biennium=biennium,
                                             census_date=date(2026, 1, 1), data=data)
    assert (report.created, report.updated) == (2, 0)
    census, report = services.census_import(actor=budget_officer, biennium=biennium,
                                             census=census, data=data)
    assert (report.created, report.updated) == (0, 0)
    census, report = services.census_import(actor=budget_officer, biennium=biennium,
                                             census=census, data=data.replace("10", "12"))
    assert (report.created, report.updated) == (0, 1)
    assert selectors.census_by_organization(census) == {"UNDP": 12, "WFP": 5}


def test_an_import_names_every_bad_row_and_writes_nothing(biennium, budget_officer):
    data = ("organization,country,headcount\nUNDP,KE,10\nNOPE,KE,1\nUNDP,XX,1\nWFP,KE,-3\n"
            "UNDP,KE,4\n")
    with pytest.raises(ValidationFailed) as refused:
        services.census_import(actor=budget_officer, biennium=biennium,
                               census_date=date(2026, 1, 1), data=data)
    faults = {(e.row, e.field) for e in refused.value.errors}
    assert faults == {(3, "organization"), (4, "country"), (5, "headcount"),
                      (6, "organization")}
    assert not Census.objects.exists()


def test_an_import_can_skip_bad_rows(biennium, budget_officer):
    _census, report = services.census_import(
        actor=budget_officer, biennium=biennium, census_date=date(2026, 1, 1),
        data="organization,country,headcount\nUNDP,KE,10\nNOPE,KE,1\n", skip_invalid=True)
    assert (report.created, report.skipped) == (1, 1)


def test_an_import_with_a_missing_column_is_refused(biennium, budget_officer):
    with pytest.raises(ValidationFailed) as refused:
        services.census_import(actor=budget_officer, biennium=biennium,
                               census_date=date(2026, 1, 1), data="organization,country\n")
    assert refused.value.for_field("headcount")


def test_an_import_needs_a_date_and_goes_only_into_a_draft_imported_census(
        biennium, budget_officer, final_census):
    with pytest.raises(ValidationFailed):
        services.census_import(actor=budget_officer, biennium=biennium, data="x")
    with pytest.raises(TransitionRefused):
        services.census_import(actor=budget_officer, biennium=biennium, census=final_census,
                               data="organization,country,headcount\n")
    registry = services.census_take(actor=budget_officer, biennium=biennium)
    with pytest.raises(TransitionRefused):
        services.census_import(actor=budget_officer, biennium=biennium, census=registry,
                               data="organization,country,headcount\n")


def test_census_moves_and_refusals(biennium, budget_officer):
    empty, _r = services.census_import(actor=budget_officer, biennium=biennium,
                                       census_date=date(2026, 1, 1),
                                       data="organization,country,headcount\n")
    with pytest.raises(ValidationFailed):
        services.census_move(actor=budget_officer, census=empty, status="final")
    with pytest.raises(TransitionRefused):
        services.census_move(actor=budget_officer, census=empty, status="draft")
    census = services.census_take(actor=budget_officer, biennium=biennium)
    services.census_move(actor=budget_officer, census=census, status="final")
    assert census.finalized_at is not None
    with pytest.raises(StaleVersion):
        services.census_move(actor=budget_officer, census=census, status="draft", version=1)
    services.census_move(actor=budget_officer, census=census, status="draft")
    assert census.status == "draft"


def test_only_a_draft_census_is_deleted(biennium, budget_officer, final_census):
    with pytest.raises(TransitionRefused):
        services.census_delete(actor=budget_officer, census=final_census)
    draft = services.census_take(actor=budget_officer, biennium=biennium)
    services.census_delete(actor=budget_officer, census=draft)
    assert not Census.objects.filter(pk=draft.pk).exists()


def test_apportionment_from_a_final_census(biennium, budget_officer, final_census):
    apportionment = services.apportionment_compute(actor=budget_officer, biennium=biennium,
                                                   census=final_census)
    lines = {x.organization.code: x for x in apportionment.lines.all()}
    assert sum(x.amount for x in lines.values()) == Decimal("1000000.00")
    assert lines["WFP"].headcount == 700
    assert lines["UNDP"].amount == Decimal("300000.00")
    assert apportionment.total_headcount == 1000
    assert apportionment.thresholds == [["0.500", "25000.00"], ["1.000", "100000.00"]]


def test_a_draft_census_or_another_bienniums_census_is_refused(biennium, budget_officer,
                                                               final_census):
    draft = services.census_take(actor=budget_officer, biennium=biennium)
    with pytest.raises(ValidationFailed) as refused:
        services.apportionment_compute(actor=budget_officer, biennium=biennium, census=draft)
    assert refused.value.for_field("census")
    other = services.biennium_save(actor=budget_officer, biennium=None,
                                   data={"start_year": 2028, "budget": Decimal(5)})
    with pytest.raises(ValidationFailed):
        services.apportionment_compute(actor=budget_officer, biennium=other, census=final_census)


def test_an_impossible_apportionment_is_refused_naming_the_field(biennium, budget_officer,
                                                                 final_census):
    services.biennium_save(actor=budget_officer, biennium=biennium,
                           data={"budget": Decimal("10.00")})
    services.thresholds_set(actor=budget_officer, biennium=biennium, rows=[("50", "100")])
    with pytest.raises(ValidationFailed) as refused:
        services.apportionment_compute(actor=budget_officer, biennium=biennium,
                                       census=final_census)
    assert refused.value.for_field("budget")


def test_approval_locks_the_biennium(biennium, budget_officer, final_census):
    apportionment = services.apportionment_compute(actor=budget_officer, biennium=biennium,
                                                   census=final_census)
    services.apportionment_approve(actor=budget_officer, apportionment=apportionment,
                                   version=apportionment.version)
    assert apportionment.status == Apportionment.Status.APPROVED
    assert apportionment.approved_by == budget_officer
    with pytest.raises(TransitionRefused):
        services.apportionment_approve(actor=budget_officer, apportionment=apportionment)
    with pytest.raises(TransitionRefused):
        services.biennium_save(actor=budget_officer, biennium=biennium,
                               data={"budget": Decimal(1)})
    with pytest.raises(TransitionRefused):
        services.thresholds_set(actor=budget_officer, biennium=biennium, rows=[])
    with pytest.raises(TransitionRefused):
        services.apportionment_compute(actor=budget_officer, biennium=biennium,
                                       census=final_census)
    with pytest.raises(TransitionRefused):
        services.census_move(actor=budget_officer, census=final_census, status="draft")
    with pytest.raises(TransitionRefused):
        services.census_take(actor=budget_officer, biennium=biennium)


def test_approval_is_refused_when_the_budget_changed_since(biennium, budget_officer,
                                                           final_census):
    apportionment = services.apportionment_compute(actor=budget_officer, biennium=biennium,
                                                   census=final_census)
    services.biennium_save(actor=budget_officer, biennium=biennium,
                           data={"budget": Decimal("2000000.00")})
    apportionment.biennium.refresh_from_db()
    with pytest.raises(ValidationFailed) as refused:
        services.apportionment_approve(actor=budget_officer, apportionment=apportionment)
    assert refused.value.for_field("budget")


def test_opening_a_census_again_removes_its_draft_apportionment(biennium, budget_officer,
                                                                final_census):
    services.apportionment_compute(actor=budget_officer, biennium=biennium, census=final_census)
    services.census_move(actor=budget_officer, census=final_census, status="draft")
    assert not Apportionment.objects.exists()


@pytest.mark.parametrize(("role", "kind"), [
    (Role.PROGRAMME_MANAGER, ScopeKind.GLOBAL), (Role.SECURITY_OFFICER, ScopeKind.COUNTRY),
    (Role.TRAVELLER, ScopeKind.GLOBAL), (Role.BUDGET_OFFICER, ScopeKind.ORGANIZATION),
    (Role.ADMINISTRATOR, ScopeKind.GLOBAL)])
def test_only_a_global_budget_officer_writes(cast, user_with, biennium, final_census, role,
                                             kind):
    other = user_with(role, kind, cast.scope(kind))
    with pytest.raises(Forbidden):
        services.biennium_save(actor=other, biennium=None,
                               data={"start_year": 2030, "budget": Decimal(1)})
    with pytest.raises(Forbidden):
        services.census_take(actor=other, biennium=biennium)
    with pytest.raises(Forbidden):
        services.apportionment_compute(actor=other, biennium=biennium, census=final_census)


@pytest.mark.parametrize(("role", "sees"), [
    (Role.BUDGET_OFFICER, True), (Role.PROGRAMME_MANAGER, True), (Role.TRAVELLER, False),
    (Role.SECURITY_OFFICER, False), (Role.DESIGNATED_OFFICIAL, False)])
def test_who_reads_cost_sharing(user_with, biennium, final_census, role, sees):
    reader = user_with(role)
    assert selectors.biennium_list(user=reader).exists() is sees
    assert selectors.census_list(user=reader).exists() is sees

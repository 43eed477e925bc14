"""Safety claims: every move allowed and refused, what each decision needs, bad input named,
who may record, file, see and move a claim (services, pages and API), and the SP1.a.iii
count."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, TransitionRefused, ValidationFailed
from vigil.core.models import AuditEvent
from vigil.hq import safety_rules as rules
from vigil.hq import safety_selectors as selectors
from vigil.hq import safety_services as services
from vigil.hq.models import ClaimantKind, ClaimKind, ClaimStatus, SafetyClaim
from vigil.places.models import Premises


@pytest.fixture
def officer(cast, user_with):
    return user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.DUTY_STATION, cast.nairobi)


@pytest.fixture
def claim(cast, officer):
    return services.claim_record(actor=officer, data=_data(cast))


def _data(cast, **more):
    return {"premises": cast.gigiri, "kind": ClaimKind.INJURY,
            "claimant_kind": ClaimantKind.VISITOR, "claimant_name": "Jane Visitor",
            "claimant_contact": "+254 700 000000",
            "occurred_at": timezone.now() - dt.timedelta(days=3),
            "description": "Fell on the stairs.", "currency": "usd",
            "amount_claimed": Decimal("500.00"), **more}


def _move(claim, actor, action, **kwargs):
    claim.refresh_from_db()
    return services.claim_transition(actor=actor, claim=claim, action=action,
                                     version=claim.version, **kwargs)


# --- Rules --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("action", "source", "target"), [
    ("review", "received", "under_review"), ("settle", "under_review", "settled"),
    ("reject", "under_review", "rejected"), ("withdraw", "received", "withdrawn"),
    ("withdraw", "under_review", "withdrawn"), ("reopen", "rejected", "under_review")])
def test_claim_table_allows(action, source, target):
    assert rules.next_state(rules.CLAIM_TRANSITIONS, action, source) == target


@pytest.mark.parametrize(("action", "source"), [
    ("settle", "received"), ("reject", "received"), ("review", "under_review"),
    ("withdraw", "settled"), ("withdraw", "rejected"), ("reopen", "settled"),
    ("reopen", "withdrawn"), ("settle", "settled"), ("review", "withdrawn")])
def test_claim_table_refuses(action, source):
    assert rules.next_state(rules.CLAIM_TRANSITIONS, action, source) is None


def test_decision_problems_both_ways():
    ok = {"amount_claimed": Decimal(100), "note": ""}
    assert rules.decision_problems("settle", amount_settled=Decimal(100), **ok) == []
    assert rules.decision_problems("settle", amount_settled=None, **ok)[0][0] == "amount_settled"
    assert rules.decision_problems("settle", amount_settled=Decimal(101), **ok)[0][0] == "note"
    assert rules.decision_problems("settle", amount_settled=Decimal(101),
                                   amount_claimed=Decimal(100), note="Later bill") == []
    assert rules.decision_problems("reject", amount_settled=None, **ok)[0][0] == "note"
    assert rules.decision_problems("reject", amount_settled=None, amount_claimed=None,
                                   note="Outside") == []
    assert rules.decision_problems("reopen", amount_settled=None, **ok)[0][0] == "note"


@pytest.mark.parametrize(("day", "period", "start"), [
    (dt.date(2025, 5, 17), "month", dt.date(2025, 5, 1)),
    (dt.date(2025, 5, 17), "quarter", dt.date(2025, 4, 1)),
    (dt.date(2025, 12, 31), "quarter", dt.date(2025, 10, 1)),
    (dt.date(2025, 5, 17), "year", dt.date(2025, 1, 1))])
def test_period_start(day, period, start):
    assert rules.period_start(day, period) == start


# --- Transitions through the service ------------------------------------------------------------

def test_a_claim_goes_from_received_to_settled_with_history_and_audit(claim, officer):
    assert claim.status == ClaimStatus.RECEIVED
    assert claim.currency == "USD"
    _move(claim, officer, "review")
    done = _move(claim, officer, "settle", amount_settled=Decimal("450.00"))
    assert done.status == ClaimStatus.SETTLED
    assert done.amount_settled == Decimal("450.00")
    assert done.decided_on == timezone.localdate()
    assert [e.action for e in claim.events.all()] == ["record", "review", "settle"]
    assert AuditEvent.objects.filter(action="hq.claim.settle", object_id=str(claim.pk)).exists()


def test_reject_then_reopen_each_need_a_reason(claim, officer):
    _move(claim, officer, "review")
    with pytest.raises(ValidationFailed) as refused:
        _move(claim, officer, "reject")
    assert refused.value.errors[0].field == "note"
    _move(claim, officer, "reject", note="Outside the premises.")
    with pytest.raises(ValidationFailed):
        _move(claim, officer, "reopen")
    reopened = _move(claim, officer, "reopen", note="New witness statement.")
    assert reopened.status == ClaimStatus.UNDER_REVIEW
    assert reopened.decided_on is None


def test_settling_above_the_claim_needs_a_note(claim, officer):
    _move(claim, officer, "review")
    with pytest.raises(ValidationFailed) as refused:
        _move(claim, officer, "settle", amount_settled=Decimal("900"))
    assert refused.value.errors[0].field == "note"
    assert _move(claim, officer, "settle", amount_settled=Decimal("900"),
                 note="Later medical bill.").status == ClaimStatus.SETTLED


def test_refused_moves_say_why(claim, officer):
    with pytest.raises(TransitionRefused, match="Its status: Received"):
        _move(claim, officer, "settle", amount_settled=Decimal(1))
    _move(claim, officer, "withdraw")
    for action in ("review", "reopen", "withdraw"):
        with pytest.raises(TransitionRefused):
            _move(claim, officer, action, note="x")
    with pytest.raises(ValidationFailed):
        _move(claim, officer, "approve")


def test_a_stale_version_is_refused(claim, officer):
    from vigil.core.errors import StaleVersion

    with pytest.raises(StaleVersion):
        services.claim_transition(actor=officer, claim=claim, action="review", version=99)


def test_a_decided_claim_is_not_edited(claim, officer):
    _move(claim, officer, "withdraw")
    claim.refresh_from_db()
    with pytest.raises(TransitionRefused):
        services.claim_update(actor=officer, claim=claim, data={"description": "x"},
                              version=claim.version)


# --- Bad input ----------------------------------------------------------------------------------

def test_bad_input_names_each_field(cast, officer):
    with pytest.raises(ValidationFailed) as refused:
        services.claim_record(actor=officer, data=_data(
            cast, claimant_name="", currency="dollars",
            occurred_at=timezone.now() + dt.timedelta(days=2),
            amount_claimed=Decimal("-5")))
    fields = {e.field for e in refused.value.errors}
    assert {"claimant_name", "currency", "occurred_at", "amount_claimed"} <= fields
    assert not SafetyClaim.objects.exists()


def test_a_staff_claim_names_the_staff_member(cast, officer):
    with pytest.raises(ValidationFailed) as refused:
        services.claim_record(actor=officer, data=_data(cast, claimant_kind=ClaimantKind.STAFF))
    assert refused.value.errors[0].field == "claimant"
    saved = services.claim_record(actor=officer, data=_data(
        cast, claimant_kind=ClaimantKind.STAFF, claimant=cast.amina))
    assert saved.claimant_name == ""


def test_field_premises_are_refused(cast, user_with):
    global_officer = user_with(Role.HQ_SECURITY_OFFICER)
    with pytest.raises(ValidationFailed) as refused:
        services.claim_record(actor=global_officer, data=_data(
            cast, premises=cast.mombasa_office))
    assert refused.value.errors[0].field == "premises"


# --- Authorization ------------------------------------------------------------------------------

def test_an_officer_out_of_scope_neither_records_nor_sees_nor_moves(cast, claim, user_with):
    elsewhere = user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.DUTY_STATION, cast.mombasa)
    with pytest.raises(Forbidden):
        services.claim_record(actor=elsewhere, data=_data(cast))
    assert not selectors.claim_list(user=elsewhere).exists()
    with pytest.raises(Forbidden):
        _move(claim, elsewhere, "review")


@pytest.mark.parametrize("role", [Role.SECURITY_OFFICER, Role.DESIGNATED_OFFICIAL,
                                  Role.PROGRAMME_MANAGER, Role.ADMINISTRATOR, Role.TRAVELLER])
def test_other_roles_neither_record_nor_see_nor_move(cast, claim, user_with, role):
    other = user_with(role)
    with pytest.raises(Forbidden):
        services.claim_record(actor=other, data=_data(cast))
    assert not selectors.claim_list(user=other).exists()
    with pytest.raises(Forbidden):
        _move(claim, other, "review")


def test_a_traveller_files_sees_and_withdraws_only_their_own(cast, claim, user_with):
    traveller = user_with(Role.TRAVELLER, person=cast.amina)
    own = services.claim_file(actor=traveller, data={
        "premises": cast.gigiri, "kind": ClaimKind.PROPERTY, "description": "Phone broken.",
        "occurred_at": timezone.now() - dt.timedelta(hours=5), "currency": "KES"})
    assert own.claimant == cast.amina
    assert own.received_on == timezone.localdate()
    assert list(selectors.claim_list(user=traveller)) == [own]
    with pytest.raises(Forbidden):
        _move(own, traveller, "review")
    assert _move(own, traveller, "withdraw").status == ClaimStatus.WITHDRAWN
    with pytest.raises(Forbidden):
        _move(claim, traveller, "withdraw")


def test_filing_sets_no_field_of_the_officer(cast, user_with):
    traveller = user_with(Role.TRAVELLER, person=cast.amina)
    with pytest.raises(ValidationFailed) as refused:
        services.claim_file(actor=traveller, data={
            "premises": cast.gigiri, "kind": ClaimKind.PROPERTY, "description": "x",
            "occurred_at": timezone.now(), "amount_settled": Decimal(5)})
    assert refused.value.errors[0].field == "amount_settled"


def test_reading_a_claimant_is_audited_except_for_the_claimant(cast, claim, officer):
    details = selectors.claimant_details(user=officer, claim=claim)
    assert details["name"] == "Jane Visitor"
    assert AuditEvent.objects.filter(action="hq.claim.read_claimant",
                                     sensitive_read=True).count() == 1


# --- Statistics and SP1.a.iii -------------------------------------------------------------------

def test_claims_received_in_a_period_by_station_and_premises(cast, officer):
    second = Premises.objects.create(duty_station=cast.nairobi, name="UN Gigiri annex",
                                     address="x", latitude=-1.2, longitude=36.8)
    for premises, day in ((cast.gigiri, dt.date(2025, 1, 1)),
                          (cast.gigiri, dt.date(2025, 3, 31)),
                          (second, dt.date(2025, 2, 10)), (second, dt.date(2025, 4, 1))):
        services.claim_record(actor=officer, data=_data(
            cast, premises=premises, received_on=day,
            occurred_at=dt.datetime(2024, 12, 30, 10, tzinfo=dt.UTC)))
    q1 = selectors.claims_received(start=dt.date(2025, 1, 1), end=dt.date(2025, 3, 31))
    assert q1["total"] == 3
    assert q1["by_duty_station"] == [{"duty_station": cast.nairobi.pk, "name": "Nairobi",
                                      "count": 3}]
    assert {r["name"]: r["count"] for r in q1["by_premises"]} == {"UN Gigiri": 2,
                                                                  "UN Gigiri annex": 1}
    stats = selectors.claim_statistics(selectors.claim_list(user=officer), period="quarter")
    assert [(r["label"], r["count"]) for r in stats["rows"]] == [("2025-Q1", 3), ("2025-Q2", 1)]
    assert {o["status"]: o["count"] for o in stats["outcomes"]}["received"] == 4

"""What the claims pages and services say: the list's column names the claimant type; a move
is confirmed with the status as its label, not lowercased; each refused move is one whole
sentence of its own, naming the status; the faults read plainly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone, translation

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import TransitionRefused, ValidationFailed
from vigil.hq import safety_rules as rules
from vigil.hq import safety_services as services
from vigil.hq.models import ClaimantKind, ClaimKind, ClaimStatus, SafetyClaim
from vigil.hq.safety_forms import ClaimFilters


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def officer(cast, user_with):
    return user_with(Role.HQ_SECURITY_OFFICER, ScopeKind.DUTY_STATION, cast.nairobi)


def _data(cast, **more):
    return {"premises": cast.gigiri, "kind": ClaimKind.INJURY,
            "claimant_kind": ClaimantKind.VISITOR, "claimant_name": "Jane Visitor",
            "occurred_at": timezone.now() - dt.timedelta(days=3),
            "description": "Fell on the stairs.", "currency": "USD",
            "amount_claimed": Decimal("500.00"), **more}


@pytest.fixture
def claim(cast, officer):
    return services.claim_record(actor=officer, data=_data(cast))


def _at(claim, status):
    SafetyClaim.objects.filter(pk=claim.pk).update(
        status=status, amount_settled=Decimal(400) if status == ClaimStatus.SETTLED else None)
    claim.refresh_from_db()
    return claim


def test_the_list_and_its_export_say_claimant_type(client, officer, claim):
    client.force_login(officer)
    page = client.get(reverse("hq:claim_list")).content.decode()
    assert "Claimant type" in page
    assert "Claimant is a" not in page
    export = client.get(reverse("hq:claim_list") + "?format=csv")
    header = b"".join(export.streaming_content).decode().splitlines()[0]
    assert "Claimant type" in header
    assert "Claimant is a" not in header


def test_a_move_is_confirmed_with_the_status_label_as_it_is(client, officer, claim):
    client.force_login(officer)
    response = client.post(reverse("hq:claim_move", args=[claim.pk, "review"]),
                           {"version": claim.version})
    said = [str(m) for m in get_messages(response.wsgi_request)]
    assert said == [f"Claim {claim.reference}: Under review."]


def test_every_move_has_its_own_refusal():
    assert set(services.REFUSED_MOVES) == set(rules.CLAIM_TRANSITIONS)


@pytest.mark.parametrize(("action", "status", "message"), [
    ("review", ClaimStatus.UNDER_REVIEW,
     "Only a received claim can be taken under review. Its status: Under review."),
    ("settle", ClaimStatus.RECEIVED,
     "Only a claim under review can be settled. Its status: Received."),
    ("reject", ClaimStatus.SETTLED,
     "Only a claim under review can be rejected. Its status: Settled."),
    ("withdraw", ClaimStatus.REJECTED,
     "Only a received claim or one under review can be withdrawn. Its status: Rejected."),
    ("reopen", ClaimStatus.WITHDRAWN,
     "Only a rejected claim can be reopened. Its status: Withdrawn."),
])
def test_a_refused_move_says_why_in_one_sentence(claim, officer, action, status, message):
    _at(claim, status)
    with pytest.raises(TransitionRefused) as refused:
        services.claim_transition(actor=officer, claim=claim, action=action,
                                  version=claim.version, note="x",
                                  amount_settled=Decimal(1))
    assert str(refused.value.message) == message
    claim.refresh_from_db()
    assert claim.status == status


def test_the_refusal_reaches_the_page_and_the_api(client, api, claim, officer):
    client.force_login(officer)
    response = client.post(reverse("hq:claim_move", args=[claim.pk, "reopen"]),
                           {"version": claim.version, "note": "x"}, follow=True)
    assert "Only a rejected claim can be reopened. Its status: Received." in \
        response.content.decode()
    answer = api(officer).post(f"/api/v1/hq/claims/{claim.pk}/settle/",
                               {"version": claim.version, "amount_settled": "1"})
    assert answer.status_code == 409
    assert "Only a claim under review can be settled. Its status: Received." in \
        answer.content.decode()


@pytest.mark.parametrize("status", [ClaimStatus.SETTLED, ClaimStatus.REJECTED,
                                    ClaimStatus.WITHDRAWN])
def test_a_decided_claim_cannot_be_changed(claim, officer, status):
    _at(claim, status)
    label = claim.get_status_display()
    with pytest.raises(TransitionRefused) as refused:
        services.claim_update(actor=officer, claim=claim, data={"description": "x"},
                              version=claim.version)
    assert str(refused.value.message) == (
        f"This claim's status is “{label}”: only a received claim or one under review can be "
        "changed.")


@pytest.mark.parametrize("status", [ClaimStatus.RECEIVED, ClaimStatus.UNDER_REVIEW])
def test_an_open_claim_can_be_changed(claim, officer, status):
    _at(claim, status)
    saved = services.claim_update(actor=officer, claim=claim, data={"description": "Slipped."},
                                  version=claim.version)
    assert saved.description == "Slipped."


def test_a_claim_received_before_the_event_is_refused_plainly(cast, officer):
    occurred = timezone.now() - dt.timedelta(days=10)
    with pytest.raises(ValidationFailed) as refused:
        services.claim_record(actor=officer, data=_data(
            cast, occurred_at=occurred,
            received_on=occurred.date() - dt.timedelta(days=3)))
    assert [(e.field, str(e.message)) for e in refused.value.errors] == [
        ("received_on", "A claim cannot be received before the event it concerns.")]
    assert not SafetyClaim.objects.exists()
    saved = services.claim_record(actor=officer, data=_data(
        cast, occurred_at=occurred, received_on=occurred.date()))
    assert saved.received_on == occurred.date()


def test_the_search_box_reads_words_in_the_description(officer):
    help_text = str(ClaimFilters(user=officer).fields["q"].help_text)
    assert help_text == "A reference (CLM-000123) or words in the description."

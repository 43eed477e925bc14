"""The one review of SRAs and security plans (rules.review_transitions, services.review):
each rule of the workflow tested once, for both documents."""

from __future__ import annotations

import datetime as dt

import pytest

from vigil.core.authz import Role, ScopeKind, forget_grants
from vigil.core.errors import Forbidden, TransitionRefused, ValidationFailed
from vigil.core.models import AuditEvent, RoleGrant
from vigil.risk import rules, services
from vigil.risk.services import review

TODAY = dt.date(2026, 11, 28)
REVIEWS = {"sra": services.SRA_REVIEW, "plan": services.PLAN_REVIEW}


@pytest.fixture
def people(cast, user_with):
    return {
        "so": user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya),
        "do": user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya),
        "dro": user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.kenya),
    }


def _document(kind, cast, people, *, status="draft", approved_by=None, country_wide=False):
    """A document of either kind in a given state; the country's own one with
    ``country_wide``, else Nairobi's."""
    if kind == "sra":
        document = services.sra_create(actor=people["so"], data={
            "country": cast.kenya, "security_area": None if country_wide else cast.nbi_area,
            "title": "SRA", "valid_from": TODAY, "valid_until": TODAY, "review_due": TODAY})
    else:
        document = services.plan_create(actor=people["so"], data={
            "country": cast.kenya, "duty_station": None if country_wide else cast.nairobi,
            "title": "Plan", "review_due": TODAY})
    type(document).objects.filter(pk=document.pk).update(status=status,
                                                         approved_by=approved_by)
    document.refresh_from_db()
    return document


def _move(kind, actor, document, action, comment=""):
    return review.move(REVIEWS[kind], actor=actor, document=document, action=action,
                       version=document.version, comment=comment)


def test_both_tables_are_one_workflow_an_sra_adds_its_submission():
    sra, plan = rules.SRA_TRANSITIONS, rules.PLAN_TRANSITIONS
    assert set(sra) - set(plan) == {"submit"}
    assert (sra["approve"].sources, plan["approve"].sources) == ({"submitted"}, {"draft"})
    assert sra["endorse"] == plan["endorse"]
    assert sra["return"].sources == plan["return"].sources | {"submitted"}
    assert {t.target for t in plan.values()} < {t.target for t in sra.values()}
    assert rules.SUPERSEDE.target not in {t.target for t in sra.values()}


@pytest.mark.parametrize(("action", "state", "step"), [
    ("submit", "draft", "submit"), ("approve", "submitted", "approve"),
    ("approve", "draft", "approve"), ("endorse", "approved", "endorse"),
    ("return", "submitted", "approve"), ("return", "approved", "endorse"),
    ("return", "endorsed", "endorse"),
])
def test_a_return_is_for_whoever_holds_the_document(action, state, step):
    assert rules.review_step(action, state) == step


@pytest.mark.parametrize("kind", ["sra", "plan"])
def test_the_do_who_approved_does_not_endorse(kind, cast, people):
    RoleGrant.objects.create(user=people["do"], role=Role.DRO_DESK_OFFICER,
                             scope_kind=ScopeKind.COUNTRY, scope_id=cast.kenya.pk)
    forget_grants(people["do"])
    document = _document(kind, cast, people, status="approved", approved_by=people["do"])
    assert not review.may(REVIEWS[kind], people["do"], document, "endorse")
    assert review.may(REVIEWS[kind], people["dro"], document, "endorse")
    with pytest.raises(Forbidden):
        _move(kind, people["do"], document, "endorse")
    document.refresh_from_db()
    assert document.status == "approved"


@pytest.mark.parametrize("kind", ["sra", "plan"])
def test_a_return_needs_comments_and_starts_the_round_again(kind, cast, people):
    document = _document(kind, cast, people, status="approved", approved_by=people["do"])
    assert [who for who in people if review.may(REVIEWS[kind], people[who], document,
                                                 "return")] == ["dro"]
    with pytest.raises(ValidationFailed) as failure:
        _move(kind, people["dro"], document, "return", comment="  ")
    assert failure.value.errors[0].field == "comment"
    document = _move(kind, people["dro"], document, "return", comment="Add a route.")
    assert (document.status, document.approved_by, document.return_comment) == (
        "draft", None, "Add a route.")
    assert AuditEvent.objects.filter(action=f"risk.{kind}.return",
                                     object_id=str(document.pk)).exists()


@pytest.mark.parametrize("kind", ["sra", "plan"])
def test_endorsing_supersedes_what_was_in_force_for_the_same_place_only(kind, cast, people):
    same_place = _document(kind, cast, people, status="endorsed")
    country_wide = _document(kind, cast, people, status="endorsed", country_wide=True)
    new = _document(kind, cast, people, status="approved", approved_by=people["do"])
    new = _move(kind, people["dro"], new, "endorse")
    assert (new.status, new.endorsed_by) == ("endorsed", people["dro"])
    same_place.refresh_from_db()
    country_wide.refresh_from_db()
    assert (same_place.status, country_wide.status) == ("superseded", "endorsed")
    event = AuditEvent.objects.get(action=f"risk.{kind}.supersede")
    assert (event.object_id, event.changes["by"]) == (str(same_place.pk), new.pk)


@pytest.mark.parametrize("kind", ["sra", "plan"])
def test_a_move_outside_the_table_is_refused_saying_why(kind, cast, people):
    document = _document(kind, cast, people, status="endorsed")
    with pytest.raises(ValidationFailed) as failure:
        _move(kind, people["dro"], document, "explode")
    assert failure.value.errors[0].field == "action"
    with pytest.raises(TransitionRefused, match="cannot be returned"):
        _move(kind, people["dro"], document, "return", comment="Redo.")
    assert not review.may(REVIEWS[kind], people["dro"], document, "return")


@pytest.mark.parametrize("kind", ["sra", "plan"])
def test_a_document_changes_only_as_a_draft_at_the_version_read(kind, cast, people,
                                                                user_with):
    from vigil.core.authz import Perm
    from vigil.core.errors import StaleVersion
    from vigil.risk.services.common import require_draft

    perm = Perm.EDIT_SRA if kind == "sra" else Perm.EDIT_PLAN
    draft = _document(kind, cast, people)
    require_draft(people["so"], perm, draft, draft.version, "Not a draft.")
    with pytest.raises(Forbidden):
        require_draft(user_with(Role.TRAVELLER), perm, draft, draft.version, "Not a draft.")
    with pytest.raises(StaleVersion):
        require_draft(people["so"], perm, draft, draft.version - 1, "Not a draft.")
    approved = _document(kind, cast, people, status="approved")
    with pytest.raises(TransitionRefused, match=r"Not a draft\."):
        require_draft(people["so"], perm, approved, approved.version, "Not a draft.")

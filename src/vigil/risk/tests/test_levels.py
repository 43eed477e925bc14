"""Security levels: proposal from a threat assessment, review, approval or return, history,
the board of overdue reviews, notifications; allowed and refused, through services, pages
and the API."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, StaleVersion, TransitionRefused, ValidationFailed
from vigil.core.models import AuditEvent, Notification
from vigil.risk import rules, services
from vigil.risk.models import SecurityLevelReview


def ratings(likelihood="likely", impact="moderate", **overrides):
    base = {c: {"likelihood": likelihood, "impact": impact, "justification": "Reports."}
            for c in rules.THREAT_CATEGORIES}
    base.update(overrides)
    return base


@pytest.fixture
def officer(cast, user_with):
    user = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya, username="so")
    user.email = "so@un.example"
    user.save()
    return user


@pytest.fixture
def dro(cast, user_with):
    user = user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.kenya, username="dro")
    user.email = "dro@un.example"
    user.save()
    return user


@pytest.fixture
def proposal(cast, officer, dro):
    return services.security_level_propose(actor=officer, area=cast.nbi_area,
                                           ratings=ratings(), proposed_level=4)


def test_proposal_derives_the_level_and_tells_the_reviewers(cast, officer, dro,
                                                             django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        review = services.security_level_propose(actor=officer, area=cast.nbi_area,
                                                 ratings=ratings(), proposed_level=4)
    assert review.derived_level == 4  # likely (4) x moderate (3) = 12
    assert review.status == "proposed"
    note = Notification.objects.get(user=dro)
    assert "Greater Nairobi" in note.subject
    assert note.url == f"/risk/levels/{review.pk}/"
    assert [m.to for m in mail.outbox] == [["dro@un.example"]]
    assert AuditEvent.objects.filter(action="risk.security_level.propose").exists()


def test_a_level_other_than_the_derived_one_needs_a_justification(cast, officer):
    with pytest.raises(ValidationFailed) as failure:
        services.security_level_propose(actor=officer, area=cast.nbi_area, ratings=ratings(),
                                        proposed_level=5)
    assert failure.value.errors[0].field == "justification"
    review = services.security_level_propose(actor=officer, area=cast.nbi_area,
                                             ratings=ratings(), proposed_level=5,
                                             justification="Elections in March.")
    assert (review.derived_level, review.proposed_level) == (4, 5)


@pytest.mark.parametrize(("bad", "field"), [
    ({"crime": None}, "ratings.crime"),
    ({"crime": {"likelihood": "often", "impact": "minor", "justification": "x"}},
     "ratings.crime.likelihood"),
    ({"crime": {"likelihood": "likely", "impact": "vast", "justification": "x"}},
     "ratings.crime.impact"),
    ({"crime": {"likelihood": "likely", "impact": "minor", "justification": " "}},
     "ratings.crime.justification"),
    ({"piracy": {"likelihood": "likely", "impact": "minor", "justification": "x"}},
     "ratings.piracy"),
])
def test_each_bad_rating_is_named(cast, officer, bad, field):
    given = ratings(**bad)
    if bad.get("crime", "keep") is None:
        del given["crime"]
    with pytest.raises(ValidationFailed) as failure:
        services.security_level_propose(actor=officer, area=cast.nbi_area, ratings=given,
                                        proposed_level=4)
    assert field in [e.field for e in failure.value.errors]
    assert not SecurityLevelReview.objects.exists()


@pytest.mark.parametrize("level", [0, 7, "high"])
def test_level_out_of_range_is_refused(cast, officer, level):
    with pytest.raises(ValidationFailed) as failure:
        services.security_level_propose(actor=officer, area=cast.nbi_area, ratings=ratings(),
                                        proposed_level=level)
    assert failure.value.errors[0].field == "proposed_level"


def test_only_the_areas_officer_may_propose(cast, user_with):
    for user in (user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.somalia),
                 user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.kenya),
                 user_with(Role.TRAVELLER)):
        with pytest.raises(Forbidden):
            services.security_level_propose(actor=user, area=cast.nbi_area,
                                            ratings=ratings(), proposed_level=4)


def test_one_open_proposal_per_area(cast, officer, proposal):
    with pytest.raises(TransitionRefused):
        services.security_level_propose(actor=officer, area=cast.nbi_area, ratings=ratings(),
                                        proposed_level=4)


def test_review_then_approve_sets_the_next_review_and_history(cast, officer, dro, proposal):
    services.security_level_start_review(actor=dro, review=proposal, version=1)
    due = timezone.localdate() + dt.timedelta(days=180)
    approved = services.security_level_approve(actor=dro, review=proposal,
                                               next_review_due=due, comment="Agreed.",
                                               version=2)
    assert (approved.status, approved.next_review_due, approved.decided_by) == (
        "approved", due, dro)
    assert approved.review_days == 0
    assert Notification.objects.filter(user=officer, subject__contains="approved").exists()
    # A later proposal keeps the first in the history.
    second = services.security_level_propose(actor=officer, area=cast.nbi_area,
                                             ratings=ratings("very_unlikely", "minor"),
                                             proposed_level=1)
    assert second.derived_level == 1
    assert SecurityLevelReview.objects.filter(security_area=cast.nbi_area).count() == 2


def test_nobody_reviews_their_own_proposal(cast, user_with, dro):
    """A desk officer who also holds the field role may propose, but not decide it."""
    from vigil.core.models import RoleGrant

    both = user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    RoleGrant.objects.create(user=both, role=Role.SECURITY_OFFICER, scope_kind="country",
                             scope_id=cast.kenya.pk)
    own = services.security_level_propose(actor=both, area=cast.nbi_area, ratings=ratings(),
                                          proposed_level=4)
    for call in (lambda: services.security_level_start_review(actor=both, review=own,
                                                              version=1),
                 lambda: services.security_level_approve(
                     actor=both, review=own, version=1,
                     next_review_due=timezone.localdate() + dt.timedelta(days=30))):
        with pytest.raises(Forbidden, match="own proposal"):
            call()
    services.security_level_start_review(actor=dro, review=own, version=1)


def test_reviewer_outside_the_scope_is_refused(cast, user_with, proposal):
    outsider = user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.somalia)
    with pytest.raises(Forbidden):
        services.security_level_start_review(actor=outsider, review=proposal, version=1)


@pytest.mark.parametrize(("due", "field"), [
    (None, "next_review_due"), ("today", "next_review_due"), ("yesterday", "next_review_due")])
def test_approval_needs_a_future_review_date(cast, dro, proposal, due, field):
    today = timezone.localdate()
    date = {"today": today, "yesterday": today - dt.timedelta(days=1), None: None}[due]
    with pytest.raises(ValidationFailed) as failure:
        services.security_level_approve(actor=dro, review=proposal, next_review_due=date,
                                        version=1)
    assert failure.value.errors[0].field == field
    proposal.refresh_from_db()
    assert proposal.status == "proposed"


def test_return_needs_comments_and_resubmission_reopens(cast, officer, dro, proposal):
    with pytest.raises(ValidationFailed):
        services.security_level_return(actor=dro, review=proposal, comment=" ", version=1)
    returned = services.security_level_return(actor=dro, review=proposal,
                                              comment="Rate crime again.", version=1)
    assert returned.status == "returned"
    with pytest.raises(TransitionRefused):
        services.security_level_approve(actor=dro, review=returned, version=2,
                                        next_review_due=timezone.localdate()
                                        + dt.timedelta(days=9))
    again = services.security_level_resubmit(actor=officer, review=returned,
                                             ratings=ratings("likely", "minor"),
                                             proposed_level=3, version=2)
    assert (again.status, again.derived_level, again.decided_at) == ("proposed", 3, None)


def test_approved_review_cannot_move_again(cast, dro, proposal):
    services.security_level_approve(actor=dro, review=proposal, version=1,
                                    next_review_due=timezone.localdate() + dt.timedelta(9))
    for call in (lambda: services.security_level_return(actor=dro, review=proposal,
                                                        comment="x", version=2),
                 lambda: services.security_level_start_review(actor=dro, review=proposal,
                                                              version=2)):
        with pytest.raises(TransitionRefused):
            call()


def test_stale_decision_is_refused(cast, dro, proposal):
    services.security_level_start_review(actor=dro, review=proposal, version=1)
    with pytest.raises(StaleVersion):
        services.security_level_return(actor=dro, review=proposal, comment="x", version=1)


def test_changed_thresholds_change_the_derived_level(cast, officer, user_with):
    admin = user_with(Role.ADMINISTRATOR)
    services.risk_settings_update(actor=admin, level_thresholds=[[1, 1], [12, 6]], version=1)
    review = services.security_level_propose(actor=officer, area=cast.nbi_area,
                                             ratings=ratings(), proposed_level=6)
    assert review.derived_level == 6


def test_matrix_is_changed_by_a_global_administrator_only(cast, user_with):
    matrix = {k: dict(v) for k, v in rules.DEFAULT_MATRIX.items()}
    matrix["unlikely"]["critical"] = "high"
    with pytest.raises(Forbidden):
        services.risk_settings_update(
            actor=user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya),
            matrix=matrix, version=1)
    saved = services.risk_settings_update(actor=user_with(Role.ADMINISTRATOR), matrix=matrix,
                                          version=1)
    assert saved.matrix["unlikely"]["critical"] == "high"
    assert AuditEvent.objects.get(action="risk.settings.update").changes["matrix"]
    broken = {k: dict(v) for k, v in matrix.items()}
    broken["very_likely"]["critical"] = "low"
    with pytest.raises(ValidationFailed) as failure:
        services.risk_settings_update(actor=user_with(Role.ADMINISTRATOR), matrix=broken,
                                      version=2)
    assert failure.value.errors[0].field == "matrix"


# --- Pages ------------------------------------------------------------------------------------

def _form_data(level=4, **extra):
    data = {"proposed_level": str(level), "justification": ""}
    for c in rules.THREAT_CATEGORIES:
        data.update({f"{c}_likelihood": "likely", f"{c}_impact": "moderate",
                     f"{c}_justification": "Reports."})
    data.update(extra)
    return data


def test_officer_proposes_and_dro_approves_through_the_pages(cast, officer, dro, client):
    client.force_login(officer)
    response = client.post(f"/risk/areas/{cast.nbi_area.pk}/propose/", _form_data())
    review = SecurityLevelReview.objects.get()
    assert response["Location"] == f"/risk/levels/{review.pk}/"
    client.force_login(dro)
    board = client.get("/risk/levels/").content.decode()
    assert "Awaiting your review" in board
    due = (timezone.localdate() + dt.timedelta(days=90)).isoformat()
    response = client.post(f"/risk/levels/{review.pk}/approve/",
                           {"version": 1, "next_review_due": due, "comment": ""})
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.status == "approved"
    page = client.get(f"/risk/areas/{cast.nbi_area.pk}/").content.decode()
    assert "4 · Substantial" in page


def test_missing_justification_is_shown_beside_the_field(cast, officer, client):
    client.force_login(officer)
    response = client.post(f"/risk/areas/{cast.nbi_area.pk}/propose/",
                           _form_data(crime_justification=""))
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert not SecurityLevelReview.objects.exists()


def test_bad_approval_date_is_shown_and_nothing_changes(cast, dro, proposal, client):
    client.force_login(dro)
    response = client.post(f"/risk/levels/{proposal.pk}/approve/",
                           {"version": 1, "next_review_due": "2001-01-01"})
    assert response.status_code == 400
    assert "must be in the future" in response.content.decode()
    assert client.post(f"/risk/levels/{proposal.pk}/destroy/").status_code == 404


def test_board_shows_overdue_reviews_and_hides_other_countries(cast, dro, proposal, client,
                                                               user_with):
    SecurityLevelReview.objects.filter(pk=proposal.pk).update(
        status="approved", decided_at=timezone.now(),
        next_review_due=timezone.localdate() - dt.timedelta(days=3))
    client.force_login(dro)
    page = client.get("/risk/levels/?overdue_only=on").content.decode()
    assert "overdue by 3 days" in page
    assert "Greater Nairobi" in page
    client.force_login(user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.somalia))
    assert "Greater Nairobi" not in client.get("/risk/levels/").content.decode()
    assert client.get(f"/risk/levels/{proposal.pk}/").status_code == 404


def test_home_page_of_the_dro_lists_what_waits(cast, dro, proposal, client):
    client.force_login(dro)
    page = client.get("/").content.decode()
    assert "1 proposal awaits your review" in page


def test_level_map_geojson_carries_levels(cast, dro, proposal, client):
    cast.nbi_area.boundary = {"type": "Polygon", "coordinates": [
        [[36.6, -1.5], [37.0, -1.5], [37.0, -1.1], [36.6, -1.1], [36.6, -1.5]]]}
    cast.nbi_area.save()
    client.force_login(dro)
    data = client.get("/risk/levels/map.geojson").json()
    assert data["features"][0]["properties"]["level"] is None  # not approved yet
    assert client.get("/risk/levels/map/").status_code == 200


def test_risk_pages_refuse_roles_without_risk(cast, user_with, client):
    client.force_login(user_with(Role.TRAVELLER))
    assert client.get("/risk/levels/").status_code == 403
    assert client.get("/risk/settings/").status_code == 403


# --- API --------------------------------------------------------------------------------------

def test_api_propose_and_approve(cast, officer, dro, api):
    response = api(officer).post("/api/v1/security-levels/", {
        "security_area": cast.nbi_area.pk, "ratings": ratings(), "proposed_level": 4},
        format="json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    refused = api(officer).post(f"/api/v1/security-levels/{pk}/approve/",
                                {"version": 1, "next_review_due": "2099-01-01"},
                                format="json")
    assert refused.status_code == 403
    ok = api(dro).post(f"/api/v1/security-levels/{pk}/approve/",
                       {"version": 1, "next_review_due": "2099-01-01"}, format="json")
    assert ok.status_code == 200
    assert ok.json()["status"] == "approved"
    again = api(dro).post(f"/api/v1/security-levels/{pk}/return/",
                          {"version": 2, "comment": "x"}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "transition_refused"


def test_reviews_falling_due_are_reminded_once_per_stage(cast, officer, dro, proposal):
    from vigil.risk.tasks import send_review_reminders

    today = timezone.localdate()
    services.security_level_approve(actor=dro, review=proposal, version=1,
                                    next_review_due=today + dt.timedelta(days=20))
    Notification.objects.all().delete()
    assert send_review_reminders() == 1
    subjects = set(Notification.objects.values_list("user__username", "subject"))
    assert {u for u, _s in subjects} == {"so", "dro"}
    assert all("due on" in s for _u, s in subjects)
    assert send_review_reminders() == 0  # the same stage is never sent twice
    later = today + dt.timedelta(days=25)
    assert services.review_reminders_send(today=later) == 1  # now overdue: a new stage
    far = services.review_reminders_send(today=today - dt.timedelta(days=60))
    assert far == 0  # more than 30 days before: nothing yet


def test_withdrawn_proposal_frees_the_area(cast, officer, dro, proposal):
    services.security_level_return(actor=dro, review=proposal, comment="Redo.", version=1)
    with pytest.raises(Forbidden):
        services.security_level_withdraw(actor=dro, review=proposal, version=2)
    services.security_level_withdraw(actor=officer, review=proposal, version=2)
    assert proposal.status == "withdrawn"
    fresh = services.security_level_propose(actor=officer, area=cast.nbi_area,
                                            ratings=ratings(), proposed_level=4)
    assert fresh.pk != proposal.pk


def test_resubmission_keeps_the_first_proposal_time(cast, officer, dro, proposal):
    first = proposal.proposed_at
    services.security_level_return(actor=dro, review=proposal, comment="Redo.", version=1)
    again = services.security_level_resubmit(actor=officer, review=proposal,
                                             ratings=ratings(), proposed_level=4, version=2)
    assert again.proposed_at == first
    assert again.decision_comment == ""


def _settings_form(thresholds_text):
    data = {"version": 1, "level_thresholds": thresholds_text}
    for li in rules.LIKELIHOODS:
        for im in rules.IMPACTS:
            data[f"{li}__{im}"] = rules.DEFAULT_MATRIX[li][im]
    return data


def test_administrator_edits_thresholds_on_the_settings_page(cast, user_with, client):
    from vigil.risk.models import RiskSettings

    client.force_login(user_with(Role.ADMINISTRATOR))
    bad = client.post("/risk/settings/", _settings_form("1 = 1\nten = 4"))
    assert "lowest score = level" in bad.content.decode()
    falling = client.post("/risk/settings/", _settings_form("1 = 3\n10 = 2"))
    assert "Levels must rise with scores." in falling.content.decode()
    good = client.post("/risk/settings/", _settings_form("1 = 1\n5 = 3\n16 = 6"))
    assert good.status_code == 302
    assert RiskSettings.objects.get().level_thresholds == [[1, 1], [5, 3], [16, 6]]


def test_plans_falling_due_are_reminded(cast, user_with):
    from vigil.risk.models import SecurityPlan

    officer = user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    SecurityPlan.objects.create(country=cast.kenya, title="Kenya plan", status="endorsed",
                                review_due=timezone.localdate() + dt.timedelta(days=10))
    assert services.review_reminders_send() == 1
    assert Notification.objects.filter(user=officer, subject__contains="Kenya plan").exists()

"""Writes of host-country cooperation: allowed and refused per role and scope, every bad input
named by its field, nothing written half-way, every write audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from vigil.coordination import host_services as services
from vigil.coordination.models import (
    EngagementRating,
    HostAgreement,
    IncidentHandling,
    LiaisonMeeting,
)
from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import Forbidden, NotFound, StaleVersion, TransitionRefused, ValidationFailed
from vigil.core.models import AuditEvent
from vigil.incidents.models import AffectedPerson, Impact, Incident, IncidentCategory

TODAY = timezone.localdate()


def ago(days: int) -> dt.date:
    return TODAY - dt.timedelta(days=days)


@pytest.fixture
def officer(cast, user_with):
    return user_with(Role.SECURITY_OFFICER, ScopeKind.COUNTRY, cast.kenya)


def make_incident(cast, country, station, person=None, days=30):
    incident = Incident.objects.create(
        category=IncidentCategory.objects.get(code="crime"), title="Robbery of a staff member",
        occurred_at=timezone.now() - dt.timedelta(days=days), country=country,
        duty_station=station, time_zone="UTC")
    if person is not None:
        AffectedPerson.objects.create(incident=incident, person=person, impact=Impact.INJURED)
    return incident


@pytest.fixture
def incident(cast):
    return make_incident(cast, cast.kenya, cast.nairobi, cast.amina)


def _fields(exc):
    return {e.field for e in exc.value.errors}


def test_agreement_create_end_audited(cast, officer):
    row = services.agreement_create(actor=officer, data={
        "country": cast.kenya, "kind": "security_mou", "title": "Security MoU",
        "in_force_from": ago(100)})
    assert AuditEvent.objects.filter(action="coordination.host_agreement.create",
                                     object_id=str(row.pk)).exists()
    ended = services.agreement_end(actor=officer, agreement=row, version=row.version)
    assert ended.in_force_until == TODAY
    assert AuditEvent.objects.filter(action="coordination.host_agreement.end").exists()
    with pytest.raises(StaleVersion):
        services.agreement_update(actor=officer, agreement=ended, data={"title": "x"},
                                  version=1)


def test_agreement_bad_input_named(cast, officer):
    with pytest.raises(ValidationFailed) as exc:
        services.agreement_create(actor=officer, data={
            "country": cast.kenya, "kind": "nonsense", "title": "",
            "in_force_from": ago(10), "in_force_until": ago(20), "signed_on": ago(-5)})
    assert {"kind", "title", "in_force_until", "signed_on"} <= _fields(exc)
    assert not HostAgreement.objects.exists()


def test_agreement_ending_before_it_starts_or_twice_is_refused(cast, officer):
    row = services.agreement_create(actor=officer, data={
        "country": cast.kenya, "kind": "other", "title": "Letters", "in_force_from": ago(5)})
    with pytest.raises(ValidationFailed) as exc:
        services.agreement_end(actor=officer, agreement=row, version=row.version, on=ago(6))
    assert _fields(exc) == {"in_force_until"}
    row = services.agreement_end(actor=officer, agreement=row, version=row.version, on=ago(1))
    with pytest.raises(TransitionRefused):
        services.agreement_end(actor=officer, agreement=row, version=row.version)


@pytest.mark.parametrize(("role", "kind", "where", "allowed"), [
    (Role.SECURITY_OFFICER, ScopeKind.COUNTRY, "kenya", True),
    (Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, "kenya", True),
    (Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, "kenya", True),
    (Role.SECURITY_OFFICER, ScopeKind.COUNTRY, "somalia", False),
    (Role.SMT_MEMBER, ScopeKind.COUNTRY, "kenya", False),
    (Role.PROGRAMME_MANAGER, ScopeKind.GLOBAL, None, False),
    (Role.ADMINISTRATOR, ScopeKind.GLOBAL, None, False)])
def test_who_may_record_a_rating(cast, user_with, role, kind, where, allowed):
    actor = user_with(role, kind, getattr(cast, where) if where else None)
    data = {"country": cast.kenya, "period_start": dt.date(2025, 1, 1),
            "period_end": dt.date(2025, 3, 31), "score": 3, "justification": "Escorts given."}
    if allowed:
        row = services.rating_record(actor=actor, data=data)
        assert row.rated_by == actor
        assert AuditEvent.objects.filter(action="coordination.engagement_rating.create").exists()
    else:
        with pytest.raises(Forbidden):
            services.rating_record(actor=actor, data=data)
        assert not EngagementRating.objects.exists()


def test_rating_overlap_names_the_period_and_justification_is_required(cast, officer):
    services.rating_record(actor=officer, data={
        "country": cast.kenya, "period_start": dt.date(2025, 1, 1),
        "period_end": dt.date(2025, 3, 31), "score": 3, "justification": "Fair."})
    with pytest.raises(ValidationFailed) as exc:
        services.rating_record(actor=officer, data={
            "country": cast.kenya, "period_start": dt.date(2025, 3, 1),
            "period_end": dt.date(2025, 5, 31), "score": 4, "justification": "Better."})
    assert "2025-01-01/2025-03-31" in exc.value.for_field("period_start")[0]
    with pytest.raises(ValidationFailed) as exc:
        services.rating_record(actor=officer, data={
            "country": cast.kenya, "period_start": dt.date(2025, 4, 1),
            "period_end": dt.date(2025, 3, 31), "score": 9, "justification": " "})
    assert {"period_end", "score", "justification"} <= _fields(exc)
    # Next quarter, another country: fine.
    services.rating_record(actor=officer, data={
        "country": cast.kenya, "period_start": dt.date(2025, 4, 1),
        "period_end": dt.date(2025, 6, 30), "score": 4, "justification": "Better."})
    assert EngagementRating.objects.count() == 2


def test_rating_of_a_period_not_started_is_refused(cast, officer):
    with pytest.raises(ValidationFailed) as exc:
        services.rating_record(actor=officer, data={
            "country": cast.kenya, "period_start": ago(-1), "period_end": ago(-90),
            "score": 3, "justification": "Too early."})
    assert "period_start" in _fields(exc)


def test_rating_update_keeps_its_own_period(cast, officer):
    row = services.rating_record(actor=officer, data={
        "country": cast.kenya, "period_start": dt.date(2025, 1, 1),
        "period_end": dt.date(2025, 3, 31), "score": 3, "justification": "Fair."})
    row = services.rating_update(actor=officer, rating=row, version=row.version,
                                 data={"score": 4, "period_end": dt.date(2025, 3, 30)})
    assert (row.score, row.version) == (4, 2)


def test_support_station_and_agreement_must_be_of_the_country(cast, officer):
    other = HostAgreement.objects.create(country=cast.somalia, kind="other", title="SO",
                                         in_force_from=ago(10))
    with pytest.raises(ValidationFailed) as exc:
        services.support_create(actor=officer, data={
            "country": cast.kenya, "duty_station": cast.mogadishu, "agreement": other,
            "kind": "police_escort", "provider": "Police", "starts_on": ago(5),
            "ends_on": ago(6)})
    assert _fields(exc) == {"duty_station", "agreement", "ends_on"}
    row = services.support_create(actor=officer, data={
        "country": cast.kenya, "duty_station": cast.nairobi, "kind": "armed_guards",
        "provider": "Administration Police", "starts_on": ago(5), "strength": 4})
    ended = services.support_end(actor=officer, support=row, version=row.version)
    assert ended.ends_on == TODAY


def test_a_station_scoped_officer_cannot_create_country_support(cast, user_with):
    actor = user_with(Role.SECURITY_OFFICER, ScopeKind.DUTY_STATION, cast.nairobi)
    with pytest.raises(Forbidden):
        services.support_create(actor=actor, data={
            "country": cast.kenya, "kind": "armed_guards", "provider": "Police",
            "starts_on": ago(5)})


def test_meeting_follow_up_rules(cast, officer):
    with pytest.raises(ValidationFailed) as exc:
        services.meeting_record(actor=officer, data={
            "country": cast.kenya, "held_on": ago(-1), "host_authority": "Police",
            "topics": "", "follow_up_due": ago(3)})
    assert {"held_on", "topics", "follow_up"} <= _fields(exc)
    with pytest.raises(ValidationFailed) as exc:
        services.meeting_record(actor=officer, data={
            "country": cast.kenya, "held_on": ago(2), "host_authority": "Police",
            "topics": "Escorts", "follow_up": "Roster", "follow_up_due": ago(3)})
    assert _fields(exc) == {"follow_up_due"}
    row = services.meeting_record(actor=officer, data={
        "country": cast.kenya, "held_on": ago(2), "host_authority": "Police",
        "topics": "Escorts", "follow_up": "Roster", "follow_up_due": ago(-10)})
    assert row.recorded_by == officer
    assert LiaisonMeeting.objects.count() == 1
    assert AuditEvent.objects.filter(action="coordination.liaison_meeting.create").exists()


def test_handling_once_per_incident_against_personnel(cast, officer, incident):
    row = services.handling_record(actor=officer, incident_id=incident.pk, data={
        "investigation": "open", "arrests": 1, "prosecution": "charged",
        "reported_on": incident.occurred_at.date()})
    assert row.country == cast.kenya
    assert AuditEvent.objects.filter(action="coordination.incident_handling.create").exists()
    with pytest.raises(ValidationFailed) as exc:
        services.handling_record(actor=officer, incident_id=incident.pk,
                                 data={"investigation": "reported"})
    assert _fields(exc) == {"incident"}
    with pytest.raises(ValidationFailed) as exc:
        services.handling_update(actor=officer, handling=row, version=row.version, data={
            "investigation": "closed_unsolved", "reported_on": ago(40)})
    assert _fields(exc) == {"prosecution", "reported_on"}
    row.refresh_from_db()
    assert row.investigation == "open"


def test_handling_refused_without_personnel_affected_or_out_of_scope(cast, officer,
                                                                    user_with):
    plain = make_incident(cast, cast.kenya, cast.nairobi)
    with pytest.raises(NotFound):
        services.handling_record(actor=officer, incident_id=plain.pk,
                                 data={"investigation": "reported"})
    somali = make_incident(cast, cast.somalia, cast.mogadishu, cast.fatuma)
    with pytest.raises(NotFound):
        services.handling_record(actor=officer, incident_id=somali.pk,
                                 data={"investigation": "reported"})
    # Sees the incident (SMT member reads incidents) but may not record: refused.
    member = user_with(Role.SMT_MEMBER, ScopeKind.COUNTRY, cast.somalia)
    with pytest.raises(Forbidden):
        services.handling_record(actor=member, incident_id=somali.pk,
                                 data={"investigation": "reported"})
    assert not IncidentHandling.objects.exists()

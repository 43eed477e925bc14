"""Re-clearance where a user needs it: when a designated official changes an area's controls,
and (through requests_reclear_changed, which a periodic task runs) when a security level, a
control, an advisory or the travel settings changed. A re-clearance judges the lead time as
it was judged when the request was filed. And the bulk writes (COPY on PostgreSQL) write the
same rows and the same audit chain as one by one."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from vigil.core import audit
from vigil.core.authz import Role, ScopeKind
from vigil.core.models import AuditEvent
from vigil.travel import selectors, services
from vigil.travel.models import Advisory, AreaControl, Clearance, Presence, TravelRequest
from vigil.travel.tests.conftest import set_level

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(user_with: Any) -> Any:
    return user_with(Role.ADMINISTRATOR, username="travel-admin")


def submitted(admin: Any, person: Any, trip: Any, place: Any, days: int) -> TravelRequest:
    return services.request_create(
        actor=admin, traveller=person, data={"purpose": "Mission"},
        segments=trip.there_and_back(place, days_ahead=days, origin=person.duty_station),
        submit=True)


def codes(request: TravelRequest) -> list[list[str]]:
    return [[r.code for r in c.reason_list]
            for c in Clearance.objects.filter(request=request).order_by("position")]


def later(days: float) -> Any:
    moment = timezone.now() + dt.timedelta(days=days)
    return mock.patch("django.utils.timezone.now", return_value=moment)


def test_reclearing_does_not_hold_a_trip_whose_day_came_closer(cast, levels, traveller, trip,
                                                               admin):
    request = submitted(admin, cast.amina, trip, cast.mombasa, 20)
    assert request.status == TravelRequest.Status.CLEARED
    with later(17):  # arrival three days away: a request filed now would be late
        done = services.requests_reclear(actor=None)
    assert (done.read, done.changed) == (1, 0)
    request.refresh_from_db()
    assert request.status == TravelRequest.Status.CLEARED
    assert codes(request) == [[]]


def test_reclearing_keeps_the_lead_time_of_a_late_request_in_its_words(cast, levels, traveller,
                                                                       trip, admin):
    request = submitted(admin, cast.amina, trip, cast.mombasa, 3)
    assert request.status == TravelRequest.Status.PENDING
    stored = Clearance.objects.get(request=request).reasons
    with later(1):  # one day fewer left: the reason stands as filed, nothing is rewritten
        done = services.requests_reclear(actor=None)
    assert (done.read, done.changed) == (1, 0)
    assert Clearance.objects.get(request=request).reasons == stored
    set_level(levels["mba"], 4, admin)
    with later(1):  # a level change is written, and the late filing still needs approval
        done = services.requests_reclear(actor=None)
    assert done.changed == 1
    assert codes(request) == [["level_manual", "lead_time"]]
    lead = [r for r in Clearance.objects.get(request=request).reasons
            if r["code"] == "lead_time"]
    assert lead == [r for r in stored if r["code"] == "lead_time"]


def test_changed_facts_reclear_the_trips_they_concern(cast, levels, traveller, trip, admin):
    mombasa = submitted(admin, cast.amina, trip, cast.mombasa, 20)
    mogadishu = submitted(admin, cast.amina, trip, cast.mogadishu, 40)
    assert mombasa.status == TravelRequest.Status.CLEARED
    assert mogadishu.status == TravelRequest.Status.PENDING
    since = timezone.now()
    assert services.requests_reclear_changed(since=since).read == 0  # nothing changed
    set_level(levels["mba"], 4, admin)
    done = services.requests_reclear_changed(since=since)
    assert (done.read, done.changed) == (1, 1)  # only the trip to Mombasa
    mombasa.refresh_from_db()
    assert mombasa.status == TravelRequest.Status.PENDING
    event = AuditEvent.objects.get(action="travel.request.reclear.outcome")
    assert event.actor_id is None
    assert event.object_id == str(mombasa.pk)
    # A level approved before the window is not read again.
    assert services.requests_reclear_changed(since=timezone.now()).read == 0
    # An advisory in Somalia concerns the trips that stop there.
    since = timezone.now()
    Advisory.objects.create(country=cast.somalia, level=4, title="Unrest", text="Unrest.",
                            issued_on=timezone.localdate())
    done = services.requests_reclear_changed(since=since)
    assert done.read == 1
    assert "advisory" in codes(TravelRequest.objects.get(pk=mogadishu.pk))[0]
    # The travel settings concern every open trip.
    since = timezone.now()
    selectors.travel_settings().save()
    assert services.requests_reclear_changed(since=since).read == 2
    assert audit.verify()[1] is None


def test_an_official_closing_an_area_reclears_the_trips_there(cast, levels, traveller, trip,
                                                             admin, user_with):
    official = user_with(Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY, cast.kenya)
    mombasa = submitted(admin, cast.amina, trip, cast.mombasa, 20)
    elsewhere = submitted(admin, cast.amina, trip, cast.mogadishu, 40)
    versions = dict(TravelRequest.objects.values_list("pk", "version"))
    services.area_control_save(actor=official, area=levels["mba"], data={"closed": True})
    mombasa.refresh_from_db()
    assert mombasa.status == TravelRequest.Status.REFUSED
    assert codes(mombasa) == [["area_closed"]]
    assert not Presence.objects.filter(request=mombasa).exists()
    elsewhere.refresh_from_db()
    assert elsewhere.version == versions[elsewhere.pk]  # not read, not written
    # Saving the same controls again re-clears nothing.
    count = AuditEvent.objects.filter(action="travel.request.reclear.outcome").count()
    control = AreaControl.objects.get(security_area=levels["mba"])
    services.area_control_save(actor=official, area=levels["mba"], data={"closed": True},
                               version=control.version)
    assert AuditEvent.objects.filter(action="travel.request.reclear.outcome").count() == count
    # Opening it again leaves the refusal as it is (a refused request is not open: the
    # traveller amends it), and a trip filed since is cleared.
    control.refresh_from_db()
    services.area_control_save(actor=official, area=levels["mba"], data={"closed": False},
                               version=control.version)
    mombasa.refresh_from_db()
    assert mombasa.status == TravelRequest.Status.REFUSED
    assert submitted(admin, cast.amina, trip, cast.mombasa, 60).status == \
        TravelRequest.Status.CLEARED
    assert audit.verify()[1] is None


def test_bulk_writes_match_one_by_one_writes(cast, levels, traveller, trip, admin):
    """Enough requests that every bulk write takes PostgreSQL's COPY: the same clearances,
    presences and audit chain as the model's own writes."""
    made = [services.request_create(
        actor=admin, traveller=cast.amina, data={"purpose": f"Trip {i}"},
        segments=trip.there_and_back(cast.mombasa, days_ahead=20 + 6 * i,
                                     origin=cast.amina.duty_station)) for i in range(25)]
    done = services.requests_submit_many(actor=admin, requests=made)
    assert done.changed == 25
    assert Clearance.objects.filter(request__in=made).count() == 25
    assert Presence.objects.filter(request__in=made).count() == 25 * 5
    for request in TravelRequest.objects.filter(pk__in=[m.pk for m in made]):
        assert request.status == TravelRequest.Status.CLEARED
        stop = request.clearances.get()
        assert (stop.status, stop.reasons, stop.decided_as) == (
            Clearance.Status.CLEARED, [], "rules")
    events = AuditEvent.objects.filter(action="travel.request.submit.outcome")
    assert events.count() == 25
    assert events.first().changes["status"] == ["draft", "cleared"]
    assert audit.verify()[1] is None


def under_review(area: Any, level: int) -> Any:
    """A proposal of ``level`` for ``area``, taken for review (by someone other than the
    decider)."""
    from django.contrib.auth import get_user_model

    from vigil.risk.models import SecurityLevelReview

    proposer = get_user_model().objects.create_user(username=f"proposer-{area.pk}")
    return SecurityLevelReview.objects.create(
        security_area=area, ratings={}, derived_level=level, proposed_level=level,
        status=SecurityLevelReview.Status.UNDER_REVIEW, proposed_by=proposer,
        proposed_at=timezone.now())


@pytest.fixture
def dro(cast: Any, user_with: Any) -> Any:
    return user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.kenya, username="dro")


def test_an_approved_level_reclears_the_trips_of_its_area_once_committed(
        cast, levels, traveller, trip, admin, dro, django_capture_on_commit_callbacks):
    from vigil.risk.services import security_level_approve

    mombasa = submitted(admin, cast.amina, trip, cast.mombasa, 20)
    nairobi = submitted(admin, cast.amina, trip, cast.nairobi, 40)
    assert (mombasa.status, nairobi.status) == (TravelRequest.Status.CLEARED,) * 2
    review = under_review(levels["mba"], 4)
    due = timezone.localdate() + dt.timedelta(days=90)
    with django_capture_on_commit_callbacks(execute=False) as pending:
        security_level_approve(actor=dro, review=review, next_review_due=due,
                               version=review.version)
    mombasa.refresh_from_db()
    assert mombasa.status == TravelRequest.Status.CLEARED  # not before the commit
    for callback in pending:
        callback()
    mombasa.refresh_from_db()
    nairobi.refresh_from_db()
    assert mombasa.status == TravelRequest.Status.PENDING
    assert codes(mombasa) == [["level_manual"]]
    assert nairobi.status == TravelRequest.Status.CLEARED  # another area: not touched
    assert AuditEvent.objects.filter(action="travel.request.reclear.outcome",
                                     object_id=str(mombasa.pk)).count() == 1


def test_a_returned_level_reclears_nothing(cast, levels, traveller, trip, admin, dro,
                                          django_capture_on_commit_callbacks):
    from vigil.risk.services import security_level_return

    mombasa = submitted(admin, cast.amina, trip, cast.mombasa, 20)
    review = under_review(levels["mba"], 4)
    with django_capture_on_commit_callbacks(execute=True):
        security_level_return(actor=dro, review=review, comment="More reports.",
                              version=review.version)
    mombasa.refresh_from_db()
    assert mombasa.status == TravelRequest.Status.CLEARED
    assert not AuditEvent.objects.filter(action="travel.request.reclear.outcome").exists()


def test_the_periodic_task_reclears_what_changed_in_its_window_and_runs_alone(
        cast, levels, traveller, trip, admin):
    from vigil.core.tests.lock_holder import held_elsewhere
    from vigil.travel import tasks

    mombasa = submitted(admin, cast.amina, trip, cast.mombasa, 20)
    since = timezone.now().isoformat()  # the fixture's levels were set just before
    assert tasks.reclear_changed(since=since) == {"read": 0, "changed": 0, "statuses": {}}
    set_level(levels["mba"], 4, admin)
    with held_elsewhere(tasks.LOCK):  # another run under way: this one stands aside
        assert tasks.reclear_changed() is None
    mombasa.refresh_from_db()
    assert mombasa.status == TravelRequest.Status.CLEARED
    # Outside its window (a change older than two intervals) nothing is read...
    long_after = (timezone.now() + dt.timedelta(seconds=3 * tasks.INTERVAL)).isoformat()
    assert tasks.reclear_changed(since=long_after)["read"] == 0
    # ... within it, the trip is cleared again under the new level.
    done = tasks.reclear_changed()
    assert (done["read"], done["changed"]) == (1, 1)
    mombasa.refresh_from_db()
    assert mombasa.status == TravelRequest.Status.PENDING

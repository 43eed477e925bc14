"""Travel requests through their services: drafts, submission and the three outcomes,
approval and refusal by the right officer, amendment, cancellation, and bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from vigil.core.errors import Forbidden, StaleVersion, TransitionRefused, ValidationFailed
from vigil.core.models import AuditEvent, Notification
from vigil.travel import services, whereabouts
from vigil.travel.models import Clearance, Delegation, Presence, Segment, TravelRequest

pytestmark = pytest.mark.django_db


def codes(request):
    return sorted({r["code"] for c in request.clearances.all() for r in c.reasons})


def test_a_draft_is_saved_without_running_the_rules(cast, traveller, trip, levels):
    request = services.request_create(actor=traveller, traveller=cast.amina,
                                      data={"purpose": "Workshop"},
                                      segments=trip.there_and_back(cast.mombasa))
    assert request.status == TravelRequest.Status.DRAFT
    assert request.segments.count() == 2
    assert not request.clearances.exists()
    assert not Presence.objects.exists()
    assert AuditEvent.objects.filter(action="travel.request.create").count() == 1


def test_a_level_2_trip_far_ahead_is_cleared_automatically(cast, traveller, trip, levels):
    request = services.request_create(actor=traveller, traveller=cast.amina,
                                      data={"purpose": "Workshop"},
                                      segments=trip.there_and_back(cast.mombasa), submit=True)
    assert request.status == TravelRequest.Status.CLEARED
    assert list(request.clearances.values_list("status", flat=True)) == ["cleared"]
    assert Presence.objects.filter(request=request, cleared=True).exists()


def test_a_level_5_trip_waits_for_the_officer_of_the_destination(
        cast, traveller, trip, levels, kenya_officer, somalia_officer):
    request = services.request_create(actor=traveller, traveller=cast.amina,
                                      data={"purpose": "Assessment"},
                                      segments=trip.there_and_back(cast.mogadishu), submit=True)
    assert request.status == TravelRequest.Status.PENDING
    clearance = request.clearances.get()
    assert clearance.status == Clearance.Status.PENDING
    assert clearance.level == 5
    assert codes(request) == ["level_manual"]
    assert "level 5" in clearance.reason_list[0].message()
    assert services.approvers_of(clearance) == [somalia_officer]
    assert Notification.objects.filter(user=somalia_officer).count() == 1
    assert not Notification.objects.filter(user=kenya_officer).exists()
    # The officer of another country may not decide it.
    with pytest.raises(Forbidden):
        services.clearance_decide(actor=kenya_officer, clearance=clearance, approve=True,
                                  comment="")
    services.clearance_decide(actor=somalia_officer, clearance=clearance, approve=True,
                              comment="Stay in the MIA compound.")
    request.refresh_from_db()
    assert request.status == TravelRequest.Status.CLEARED
    assert Notification.objects.filter(user=traveller, subject__contains="cleared").exists()
    middle = request.segments.first().arrives_at + dt.timedelta(hours=5)
    found = whereabouts.who_is_in(middle, area=levels["mgq"])
    assert {(w.person_id, w.dependant_id, w.basis) for w in found} == {
        (cast.amina.pk, None, "stay"),  # the traveller, and Fatuma's household at home
        (cast.fatuma.pk, None, "residence"), (cast.fatuma.pk, cast.fatuma_spouse.pk, "residence")}
    before = request.segments.first().departs_at - dt.timedelta(minutes=1)
    assert cast.amina.pk not in {w.person_id for w in whereabouts.who_is_in(
        before, area=levels["mgq"])}


def test_an_officer_refuses_with_a_comment_only(cast, traveller, trip, levels, somalia_officer):
    request = services.request_create(actor=traveller, traveller=cast.amina,
                                      data={"purpose": "Assessment"},
                                      segments=trip.there_and_back(cast.mogadishu), submit=True)
    clearance = request.clearances.get()
    with pytest.raises(ValidationFailed) as caught:
        services.clearance_decide(actor=somalia_officer, clearance=clearance, approve=False,
                                  comment=" ")
    assert caught.value.errors[0].field == "comment"
    services.clearance_decide(actor=somalia_officer, clearance=clearance, approve=False,
                              comment="Elections: no visits this week.")
    request.refresh_from_db()
    assert request.status == TravelRequest.Status.REFUSED
    assert not Presence.objects.filter(request=request).exists()
    with pytest.raises(TransitionRefused):
        services.clearance_decide(actor=somalia_officer, clearance=clearance, approve=True,
                                  comment="")


def test_no_bsafe_is_refused_by_the_rules(cast, traveller, trip, levels):
    cast.amina.training_completions.all().delete()
    request = services.request_create(actor=traveller, traveller=cast.amina,
                                      data={"purpose": "Workshop"},
                                      segments=trip.there_and_back(cast.mombasa), submit=True)
    assert request.status == TravelRequest.Status.REFUSED
    assert codes(request) == ["bsafe_missing"]


def test_amending_a_cleared_trip_runs_the_rules_again(cast, traveller, trip, levels,
                                                      somalia_officer):
    request = services.request_create(actor=traveller, traveller=cast.amina,
                                      data={"purpose": "Workshop"},
                                      segments=trip.there_and_back(cast.mombasa), submit=True)
    assert request.status == TravelRequest.Status.CLEARED
    services.request_update(actor=traveller, request=request, data={},
                            segments=trip.there_and_back(cast.mogadishu), dependants=None,
                            version=request.version)
    request.refresh_from_db()
    assert request.status == TravelRequest.Status.PENDING
    assert AuditEvent.objects.filter(action="travel.request.amend").exists()
    # An approval survives an amendment that leaves the stop as it was.
    services.clearance_decide(actor=somalia_officer, clearance=request.clearances.get(),
                              approve=True, comment="ok")
    request.refresh_from_db()
    services.request_update(actor=traveller, request=request, data={"purpose": "Workshop 2"},
                            segments=None, dependants=None, version=request.version)
    request.refresh_from_db()
    assert request.status == TravelRequest.Status.CLEARED
    with pytest.raises(StaleVersion):
        services.request_update(actor=traveller, request=request, data={"purpose": "x"},
                                segments=None, dependants=None, version=1)


def test_cancelling(cast, traveller, trip, levels):
    request = services.request_create(actor=traveller, traveller=cast.amina,
                                      data={"purpose": "Workshop"},
                                      segments=trip.there_and_back(cast.mombasa), submit=True)
    with pytest.raises(ValidationFailed):
        services.request_cancel(actor=traveller, request=request, reason="",
                                version=request.version)
    services.request_cancel(actor=traveller, request=request, reason="Workshop postponed",
                            version=request.version)
    request.refresh_from_db()
    assert request.status == TravelRequest.Status.CANCELLED
    assert not Presence.objects.filter(request=request).exists()
    with pytest.raises(TransitionRefused):
        services.request_cancel(actor=traveller, request=request, reason="again",
                                version=request.version)
    with pytest.raises(TransitionRefused):
        services.request_update(actor=traveller, request=request, data={"purpose": "x"},
                                segments=None, dependants=None, version=request.version)


def test_only_the_traveller_or_a_named_assistant_may_file(cast, traveller, trip, levels,
                                                          user_with):
    stranger = user_with(None, username="stranger")
    with pytest.raises(Forbidden):
        services.request_create(actor=stranger, traveller=cast.amina, data={"purpose": "x"})
    services.delegation_add(actor=traveller, person=cast.amina, assistant=stranger)
    assert Delegation.objects.filter(person=cast.amina, assistant=stranger).exists()
    request = services.request_create(actor=stranger, traveller=cast.amina,
                                      data={"purpose": "Filed by the assistant"},
                                      segments=trip.there_and_back(cast.mombasa), submit=True)
    assert request.requested_by == stranger
    assert request.status == "cleared"


def test_bad_itineraries_name_the_row_and_field(cast, traveller, trip, levels):
    start = (timezone.now() + dt.timedelta(days=20)).replace(tzinfo=None, microsecond=0)
    backwards = trip.leg(cast.nairobi, cast.mombasa, start, hours=-3)
    nowhere = {"origin_station": cast.mombasa, "destination_name": "", "departs_local": start,
               "arrives_local": start, "mode": "road"}
    with pytest.raises(ValidationFailed) as caught:
        services.request_create(actor=traveller, traveller=cast.amina,
                                data={"purpose": "x"}, segments=[backwards, nowhere])
    fields = {e.field for e in caught.value.errors}
    assert "segments[0].arrives_local" in fields
    assert {"segments[1].destination_name", "segments[1].destination_country",
            "segments[1].destination_latitude"} <= fields
    assert not TravelRequest.objects.exists()


def test_a_segment_the_model_refuses_is_named_by_row_and_field(cast, traveller, trip, levels):
    start = (timezone.now() + dt.timedelta(days=20)).replace(tzinfo=None, microsecond=0)
    with pytest.raises(ValidationFailed) as caught:
        services.request_create(actor=traveller, traveller=cast.amina, data={"purpose": "x"},
                                segments=[trip.leg(cast.nairobi, cast.mombasa, start,
                                                   flight_number="no such flight")])
    assert {e.field for e in caught.value.errors} == {"segments[0].flight_number"}
    assert not TravelRequest.objects.exists()


def test_a_fault_in_the_code_is_not_taken_for_a_valid_segment(cast, traveller, trip, levels,
                                                               monkeypatch):
    def broken(self, **kwargs):
        raise LookupError("a bug, not bad input")

    monkeypatch.setattr(Segment, "full_clean", broken)
    with pytest.raises(LookupError):
        services.request_create(actor=traveller, traveller=cast.amina, data={"purpose": "x"},
                                segments=trip.there_and_back(cast.mombasa))
    assert not TravelRequest.objects.exists()


def test_a_local_time_the_clocks_skip_is_refused(cast, traveller, trip, levels):
    cast.nairobi.time_zone = "Europe/Paris"  # spring forward: 2027-03-28 02:30 does not exist
    cast.nairobi.save()
    leg = trip.leg(cast.nairobi, cast.mombasa, dt.datetime(2027, 3, 28, 2, 30))  # noqa: DTZ001 - local time
    with pytest.raises(ValidationFailed) as caught:
        services.request_create(actor=traveller, traveller=cast.amina, data={"purpose": "x"},
                                segments=[leg])
    assert caught.value.errors[0].field == "segments[0].departs_local"


def test_a_one_way_trip_must_say_how_long_the_stay_lasts(cast, traveller, trip, levels):
    start = (timezone.now() + dt.timedelta(days=20)).replace(tzinfo=None, microsecond=0)
    with pytest.raises(ValidationFailed) as caught:
        services.request_create(actor=traveller, traveller=cast.amina, data={"purpose": "x"},
                                segments=[trip.leg(cast.nairobi, cast.mombasa, start)],
                                submit=True)
    assert caught.value.errors[0].field == "segments[0].stays_until_local"
    request = services.request_create(
        actor=traveller, traveller=cast.amina, data={"purpose": "x"}, submit=True,
        segments=[trip.leg(cast.nairobi, cast.mombasa, start,
                           stays_until_local=start + dt.timedelta(days=5))])
    assert request.status == "cleared"
    assert request.ends_at - request.starts_at == dt.timedelta(days=5)


def test_an_unsuitable_operator_on_the_way_home_makes_the_stop_manual(cast, traveller, trip,
                                                                      levels, airline):
    from vigil.travel.models import AirOperator

    bad = AirOperator.objects.create(name="Risky Air", iata="RX", icao="RSK",
                                     suitability=AirOperator.Suitability.UNSUITABLE)
    legs = trip.there_and_back(cast.mombasa)
    legs[1]["operator"] = bad
    request = services.request_create(actor=traveller, traveller=cast.amina,
                                      data={"purpose": "x"}, segments=legs, submit=True)
    assert request.status == TravelRequest.Status.PENDING
    assert codes(request) == ["operator_unsuitable"]


def test_cancelling_tells_the_officer_who_was_asked(cast, traveller, trip, levels,
                                                   somalia_officer):
    request = services.request_create(actor=traveller, traveller=cast.amina,
                                      data={"purpose": "x"},
                                      segments=trip.there_and_back(cast.mogadishu), submit=True)
    assert request.status == TravelRequest.Status.PENDING
    services.request_cancel(actor=traveller, request=request, reason="Not needed",
                            version=request.version)
    assert Notification.objects.filter(user=somalia_officer,
                                       subject__contains="cancelled").exists()

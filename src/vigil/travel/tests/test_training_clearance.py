"""Clearance reads training: BSAFE over the whole trip, SSAFE over a stop that requires it, and
the travelling dependants a course concerns (training decides: applies to dependants, their
age). Course validity lives on the course (its months), not in the travel settings."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from vigil.people.models import Dependant
from vigil.training.models import Course
from vigil.travel import services
from vigil.travel.models import AreaControl, TravelRequest
from vigil.travel.tests.conftest import hold

pytestmark = pytest.mark.django_db


def reasons(request: TravelRequest) -> list[dict[str, Any]]:
    return [r for c in request.clearances.order_by("position") for r in c.reasons]


def codes(request: TravelRequest) -> list[str]:
    return sorted({r["code"] for r in reasons(request)})


def file(actor: Any, person: Any, segments: list[dict[str, Any]],
         dependants: list[Dependant] | None = None) -> TravelRequest:
    return services.request_create(actor=actor, traveller=person, data={"purpose": "Workshop"},
                                   segments=segments, dependants=dependants or [], submit=True)


def dependant(person: Any, given: str, born: dt.date) -> Dependant:
    return Dependant.objects.create(person=person, family_name="Wanjiru", given_name=given,
                                    relationship="child", date_of_birth=born)


def years_ago(years: int, days: int = 0) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years) - dt.timedelta(days=days)


# --- BSAFE of the traveller, across the trip --------------------------------------------------

def test_bsafe_valid_across_the_trip_clears(cast, traveller, trip, levels):
    request = file(traveller, cast.amina, trip.there_and_back(cast.mombasa))
    assert codes(request) == []
    assert request.status == TravelRequest.Status.CLEARED


def test_bsafe_missing_refuses(cast, traveller, trip, levels):
    cast.amina.training_completions.all().delete()
    request = file(traveller, cast.amina, trip.there_and_back(cast.mombasa))
    assert request.status == TravelRequest.Status.REFUSED
    assert codes(request) == ["bsafe_missing"]


def test_a_revoked_bsafe_is_missing(cast, traveller, trip, levels):
    cast.amina.training_completions.update(revoked=True)
    request = file(traveller, cast.amina, trip.there_and_back(cast.mombasa))
    assert codes(request) == ["bsafe_missing"]


def test_bsafe_expiring_during_the_trip_refuses_with_its_date(cast, traveller, trip, levels):
    """A course with a configured expiry: valid on the first day, no longer on the last."""
    Course.objects.filter(code="BSAFE").update(validity_months=36)
    cast.amina.training_completions.all().delete()
    passed = timezone.localdate() - dt.timedelta(days=400)
    expires = timezone.localdate() + dt.timedelta(days=31)  # the trip runs days 30 to 33
    hold(cast.amina, "BSAFE", passed, expires)
    request = file(traveller, cast.amina, trip.there_and_back(cast.mombasa))
    assert request.status == TravelRequest.Status.REFUSED
    assert codes(request) == ["bsafe_expired"]
    (reason,) = {r["code"]: r for r in reasons(request)}.values()
    assert reason["params"]["date"] == passed.isoformat()


def test_bsafe_expiring_after_the_trip_clears(cast, traveller, trip, levels):
    cast.amina.training_completions.all().delete()
    hold(cast.amina, "BSAFE", timezone.localdate() - dt.timedelta(days=400),
         timezone.localdate() + dt.timedelta(days=60))
    assert codes(file(traveller, cast.amina, trip.there_and_back(cast.mombasa))) == []


def test_bsafe_completed_only_after_the_trip_starts_is_not_valid(cast, traveller, trip, levels):
    cast.amina.training_completions.all().delete()
    hold(cast.amina, "BSAFE", timezone.localdate() + dt.timedelta(days=31))
    assert codes(file(traveller, cast.amina, trip.there_and_back(cast.mombasa))) == [
        "bsafe_missing"]
    later = file(traveller, cast.amina, trip.there_and_back(cast.mombasa, days_ahead=60))
    assert codes(later) == []


def test_a_dependants_bsafe_does_not_count_for_the_traveller(cast, traveller, trip, levels):
    cast.amina.training_completions.all().delete()
    spouse = dependant(cast.amina, "Joseph", years_ago(40))
    hold(cast.amina, "BSAFE", timezone.localdate() - dt.timedelta(days=10), dependant=spouse)
    request = file(traveller, cast.amina, trip.there_and_back(cast.mombasa), [spouse])
    assert codes(request) == ["bsafe_missing"]


# --- SSAFE where the area requires it -----------------------------------------------------------

@pytest.fixture
def ssafe_in_mombasa(levels: Any) -> AreaControl:
    setter = get_user_model().objects.create_user(username="do-ke")
    return AreaControl.objects.create(security_area=levels["mba"], ssafe_required=True,
                                      set_by=setter)


def test_ssafe_required_in_a_controlled_area_refuses_without_it(
        cast, traveller, trip, ssafe_in_mombasa):
    request = file(traveller, cast.amina, trip.there_and_back(cast.mombasa))
    assert request.status == TravelRequest.Status.REFUSED
    assert codes(request) == ["ssafe_required"]


def test_ssafe_valid_over_the_stay_clears(cast, traveller, trip, ssafe_in_mombasa):
    hold(cast.amina, "SSAFE", timezone.localdate() - dt.timedelta(days=100),
         timezone.localdate() + dt.timedelta(days=900))
    assert codes(file(traveller, cast.amina, trip.there_and_back(cast.mombasa))) == []


def test_ssafe_expiring_during_the_stay_refuses(cast, traveller, trip, ssafe_in_mombasa):
    hold(cast.amina, "SSAFE", timezone.localdate() - dt.timedelta(days=1000),
         timezone.localdate() + dt.timedelta(days=32))  # the stay is days 30 to 33
    assert codes(file(traveller, cast.amina, trip.there_and_back(cast.mombasa))) == [
        "ssafe_required"]


def test_ssafe_is_not_asked_where_the_area_does_not_require_it(cast, traveller, trip, levels):
    assert codes(file(traveller, cast.amina, trip.there_and_back(cast.mombasa))) == []


def test_a_dependant_concerned_by_ssafe_is_named(cast, traveller, trip, ssafe_in_mombasa):
    Course.objects.filter(code="SSAFE").update(applies_to_dependants=True)
    spouse = dependant(cast.amina, "Joseph", years_ago(40))
    hold(cast.amina, "SSAFE", timezone.localdate() - dt.timedelta(days=10))
    hold(cast.amina, "BSAFE", timezone.localdate() - dt.timedelta(days=10), dependant=spouse)
    request = file(traveller, cast.amina, trip.there_and_back(cast.mombasa), [spouse])
    assert codes(request) == ["dependant_ssafe"]
    (reason,) = reasons(request)
    assert reason["params"] == {"place": "Mombasa", "name": str(spouse)}


# --- Dependants and BSAFE (from 18, as the course sets) ----------------------------------------

def test_a_dependant_over_18_without_bsafe_refuses_naming_them(cast, traveller, trip, levels):
    adult = dependant(cast.amina, "Grace", years_ago(19))
    request = file(traveller, cast.amina, trip.there_and_back(cast.mombasa), [adult])
    assert request.status == TravelRequest.Status.REFUSED
    assert codes(request) == ["dependant_bsafe"]
    (reason,) = reasons(request)
    assert reason["params"] == {"name": str(adult)}  # the name only: no birth date, no age


def test_a_dependant_over_18_with_bsafe_clears(cast, traveller, trip, levels):
    adult = dependant(cast.amina, "Grace", years_ago(19))
    hold(cast.amina, "BSAFE", timezone.localdate() - dt.timedelta(days=20), dependant=adult)
    request = file(traveller, cast.amina, trip.there_and_back(cast.mombasa), [adult])
    assert codes(request) == []
    assert request.status == TravelRequest.Status.CLEARED


def test_a_dependant_under_18_is_not_concerned(cast, traveller, trip, levels):
    child = dependant(cast.amina, "Baraka", years_ago(17, days=-60))  # 18 after the trip
    request = file(traveller, cast.amina, trip.there_and_back(cast.mombasa), [child])
    assert codes(request) == []


def test_a_dependant_is_not_concerned_when_the_course_does_not_apply_to_dependants(
        cast, traveller, trip, levels):
    Course.objects.filter(code="BSAFE").update(applies_to_dependants=False)
    adult = dependant(cast.amina, "Grace", years_ago(30))
    assert codes(file(traveller, cast.amina, trip.there_and_back(cast.mombasa), [adult])) == []


def test_a_dependant_staying_home_is_not_checked(cast, traveller, trip, levels):
    dependant(cast.amina, "Grace", years_ago(30))
    assert codes(file(traveller, cast.amina, trip.there_and_back(cast.mombasa))) == []


def test_amending_to_add_a_dependant_re_runs_the_check(cast, traveller, trip, levels):
    request = file(traveller, cast.amina, trip.there_and_back(cast.mombasa))
    assert request.status == TravelRequest.Status.CLEARED
    adult = dependant(cast.amina, "Grace", years_ago(25))
    request = services.request_update(actor=traveller, request=request, data={},
                                     segments=None, dependants=[adult],
                                     version=request.version)
    assert codes(request) == ["dependant_bsafe"]
    assert request.status == TravelRequest.Status.REFUSED

"""One rule: a record's security area and duty station lie in the record's own country."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from vigil.places.models import check_in_country
from vigil.travel.models import SecurityContact


def test_places_in_the_records_country_pass(cast):
    contact = SecurityContact(country=cast.kenya, security_area=cast.nbi_area,
                              duty_station=cast.nairobi)
    check_in_country(contact, "security_area", "duty_station")  # no fault
    check_in_country(SecurityContact(security_area=cast.nbi_area), "security_area")  # no country


def test_each_place_in_another_country_is_named_on_its_field(cast):
    contact = SecurityContact(country=cast.somalia, security_area=cast.nbi_area,
                              duty_station=cast.nairobi)
    with pytest.raises(ValidationError) as fault:
        check_in_country(contact, "security_area", "duty_station")
    assert fault.value.message_dict == {
        "security_area": ["This security area belongs to another country."],
        "duty_station": ["This duty station is in another country."]}


def test_every_model_with_the_rule_applies_it(cast):
    from vigil.places.models import DutyStation

    station = DutyStation(code="SO-X", name="X", country=cast.somalia,
                          security_area=cast.nbi_area, latitude=2, longitude=45,
                          time_zone="Africa/Mogadishu")
    with pytest.raises(ValidationError) as fault:
        station.clean()
    assert list(fault.value.message_dict) == ["security_area"]

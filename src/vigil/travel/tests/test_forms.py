"""Places and carriers typed on the request form: by code, as the suggestion list shows them
("CODE · Name"), or by name (travel.forms.CodeField)."""

from __future__ import annotations

import pytest
from django import forms

from vigil.travel.forms import OperatorField, StationField
from vigil.travel.models import AirOperator


def test_a_duty_station_is_found_by_its_code_or_its_name(cast):
    field = StationField(required=False)
    assert field.clean("ke-nbo · Nairobi") == cast.nairobi
    assert field.clean("Mombasa") == cast.mombasa
    assert field.clean("  ") is None
    with pytest.raises(forms.ValidationError) as refused:
        field.clean("XX-YYY · Atlantis")
    assert refused.value.messages == ["No duty station has the code “XX-YYY”."]


def test_an_air_operator_is_found_by_iata_or_icao_code_operating_ones_first(db):
    AirOperator.objects.create(name="Old Air", iata="KQ", icao="OLD", is_active=False)
    kenya_airways = AirOperator.objects.create(name="Kenya Airways", iata="KQ", icao="KQA")
    field = OperatorField(required=False)
    assert field.clean("KQ · Kenya Airways") == kenya_airways
    assert field.clean("kqa") == kenya_airways
    assert field.clean("old air").name == "Old Air"
    with pytest.raises(forms.ValidationError) as refused:
        field.clean("ZZ")
    assert refused.value.messages == ["No air operator has the code “ZZ”."]

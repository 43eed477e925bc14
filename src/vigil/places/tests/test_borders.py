"""A point's country is decided by the country's outline (Natural Earth 50m), never by the
nearest duty station."""

from __future__ import annotations

import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from vigil.places.borders import (
    COAST_TOLERANCE_KM,
    FALLBACK_KM,
    Placement,
    country_at,
    country_codes,
    country_holds,
    country_of_shape,
)


@pytest.mark.parametrize(("lat", "lon", "iso2"), [
    (6.13, 1.22, "TG"),      # Lomé: Togo, though Lagos is the nearest big duty station
    (6.45, 3.39, "NG"),      # Lagos, on the shore: inside by the coast tolerance
    (-1.286, 36.817, "KE"),  # Nairobi
    (9.56, 44.06, "SO"),     # Hargeisa: Somaliland is Somalia in UN records
    (35.19, 33.36, "CY"),    # Nicosia
    (42.66, 21.16, "XK"),    # Pristina
    (1.29, 103.85, "SG"),    # Singapore: absent from the 110m layer
    (35.9, 14.51, "MT"),     # Valletta: likewise
    (-4.62, 55.45, "SC"),    # Victoria, Mahé
])
def test_point_takes_the_country_whose_outline_holds_it(lat: float, lon: float,
                                                        iso2: str) -> None:
    placed = country_at(lat, lon)
    assert placed is not None
    assert placed.iso2 == iso2
    assert placed.fell_back is False


def test_point_off_the_coast_falls_back_to_the_nearest_country_and_says_so() -> None:
    placed = country_at(-4.62, 55.6)  # about 10 km off Mahé
    assert placed is not None
    assert placed.iso2 == "SC"
    assert placed.fell_back is True
    assert COAST_TOLERANCE_KM < placed.distance_km <= FALLBACK_KM


def test_point_far_at_sea_has_no_country() -> None:
    assert country_at(0.0, -30.0) is None  # mid-Atlantic


def test_the_241_units_carry_their_codes() -> None:
    codes = country_codes()
    assert {"SG", "MT", "BH", "AD", "SC", "XK", "PS", "EH"} <= codes
    assert len(codes) > 230


def test_country_holds_in_both_directions() -> None:
    assert country_holds("KE", -1.28, 36.8) is True
    assert country_holds("ke", -1.28, 36.8) is True
    assert country_holds("KE", 2.04, 45.3) is False       # Mogadishu
    assert country_holds("ZZ", -1.28, 36.8) is False      # no such outline
    assert country_holds("SC", -4.62, 55.6) is False      # 10 km off the coast
    assert country_holds("SC", -4.62, 55.6, tolerance_km=20) is True


def test_shape_takes_the_country_holding_most_of_it() -> None:
    mostly_togo = shapely.Polygon([(1.0, 6.5), (1.5, 6.5), (1.5, 7.0), (1.0, 7.0)])
    assert country_of_shape(mostly_togo) == Placement("TG")
    sea_near_mahe = shapely.Point(55.7, -4.62).buffer(0.05)
    placed = country_of_shape(sea_near_mahe)
    assert placed is not None
    assert (placed.iso2, placed.fell_back) == ("SC", True)
    assert country_of_shape(shapely.Point(-30, 0).buffer(1)) is None
    assert country_of_shape(shapely.Point(1.22, 6.13)) == Placement("TG")


@settings(max_examples=60, deadline=None)
@given(st.floats(-90, 90), st.floats(-180, 180))
def test_any_point_gets_at_most_one_answer_and_never_beyond_the_fallback(lat: float,
                                                                          lon: float) -> None:
    placed = country_at(lat, lon)
    if placed is not None:
        assert placed.iso2 in country_codes()
        assert placed.distance_km <= FALLBACK_KM
        assert placed.fell_back == (placed.distance_km > COAST_TOLERANCE_KM)


def test_a_placement_names_its_country_row_and_says_how_far_a_nearest_one_lies(db):
    from vigil.places.models import Country
    from vigil.places.selectors import country_placed

    kenya = Country.objects.get(iso2="KE")
    assert country_placed(Placement("KE")) == (kenya, None)
    assert country_placed(Placement("KE", fell_back=True, distance_km=12.5)) == (kenya, 12.5)
    assert country_placed(Placement("XX")) is None
    assert country_placed(None) is None

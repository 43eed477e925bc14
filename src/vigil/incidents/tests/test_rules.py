"""The pure incident rules: reading back coordinates that lost their decimal point, and
choosing the one candidate that lies in the incident's country. No database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from vigil.incidents import rules
from vigil.incidents.rules import LATITUDE_LIMIT, LONGITUDE_LIMIT, Recovery, readings


def damaged(value: Decimal) -> str:
    """The value as the AWSD copy in circulation writes it: its digits without the decimal
    point, grouped in threes by dots ("14.07092855" -> "1.407.092.855")."""
    sign = "-" if value.is_signed() else ""
    digits = format(abs(value), "f").replace(".", "")
    return sign + f"{int(digits):,}".replace(",", ".")


def digits_of(text: str) -> str:
    return text.removeprefix("-").replace(".", "").lstrip("0")


# A coordinate of at least one whole degree, with up to ten decimals, as AWSD gives them.
coordinates = st.builds(
    lambda negative, whole, fraction: Decimal(f"{'-' if negative else ''}{whole}.{fraction}"),
    st.booleans(), st.integers(1, 180), st.text(alphabet="0123456789", min_size=1, max_size=10),
).filter(lambda d: abs(d) <= LONGITUDE_LIMIT)


# --- Readings of one value ----------------------------------------------------------------------

@pytest.mark.parametrize(("value", "limit", "expected"), [
    ("-149.984", LATITUDE_LIMIT, ["-1.49984", "-14.9984"]),
    ("1.407.092.855", LATITUDE_LIMIT, ["1.407092855", "14.07092855"]),
    ("103.099.916", LONGITUDE_LIMIT, ["1.03099916", "10.3099916", "103.099916"]),
    ("15.556", LONGITUDE_LIMIT, ["1.5556", "15.556", "155.56"]),  # as given is one reading
    ("-358.216", LATITUDE_LIMIT, ["-3.58216", "-35.8216"]),  # -0.358216 needs a lost "0."
    ("2.25", LATITUDE_LIMIT, ["2.25"]),  # not digit-grouped: the number it says
    ("36", LATITUDE_LIMIT, ["36"]),
    ("95.5", LATITUDE_LIMIT, []),
    ("-181", LONGITUDE_LIMIT, []),
    ("", LATITUDE_LIMIT, []),
    ("eleven", LATITUDE_LIMIT, []),
    ("NaN", LATITUDE_LIMIT, []),
    ("Infinity", LONGITUDE_LIMIT, []),
])
def test_the_readings_of_a_value(value: str, limit: Decimal, expected: list[str]) -> None:
    assert readings(value, limit) == tuple(Decimal(e) for e in expected)


@pytest.mark.parametrize(("value", "lost"), [
    ("1.407.092.855", True), ("-149.984", True), ("15.556", True), ("-358.216", True),
    ("2.25", False), ("45.35", False), ("36", False), ("1.5625", False), ("", False),
    ("1,407,092", False), ("12.34.567", False),
])
def test_which_values_lost_their_point(value: str, lost: bool) -> None:
    assert rules.lost_its_point(value) is lost


@given(st.from_regex(rules.DIGIT_GROUPED, fullmatch=True),
       st.sampled_from([LATITUDE_LIMIT, LONGITUDE_LIMIT]))
def test_every_reading_keeps_the_digits_and_the_sign_and_is_in_range(value: str,
                                                                      limit: Decimal) -> None:
    found = readings(value, limit)
    assert len(set(found)) == len(found)
    for reading in found:
        assert abs(reading) <= limit
        assert digits_of(format(reading, "f")) == digits_of(value)
        assert reading.is_signed() == value.startswith("-")


@given(coordinates)
def test_the_true_value_is_among_the_readings_of_its_damaged_form(value: Decimal) -> None:
    limit = LATITUDE_LIMIT if abs(value) <= LATITUDE_LIMIT else LONGITUDE_LIMIT
    text = damaged(value)
    assume(rules.lost_its_point(text))  # three digits or fewer carry no dot to lose
    assert value in readings(text, limit)


# --- Choosing the point ---------------------------------------------------------------------------

def test_the_one_candidate_in_the_country_is_the_point() -> None:
    # Rwanda lies within 1-3° south, 28-31° east.
    def in_rwanda(lat: float, lon: float) -> bool:
        return -3 <= lat <= -1 and 28 <= lon <= 31

    assert rules.recover_point("-149.984", "2.963.497", in_rwanda) == Recovery(
        point=(-1.49984, 29.63497), in_country=1, candidates=4)


def test_no_candidate_or_several_give_no_point() -> None:
    assert rules.recover_point("-358.216", "42.545.087", lambda lat, lon: False) == Recovery(
        point=None, in_country=0, candidates=4)
    # Niger, 0-16° east, holds both 1.33° and 13.3° east at 14.55° north.
    assert rules.recover_point("14.55", "133.333", lambda lat, lon: lon < 16) == Recovery(
        point=None, in_country=2, candidates=3)


def test_a_value_with_no_reading_gives_no_candidate() -> None:
    called: list[tuple[float, float]] = []
    recovery = rules.recover_point("1.234.567", "", lambda lat, lon: bool(called.append(
        (lat, lon))))
    assert recovery == Recovery(point=None, in_country=0, candidates=0)
    assert called == []


@given(coordinates.filter(lambda d: abs(d) <= LATITUDE_LIMIT), coordinates)
def test_a_damaged_point_is_recovered_where_only_it_is_held(lat: Decimal,
                                                            lon: Decimal) -> None:
    lat_text, lon_text = damaged(lat), damaged(lon)
    # Three digits or fewer carry no dot to lose, and so no sign that they lost one.
    assume(rules.lost_its_point(lat_text) and rules.lost_its_point(lon_text))
    recovery = rules.recover_point(lat_text, lon_text,
                                   lambda a, b: (a, b) == (float(lat), float(lon)))
    assert recovery.point == (float(lat), float(lon))
    assert recovery.in_country == 1
    assert recovery.candidates >= 1

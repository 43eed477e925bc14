"""Build the geographic data files that Vigil ships, from Natural Earth v4.0.0.

Inputs (read-only, public domain Natural Earth v4.0.0 as GeoJSON, copied unchanged from the
martynafford/natural-earth-geojson repository, commit 0b9a6ceb0a70, CC0-1.0; see
``../shared/data/SOURCES.md``):

* ``ne_110m_admin_0_countries.geojson``  - 177 country polygons at 1:110 million.
* ``ne_10m_populated_places_simple.geojson`` - 7,343 populated places (points).

Outputs (paths relative to the repository root):

a) ``src/vigil/places/static/places/basemap.geojson`` - the 110m countries as a compact
   FeatureCollection. Each feature keeps only ``iso_a2`` (ISO_A2; for "-99" WB_A2 or
   ISO_A2_EH, then the country's alpha-3 code looked up in pycountry; else null) and ``name``
   (NAME). Coordinates are rounded to 2 decimal places, consecutive duplicate points and the
   A,B,A spikes that rounding leaves are removed, and a self-intersecting result is repaired
   with shapely's ``make_valid``.
b) ``src/vigil/places/data/cities.csv`` - the 2,600 most populous places (by ``pop_max``) that
   have a valid ISO 3166-1 alpha-2 country (known to pycountry) and a land time zone, plus every
   national capital (``adm0cap == 1``) and every UN duty station in ``UN_DUTY_STATIONS`` not
   already included. Later duplicates of (name, country) are skipped. Coordinates come from the
   point geometry, rounded to 4 decimals; ``time_zone`` is the IANA zone found offline from them
   with ``timezonefinder`` (land zones only). Rows are sorted by population descending, then name.
c) ``src/vigil/places/tests/fixtures/cities_small.csv`` - the first 60 rows of cities.csv.
d) ``src/vigil/places/data/countries_50m.geojson`` - the 241 country polygons of
   ``ne_50m_admin_0_countries`` that Vigil places points with (the basemap stays at 110m).
   Each feature keeps ``iso_a2`` (as for the basemap, then ``PLACING_CODES`` for the few units
   Natural Earth gives no ISO code) and ``name``; coordinates are rounded to 3 decimal places
   (about 110 m), and an invalid result is repaired with ``make_valid``.

``timezonefinder`` is a build-time tool only, not a runtime dependency of Vigil. Install it into
the virtualenv before running::

    .venv/bin/pip install timezonefinder
    .venv/bin/python scripts/build_geodata.py

``--countries-only`` builds d) alone and needs no timezonefinder.

The script is deterministic: the same inputs and the same timezonefinder data give byte-identical
outputs. Pass ``--data-dir`` to read the inputs from somewhere other than ``../shared/data/geo``.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import unicodedata
import zoneinfo
from importlib import metadata
from pathlib import Path

import pycountry
from shapely.geometry import mapping, shape
from shapely.ops import unary_union
from shapely.validation import make_valid

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA_DIR = ROOT.parent / "shared" / "data" / "geo"
COUNTRIES_FILE = "ne_110m_admin_0_countries.geojson"
PLACING_COUNTRIES_FILE = "ne_50m_admin_0_countries.geojson"
PLACES_FILE = "ne_10m_populated_places_simple.geojson"

BASEMAP_OUT = ROOT / "src/vigil/places/static/places/basemap.geojson"
CITIES_OUT = ROOT / "src/vigil/places/data/cities.csv"
FIXTURE_OUT = ROOT / "src/vigil/places/tests/fixtures/cities_small.csv"
PLACING_OUT = ROOT / "src/vigil/places/data/countries_50m.geojson"
REGIONS_OUT = ROOT / "src/vigil/places/data/regions.csv"
NEIGHBOURS_OUT = ROOT / "src/vigil/places/data/neighbours.csv"
# Two outlines this close (in degrees, about 5 km at the equator) make two countries neighbours.
NEIGHBOUR_GAP_DEGREES = 0.05
PLACING_DECIMALS = 3

# Units of the 50m layer with no ISO code of their own (ISO_A2 "-99"), by ADM0_A3, and the
# country whose records a point there belongs to. Siachen Glacier (KAS) stays without a code:
# a point there is placed by its nearest neighbour, with the fallback said.
PLACING_CODES: dict[str, str] = {
    "SOL": "SO",  # Somaliland: Somalia for the UN
    "CYN": "CY",  # Northern Cyprus: Cyprus for the UN
    "ATC": "AU",  # Ashmore and Cartier Islands: an Australian external territory
    "IOA": "AU",  # Australian Indian Ocean Territories
}

BASEMAP_DECIMALS = 2
CITY_DECIMALS = 4
TOP_N = 2600
FIXTURE_ROWS = 60
CSV_HEADER = ["name", "country", "latitude", "longitude", "population", "capital", "time_zone"]

# UN duty stations that must always be present, as (English name, ISO alpha-2). They are matched
# case-insensitively on the Natural Earth ``name`` field plus ``iso_a2``.
UN_DUTY_STATIONS: list[tuple[str, str]] = [
    ("New York", "US"),
    ("Geneva", "CH"),
    ("Vienna", "AT"),
    ("Nairobi", "KE"),
    ("Bangkok", "TH"),
    ("Addis Ababa", "ET"),
    ("Beirut", "LB"),
    ("Santiago", "CL"),
    ("The Hague", "NL"),
    ("Rome", "IT"),
    ("Paris", "FR"),
    ("Copenhagen", "DK"),
    ("Bonn", "DE"),
    ("Amman", "JO"),
    ("Kabul", "AF"),
    ("Juba", "SS"),
    ("Port-au-Prince", "HT"),
    ("Baghdad", "IQ"),
    ("Bamako", "ML"),
    ("Goma", "CD"),
    ("Kinshasa", "CD"),
    ("Mogadishu", "SO"),
    ("Khartoum", "SD"),
    ("Damascus", "SY"),
    ("Sanaa", "YE"),
    ("Tripoli", "LY"),
    ("Dhaka", "BD"),
    ("Islamabad", "PK"),
    ("Panama City", "PA"),
    ("Dakar", "SN"),
]

# Other spellings Natural Earth may use for a duty station's name (its own ``name`` is kept
# in the output). NE v4.0.0 spells Copenhagen "København"; the rest match as written.
DUTY_STATION_ALIASES: dict[str, list[str]] = {
    "Copenhagen": ["København", "Kobenhavn"],
    "Sanaa": ["Sana'a", "Sana"],
}

# NE v4.0.0 predates the ISO_A2_EH column, and gives ISO_A2 = WB_A2 = "-99" for Norway (and
# ISO_A2 = "-99" for France). When those fall-backs fail too, look the country up by its
# ISO/ADM0 alpha-3 code in pycountry, so that only entities with no ISO code (N. Cyprus,
# Somaliland) end up with a null ``iso_a2``.
ALPHA3_FALLBACK = True

_ALPHA2_RE = re.compile(r"^[A-Z]{2}$")


def log(message: str) -> None:
    sys.stdout.write(message + "\n")


def known_alpha2(code: object) -> str | None:
    """Return ``code`` if it is an ISO 3166-1 alpha-2 code known to pycountry, else None."""
    if not isinstance(code, str) or not _ALPHA2_RE.match(code):
        return None
    try:
        country = pycountry.countries.get(alpha_2=code)
    except KeyError:  # older pycountry versions raise instead of returning None
        country = None
    return code if country is not None else None


def alpha2_from_alpha3(code: object) -> str | None:
    if not isinstance(code, str) or not re.match(r"^[A-Z]{3}$", code):
        return None
    try:
        country = pycountry.countries.get(alpha_3=code)
    except KeyError:
        country = None
    return country.alpha_2 if country is not None else None


def clean_name(name: str) -> str:
    """NFC-normalise a name and drop invisible control/format characters.

    NE v4.0.0 spells both Granadas (ES, NI) with a trailing U+200E LEFT-TO-RIGHT MARK.
    """
    name = unicodedata.normalize("NFC", name)
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf"))
    return " ".join(name.split())


def load_features(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        data = json.load(fh)
    if data.get("type") != "FeatureCollection":
        raise SystemExit(f"{path}: not a GeoJSON FeatureCollection")
    return data["features"]


# --- basemap ---------------------------------------------------------------------------------


def country_code(props: dict) -> str | None:
    code = props.get("ISO_A2")
    if code != "-99":
        return code if isinstance(code, str) and _ALPHA2_RE.match(code) else None
    for key in ("WB_A2", "ISO_A2_EH"):
        fallback = known_alpha2(props.get(key))
        if fallback:
            return fallback
    if ALPHA3_FALLBACK:
        for key in ("ISO_A3", "ADM0_A3"):
            fallback = alpha2_from_alpha3(props.get(key))
            if fallback:
                return fallback
    return None


def _round(value: float, decimals: int) -> float:
    rounded = round(value, decimals)
    return 0.0 if rounded == 0 else rounded  # no "-0.0"


def simplify_ring(ring: list[list[float]],
                  decimals: int = BASEMAP_DECIMALS) -> list[list[float]] | None:
    """Round a linear ring and drop consecutive duplicates; None if it degenerates."""
    out: list[list[float]] = []
    for x, y, *_ in ring:
        point = [_round(x, decimals), _round(y, decimals)]
        if out and out[-1] == point:
            continue  # consecutive duplicate
        if len(out) >= 2 and out[-2] == point:
            out.pop()  # A,B,A spike left by rounding (Belgium's coast): keep A once
            continue
        out.append(point)
    if out and out[0] != out[-1]:
        out.append(out[0])
    return out if len(out) >= 4 else None


def simplify_polygon(rings: list, decimals: int = BASEMAP_DECIMALS) -> list | None:
    exterior = simplify_ring(rings[0], decimals)
    if exterior is None:
        return None
    holes = [r for r in (simplify_ring(ring, decimals) for ring in rings[1:]) if r is not None]
    return [exterior, *holes]


def simplify_geometry(geometry: dict, decimals: int = BASEMAP_DECIMALS) -> dict | None:
    kind = geometry["type"]
    if kind == "Polygon":
        polygon = simplify_polygon(geometry["coordinates"], decimals)
        return None if polygon is None else {"type": "Polygon", "coordinates": polygon}
    if kind == "MultiPolygon":
        polygons = [p for p in (simplify_polygon(rings, decimals)
                                for rings in geometry["coordinates"]) if p is not None]
        if not polygons:
            return None
        return {"type": "MultiPolygon", "coordinates": polygons}
    raise SystemExit(f"unexpected geometry type in countries: {kind}")


def repair_geometry(geometry: dict, name: str, decimals: int = BASEMAP_DECIMALS) -> dict:
    """Make a self-intersecting (multi)polygon valid, so point-in-polygon tests are reliable.

    NE v4.0.0's 110m Sudan already self-intersects on its southern border. The repaired
    geometry is rounded again and used only if it is still valid; otherwise the input is kept.
    """
    if shape(geometry).is_valid:
        return geometry
    fixed = make_valid(shape(geometry))
    if fixed.geom_type == "GeometryCollection":  # keep the surfaces, drop stray lines
        parts = [g for g in fixed.geoms if g.geom_type in ("Polygon", "MultiPolygon")]
        fixed = unary_union(parts) if parts else fixed
    if fixed.geom_type in ("Polygon", "MultiPolygon"):
        candidate = simplify_geometry(mapping(fixed), decimals)
        if candidate is not None and shape(candidate).is_valid:
            log(f"  basemap: repaired self-intersecting geometry of {name!r}")
            return candidate
    log(f"  basemap: WARNING geometry of {name!r} is not valid and could not be repaired")
    return geometry


def build_basemap(features: list[dict]) -> dict:
    out = []
    for feature in features:
        props = feature["properties"]
        geometry = simplify_geometry(feature["geometry"])
        if geometry is None:
            log(f"  basemap: dropped {props.get('NAME')!r}: geometry degenerate after rounding")
            continue
        geometry = repair_geometry(geometry, props["NAME"])
        out.append(
            {
                "type": "Feature",
                "properties": {"iso_a2": country_code(props), "name": clean_name(props["NAME"])},
                "geometry": geometry,
            }
        )
    return {"type": "FeatureCollection", "features": out}


def build_placing_countries(features: list[dict]) -> dict:
    out = []
    for feature in features:
        props = feature["properties"]
        name = clean_name(props["NAME"])
        geometry = simplify_geometry(feature["geometry"], PLACING_DECIMALS)
        if geometry is None:
            log(f"  countries: dropped {name!r}: geometry degenerate after rounding")
            continue
        geometry = repair_geometry(geometry, name, PLACING_DECIMALS)
        code = country_code(props) or PLACING_CODES.get(props.get("ADM0_A3", ""))
        out.append({"type": "Feature", "properties": {"iso_a2": code, "name": name},
                    "geometry": geometry})
    return {"type": "FeatureCollection", "features": out}


def write_placing_countries(data_dir: Path) -> None:
    path = data_dir / PLACING_COUNTRIES_FILE
    if not path.is_file():
        raise SystemExit(f"missing input: {path}")
    countries = build_placing_countries(load_features(path))
    PLACING_OUT.write_text(
        json.dumps(countries, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    null_codes = [f["properties"]["name"] for f in countries["features"]
                  if not f["properties"]["iso_a2"]]
    log(f"{PLACING_OUT.relative_to(ROOT)}: {len(countries['features'])} features, "
        f"{PLACING_OUT.stat().st_size} bytes; iso_a2 null for {null_codes}")


def write_regions(data_dir: Path) -> None:
    """The UN geographic region and subregion of each country (Natural Earth's REGION_UN and
    SUBREGION, which follow the UN Statistics Division's M49 standard)."""
    rows = {}
    for feature in load_features(data_dir / PLACING_COUNTRIES_FILE):
        props = feature["properties"]
        code = country_code(props) or PLACING_CODES.get(props.get("ADM0_A3", ""))
        if code and props.get("REGION_UN") and code not in rows:
            rows[code] = (props["REGION_UN"], props.get("SUBREGION") or "")
    with REGIONS_OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["iso2", "region", "subregion"])
        for code in sorted(rows):
            writer.writerow([code, *rows[code]])
    log(f"{REGIONS_OUT.relative_to(ROOT)}: {len(rows)} countries")


def write_neighbours() -> None:
    """Pairs of countries whose outlines (the shipped placing outlines) touch or lie within
    NEIGHBOUR_GAP_DEGREES of each other: the neighbours whose incidents the likelihood
    proposals read (vigil.evidence)."""
    import shapely
    from shapely.geometry import shape

    features = [f for f in json.loads(PLACING_OUT.read_text(encoding="utf-8"))["features"]
                if f["properties"].get("iso_a2")]
    shapes = [shape(f["geometry"]).buffer(NEIGHBOUR_GAP_DEGREES / 2) for f in features]
    tree = shapely.STRtree(shapes)
    pairs = set()
    for i, geometry in enumerate(shapes):
        for j in tree.query(geometry, predicate="intersects"):
            a, b = features[i]["properties"]["iso_a2"], features[int(j)]["properties"]["iso_a2"]
            if a != b:
                pairs.add(tuple(sorted((a, b))))
    with NEIGHBOURS_OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["iso2", "neighbour"])
        for a, b in sorted(pairs):
            writer.writerow([a, b])
    log(f"{NEIGHBOURS_OUT.relative_to(ROOT)}: {len(pairs)} pairs")


# --- cities ----------------------------------------------------------------------------------


def make_timezone_lookup():
    try:
        from timezonefinder import TimezoneFinder
    except ImportError as exc:  # pragma: no cover - build-time tool
        raise SystemExit(
            "timezonefinder is needed to build cities.csv: .venv/bin/pip install timezonefinder"
        ) from exc
    finder = TimezoneFinder()
    valid = zoneinfo.available_timezones()

    def lookup(lat: float, lon: float) -> str | None:
        # Land zones only: the ocean zones (Etc/GMT+N) are never a city's civil time.
        zone = finder.timezone_at_land(lng=lon, lat=lat)
        return zone if zone in valid else None

    return lookup


def city_candidates(features: list[dict], lookup) -> tuple[list[dict], dict[str, int]]:
    """Every place with a valid country and time zone, sorted as the CSV is sorted."""
    skipped = {"country": 0, "time_zone": 0}
    rows = []
    for feature in features:
        props = feature["properties"]
        country = known_alpha2(props.get("iso_a2"))
        if country is None:
            skipped["country"] += 1
            continue
        # The point geometry, not the latitude/longitude attributes: in NE v4.0.0 the
        # attributes are stale for some places (e.g. Oymyakon at 0,0).
        lon, lat = feature["geometry"]["coordinates"][:2]
        lat, lon = _round(lat, CITY_DECIMALS), _round(lon, CITY_DECIMALS)
        zone = lookup(lat, lon)
        if zone is None:
            skipped["time_zone"] += 1
            continue
        rows.append(
            {
                "name": clean_name(props["name"]),
                "country": country,
                "latitude": lat,
                "longitude": lon,
                "population": int(props["pop_max"]),
                "capital": 1 if props.get("adm0cap") == 1 else 0,
                "time_zone": zone,
            }
        )
    rows.sort(key=sort_key)
    return rows, skipped


def sort_key(row: dict) -> tuple:
    return (-row["population"], row["name"], row["country"], row["latitude"], row["longitude"])


def duty_station_row(rows: list[dict], name: str, country: str) -> dict:
    spellings = {s.casefold() for s in [name, *DUTY_STATION_ALIASES.get(name, [])]}
    matches = [r for r in rows if r["country"] == country and r["name"].casefold() in spellings]
    if not matches:
        raise SystemExit(f"UN duty station {name} {country} not found in Natural Earth places")
    return matches[0]  # rows are sorted: the most populous match


def select_cities(rows: list[dict]) -> tuple[list[dict], dict[str, int]]:
    chosen: list[dict] = []
    seen: set[tuple[str, str]] = set()
    counts = {"top": 0, "capitals_added": 0, "duty_stations_added": 0, "duplicates": 0}

    def add(row: dict) -> bool:
        key = (row["name"], row["country"])
        if key in seen:
            return False
        seen.add(key)
        chosen.append(row)
        return True

    for row in rows:
        if counts["top"] >= TOP_N:
            break
        if add(row):
            counts["top"] += 1
        else:
            counts["duplicates"] += 1
    for row in rows:
        if row["capital"] and add(row):
            counts["capitals_added"] += 1
    for name, country in UN_DUTY_STATIONS:
        if add(duty_station_row(rows, name, country)):
            counts["duty_stations_added"] += 1
    chosen.sort(key=sort_key)
    return chosen, counts


def format_row(row: dict) -> list[str]:
    return [
        row["name"],
        row["country"],
        f"{row['latitude']:.{CITY_DECIMALS}f}",
        f"{row['longitude']:.{CITY_DECIMALS}f}",
        str(row["population"]),
        str(row["capital"]),
        row["time_zone"],
    ]


def write_csv(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(CSV_HEADER)
        writer.writerows(format_row(row) for row in rows)


# --- main ------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=DEFAULT_DATA_DIR,
        help=f"folder holding the Natural Earth GeoJSON inputs (default: {DEFAULT_DATA_DIR})",
    )
    parser.add_argument("--countries-only", action="store_true",
                        help="build the placing countries (d) alone")
    args = parser.parse_args(argv)

    write_placing_countries(args.data_dir)
    write_regions(args.data_dir)
    write_neighbours()
    if args.countries_only:
        return 0

    countries_path = args.data_dir / COUNTRIES_FILE
    places_path = args.data_dir / PLACES_FILE
    for path in (countries_path, places_path):
        if not path.is_file():
            raise SystemExit(f"missing input: {path}")

    basemap = build_basemap(load_features(countries_path))
    BASEMAP_OUT.parent.mkdir(parents=True, exist_ok=True)
    BASEMAP_OUT.write_text(
        json.dumps(basemap, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )
    null_codes = [
        f["properties"]["name"] for f in basemap["features"] if not f["properties"]["iso_a2"]
    ]
    log(
        f"{BASEMAP_OUT.relative_to(ROOT)}: {len(basemap['features'])} features, "
        f"{BASEMAP_OUT.stat().st_size} bytes; iso_a2 null for {null_codes}"
    )

    lookup = make_timezone_lookup()
    rows, skipped = city_candidates(load_features(places_path), lookup)
    cities, counts = select_cities(rows)
    write_csv(CITIES_OUT, cities)
    write_csv(FIXTURE_OUT, cities[:FIXTURE_ROWS])
    log(
        f"{CITIES_OUT.relative_to(ROOT)}: {len(cities)} rows, {CITIES_OUT.stat().st_size} bytes "
        f"({counts}; places skipped: {skipped})"
    )
    log(
        f"{FIXTURE_OUT.relative_to(ROOT)}: {min(len(cities), FIXTURE_ROWS)} rows, "
        f"{FIXTURE_OUT.stat().st_size} bytes"
    )
    log(
        f"timezonefinder {metadata.version('timezonefinder')}, "
        f"timezonefinder-data {metadata.version('timezonefinder-data')}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""CAP 1.2 (OASIS Common Alerting Protocol) in and out. Pure: no query of its own.

In: ``parse`` (and ``parse_all`` for an EDXL-DE envelope holding several alerts) reads
untrusted bytes with a parser that resolves no entity, loads no DTD and reaches no network,
refuses any document with a DOCTYPE, and validates each alert against the shipped OASIS schema
(``data/CAP-v1.2.xsd``) before reading it. Every refusal is a ``CapError`` whose message says
in plain words what is wrong. ``feed_items`` reads an Atom or RSS feed of CAP messages.

Out: ``advisory_alert`` and ``crisis_alert`` build a CAP 1.2 message, and ``atom_feed`` an
Atom 1.0 feed (RFC 4287) of them. Each message built is validated against the schema before
it is returned: a message that fails is a bug (``CapBuildError``).

CAP writes a point as "latitude,longitude", a polygon as such points separated by spaces (the
first repeated at the end) and a circle as "latitude,longitude radius" with the radius in km.
GeoJSON (RFC 7946) writes longitude first; the conversions below are the only place where
the order flips. A polygon or circle that CAP 1.2 does not allow (a point out of range, fewer
than four pairs, a ring not closed, a bad radius) refuses the whole message, naming the
<area> and the fault; a polygon that crosses itself is made valid and the fix is noted
(``CapMessage.notes``), so that nothing is dropped without a word.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import itertools
import math
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import pycountry
import shapely
from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from lxml import etree
from shapely.geometry import shape as geojson_shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from shapely.validation import explain_validity, make_valid

from vigil.places.rules import EARTH_RADIUS_KM, circle_ring, latitude_ok, longitude_ok

if TYPE_CHECKING:
    from vigil.crisis.models import Crisis
    from vigil.places.models import SecurityArea
    from vigil.travel.models import Advisory

CAP12 = "urn:oasis:names:tc:emergency:cap:1.2"
OLDER_CAP = {"urn:oasis:names:tc:emergency:cap:1.1": "1.1",
             "http://www.incident.com/cap/1.0": "1.0"}
EDXL_DE = "urn:oasis:names:tc:emergency:EDXL:DE:1.0"
ATOM = "http://www.w3.org/2005/Atom"
CAP_CONTENT_TYPE = "application/cap+xml"
ATOM_CONTENT_TYPE = "application/atom+xml"
MAX_BYTES = settings.VIGIL_MAX_UPLOAD_BYTES  # one limit for every upload and paste
SCHEMA_PATH = Path(__file__).resolve().parent / "data" / "CAP-v1.2.xsd"
# The geocode Vigil writes for a country, and the names it reads as ISO 3166 codes.
ISO_GEOCODE = "ISO3166-1"
CIRCLE_SIDES = 32
MAX_SCHEMA_ERRORS = 20

# Travel advisory level (1..4) -> CAP urgency, severity, certainty.
ADVISORY_LEVELS = {
    1: ("Future", "Minor", "Possible"),
    2: ("Future", "Moderate", "Possible"),
    3: ("Expected", "Severe", "Likely"),
    4: ("Immediate", "Extreme", "Likely"),
}
CRISIS_ACTIVE = ("Immediate", "Severe", "Observed")
CRISIS_CLOSED = ("Past", "Minor", "Observed")

_EMBEDDED = f"{{{EDXL_DE}}}contentObject/{{{EDXL_DE}}}xmlContent/{{{EDXL_DE}}}embeddedXMLContent/*"
_NUMBER = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_PAIR = re.compile(rf"({_NUMBER})\s*,\s*({_NUMBER})")
_CIRCLE = re.compile(rf"^\s*({_NUMBER})\s*,\s*({_NUMBER})\s+({_NUMBER})\s*$")
# A WMO register OID: 2.49.0.0.<ISO 3166 numeric> is a country's alerting authority,
# 2.49.0.1.<ISO 3166 numeric> the messages of its authorities (WMO-No. 1091 register of
# alerting authorities).
_WMO_OID = re.compile(r"^(?:urn:oid:)?2\.49\.0\.[01]\.(\d{1,3})(?:\.\S*)?$", re.IGNORECASE)
# Half the Earth's circumference: no circle on the sphere is wider.
MAX_RADIUS_KM = math.pi * EARTH_RADIUS_KM
_NOT_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class CapError(Exception):
    """A message Vigil refuses, with a message for the person who sent the file."""

    def __init__(self, message: str, errors: Sequence[tuple[int, str]] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.errors = list(errors)  # (line, problem) of each schema error


class CapBuildError(RuntimeError):
    """A message Vigil built does not validate: a bug, never the user's fault."""


class GeometryFault(ValueError):
    """What is wrong with one CAP polygon or circle, in words for the sender."""


# --- The message read ----------------------------------------------------------------------------

Point = tuple[float, float]  # latitude, longitude


@dataclass(frozen=True)
class CapArea:
    description: str
    polygons: list[list[Point]] = field(default_factory=list)  # closed outer rings
    circles: list[tuple[float, float, float]] = field(default_factory=list)  # lat, lon, km
    geocodes: list[tuple[str, str]] = field(default_factory=list)  # valueName, value
    # The holes of each polygon, by its index (only a polygon made valid can have any).
    holes: dict[int, list[list[Point]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what Vigil fixed in this area

    @property
    def area_desc(self) -> str:
        return self.description

    def surfaces(self) -> list[tuple[list[Point], list[list[Point]]]]:
        """Each polygon with its holes."""
        return [(ring, self.holes.get(i, [])) for i, ring in enumerate(self.polygons)]


@dataclass(frozen=True)
class CapInfo:
    language: str
    categories: list[str]
    event: str
    urgency: str
    severity: str
    certainty: str
    headline: str = ""
    description: str = ""
    instruction: str = ""
    effective: dt.datetime | None = None
    onset: dt.datetime | None = None
    expires: dt.datetime | None = None
    web: str = ""
    sender_name: str = ""
    areas: list[CapArea] = field(default_factory=list)


@dataclass(frozen=True)
class CapMessage:
    identifier: str
    sender: str
    sent: dt.datetime
    status: str
    msg_type: str
    scope: str
    infos: list[CapInfo] = field(default_factory=list)
    references: list[str] = field(default_factory=list)  # "sender,identifier,sent" each
    note: str = ""
    xml: str = ""  # the <alert> element as received, without the XML declaration

    @property
    def info(self) -> CapInfo | None:
        """The info block to show: the first in English, else the first."""
        for info in self.infos:
            if info.language.lower().startswith("en"):
                return info
        return self.infos[0] if self.infos else None

    def areas(self) -> list[CapArea]:
        return [area for info in self.infos for area in info.areas]

    def area_descriptions(self) -> list[str]:
        return _unique(a.description for a in self.areas() if a.description)

    def polygons(self) -> list[list[Point]]:
        """Every polygon of every info, once (the language versions of a message repeat
        them)."""
        return _unique(p for area in self.areas() for p in area.polygons)

    def surfaces(self) -> list[tuple[list[Point], list[list[Point]]]]:
        """Every polygon with its holes, once."""
        return _unique(s for area in self.areas() for s in area.surfaces())

    def notes(self) -> list[str]:
        """What Vigil fixed in the areas (a polygon crossing itself made valid)."""
        return [note for area in self.areas() for note in area.notes]

    def circles(self) -> list[dict[str, float]]:
        return [{"lat": lat, "lon": lon, "radius_km": r}
                for lat, lon, r in _unique(c for area in self.areas() for c in area.circles)]

    def geometry(self, *, with_circles: bool = False) -> dict[str, Any] | None:
        """A GeoJSON MultiPolygon of all the polygons, or None. ``with_circles`` adds each
        circle of a positive radius as a polygon of CIRCLE_SIDES sides, so that the map and a
        search for people inside see it."""
        surfaces = list(self.surfaces())
        if with_circles:
            surfaces += [(circle_ring(c["lat"], c["lon"], c["radius_km"], CIRCLE_SIDES), [])
                         for c in self.circles() if c["radius_km"] > 0]
        if not surfaces:
            return None
        return {"type": "MultiPolygon",
                "coordinates": [[geojson_ring(ring), *(geojson_ring(h, outer=False)
                                                       for h in holes)]
                                for ring, holes in surfaces]}

    def shape(self) -> BaseGeometry | None:
        """Everything the areas cover, as one shape to place in a country: the polygons and
        circles; for circles of radius 0 only, the centre (``centroid``)."""
        drawn = self.geometry(with_circles=True)
        if drawn is not None:
            covered = unary_union([geojson_shape({"type": "Polygon", "coordinates": p})
                                   for p in drawn["coordinates"]])
            if not covered.is_empty:
                return covered
        centre = self.centroid()
        return shapely.Point(centre[1], centre[0]) if centre is not None else None

    def centroid(self) -> Point | None:
        """The centre of the area: of the polygons and circles when there are any with an
        area, else the mean of the circles' centres (circles of radius 0 are points)."""
        shape = self.geometry(with_circles=True)
        if shape is not None:
            centre = geojson_shape(shape).centroid
            if not centre.is_empty:
                return (round(centre.y, 6), round(centre.x, 6))
        circles = self.circles()
        if circles:
            return (round(sum(c["lat"] for c in circles) / len(circles), 6),
                    round(sum(c["lon"] for c in circles) / len(circles), 6))
        return None

    def country_codes(self) -> list[str]:
        """ISO 3166 country codes (alpha-2, alpha-3 or numeric, upper case) named by the
        geocodes; an ISO 3166-2 subdivision ("AU-NSW") names its country."""
        codes = []
        for area in self.areas():
            for name, value in area.geocodes:
                if _is_iso_geocode(name):
                    code = value.strip().split("-")[0].upper()
                    if re.fullmatch(r"[A-Z]{2,3}|\d{3}", code):
                        codes.append(code)
        return _unique(codes)

    def authority_country(self) -> str | None:
        """The ISO alpha-2 code of the alerting authority's country, when a WMO OID in the
        identifier (else the sender) names it."""
        for text in (self.identifier, self.sender):
            code = wmo_oid_country(text)
            if code is not None:
                return code
        return None

    def referenced(self) -> list[tuple[str, str]]:
        """(sender, identifier) of each message this one references."""
        out = []
        for token in self.references:
            parts = token.split(",")
            if len(parts) >= 2:
                out.append((parts[0], ",".join(parts[1:-1]) if len(parts) > 2 else parts[1]))
        return out

    def hazard_subcategory(self) -> str:
        """The code of the incident taxonomy's hazard subcategory this alert is about."""
        return hazard_subcategory([i.event for i in self.infos],
                                  [c for i in self.infos for c in i.categories])


_TSUNAMI = re.compile(r"tsunami")
_EARTHQUAKE = re.compile(r"earthquake|quake|seism|séisme|sismo|terremoto")
_FIRE = re.compile(r"fire|incendi|feu")
_FLOOD = re.compile(r"flood|inundat|inondation|high water|storm surge")
_STORM = re.compile(r"storm|cyclone|cicl[oó]n|hurricane|hurac[aá]n|typhoon|tornado|orage|"
                    r"tempête|tormenta|gale|squall|blizzard|\bwind(?!\s*chill)")
_EPIDEMIC = re.compile(r"epidemic|pandemic|outbreak|disease|cholera|ebola")


def hazard_subcategory(events: Iterable[str], categories: Iterable[str]) -> str:
    """Geo and an earthquake -> earthquake; a tsunami -> tsunami; Fire -> wildfire; Met ->
    flood, storm or (otherwise) severe weather by the event's words; Health -> epidemic;
    anything else -> other hazard."""
    text = " ".join(events).lower()
    kinds = set(categories)
    if _TSUNAMI.search(text):
        return "tsunami"
    if _EARTHQUAKE.search(text):
        return "earthquake"
    if "Fire" in kinds or ("Met" in kinds and _FIRE.search(text)):
        return "wildfire"
    if _FLOOD.search(text):
        return "flood"
    if "Met" in kinds:
        return "storm" if _STORM.search(text) else "weather"
    if "Health" in kinds or _EPIDEMIC.search(text):
        return "epidemic"
    return "other-hazard"


# --- Reading -----------------------------------------------------------------------------------

def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, dtd_validation=False)


_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe\x00\x00", "utf-32-le"),
         (b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe", "utf-16-le"),
         (b"\xfe\xff", "utf-16-be"))


def _prolog_text(data: bytes) -> str:
    head = data[:65536]
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return head[len(bom):].decode(codec, errors="ignore")
    if head.startswith(b"\x00<"):
        return head.decode("utf-16-be", errors="ignore")
    if head.startswith(b"<\x00"):
        return head.decode("utf-16-le", errors="ignore")
    return head.decode("latin-1")  # the markup of the prolog is ASCII in every other encoding


def has_doctype(data: bytes) -> bool:
    """Does the document declare a DOCTYPE (before its root element)? Read before parsing,
    so that nothing of a DTD is ever processed."""
    text = _prolog_text(data)
    i = 0
    while True:
        while i < len(text) and text[i] in " \t\r\n":
            i += 1
        if text.startswith("<?", i):
            end = text.find("?>", i + 2)
        elif text.startswith("<!--", i):
            end = text.find("-->", i + 4)
            end = end + 1 if end >= 0 else end
        else:
            return text[i:i + 9].upper() == "<!DOCTYPE"
        if end < 0:
            return False
        i = end + 2


def _doctype_error() -> CapError:
    return CapError(_("This file declares a document type (DOCTYPE). Vigil refuses such XML: "
                      "a DOCTYPE can define entities that expand without end or read files "
                      "and addresses, and a CAP message never needs one."))


def read_xml(data: bytes) -> etree._Element:
    """The root element of untrusted XML, read safely, or CapError."""
    if len(data) > MAX_BYTES:
        raise CapError(_("The file is larger than %(size)s MB: no CAP message is that big.")
                       % {"size": MAX_BYTES // (1024 * 1024)})
    if not data or not data.strip():
        raise CapError(_("The file is empty: a CAP message is an XML document."))
    if has_doctype(data):
        raise _doctype_error()
    try:
        root = etree.fromstring(data, _safe_parser())
    except etree.XMLSyntaxError as exc:
        problems = [_("line %(line)s: %(problem)s") % {"line": e.line, "problem": e.message}
                    for e in list(exc.error_log)[:3]] or [str(exc)]
        raise CapError(_("This is not XML, or not well-formed XML, so it cannot be a CAP "
                         "message: %(problems)s") % {"problems": "; ".join(problems)}) from None
    if root is None:  # pragma: no cover - lxml raises for an empty document
        raise CapError(_("The file is empty: a CAP message is an XML document."))
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise _doctype_error()
    return root


_SCHEMA_LOCK = threading.Lock()


@functools.cache
def _schema() -> etree.XMLSchema:
    with SCHEMA_PATH.open("rb") as handle:
        return etree.XMLSchema(etree.parse(handle, _safe_parser()))


def _plain(message: str) -> str:
    return message.replace(f"{{{CAP12}}}", "")


def schema_errors(root: etree._Element) -> list[tuple[int, str]]:
    """(line, problem) of each way the alert breaks the CAP 1.2 schema; [] if valid."""
    with _SCHEMA_LOCK:  # an XMLSchema's error log is shared by its callers
        schema = _schema()
        if schema.validate(root.getroottree()):
            return []
        return [(e.line, _plain(e.message)) for e in schema.error_log]


def _check_alert(root: etree._Element) -> None:
    name = etree.QName(root)
    namespace = name.namespace or ""
    if namespace in OLDER_CAP:
        raise CapError(_("CAP %(version)s message: Vigil accepts CAP 1.2 only (namespace "
                         "%(expected)s). Ask the sender for the CAP 1.2 version of this "
                         "alert or feed.") % {"version": OLDER_CAP[namespace],
                                              "expected": CAP12})
    if namespace != CAP12:
        raise CapError(_("This is not a CAP 1.2 message: its root element <%(name)s> is in "
                         "the namespace “%(found)s”, where CAP 1.2 expects <alert> in "
                         "“%(expected)s”.") % {"name": name.localname,
                                              "found": namespace or _("(none)"),
                                              "expected": CAP12})
    errors = schema_errors(root)
    if errors:
        shown = "; ".join(_("line %(line)s: %(problem)s") % {"line": line, "problem": problem}
                          for line, problem in errors[:MAX_SCHEMA_ERRORS])
        more = len(errors) - MAX_SCHEMA_ERRORS
        if more > 0:
            shown += " " + _("(and %(count)s more)") % {"count": more}
        raise CapError(_("This is not a valid CAP 1.2 message: %(errors)s") % {
            "errors": shown}, errors)


def parse_all(data: bytes) -> list[CapMessage]:
    """Every CAP 1.2 alert of the document: the alert itself, or each alert an EDXL-DE 1.0
    envelope embeds. Each is validated against the schema."""
    root = read_xml(data)
    if etree.QName(root).namespace == EDXL_DE:
        alerts = [copy.deepcopy(el) for el in root.iterfind(_EMBEDDED)
                  if isinstance(el.tag, str)]
        if not alerts:
            raise CapError(_("This EDXL-DE envelope holds no CAP alert: Vigil reads the "
                             "alerts in contentObject/xmlContent/embeddedXMLContent."))
    else:
        alerts = [root]
    messages = []
    for alert in alerts:
        _check_alert(alert)
        messages.append(_read_alert(alert))
    return messages


def parse(data: bytes) -> CapMessage:
    """The CAP 1.2 message of the document (the first, should an envelope hold several)."""
    return parse_all(data)[0]


def _child(el: etree._Element, name: str) -> str:
    found = el.find(f"{{{CAP12}}}{name}")
    return (found.text or "").strip() if found is not None else ""


def _children(el: etree._Element, name: str) -> list[str]:
    return [(c.text or "").strip() for c in el.iterfind(f"{{{CAP12}}}{name}")]


def parse_time(text: str) -> dt.datetime | None:
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _pairs(text: str) -> list[tuple[str, Point]]:
    """Each "latitude,longitude" pair of a polygon, as written and as numbers."""
    def nothing_but_space(gap: str) -> None:
        if gap.strip():
            raise GeometryFault(_("“%(text)s” is not a latitude,longitude pair") % {
                "text": gap.strip()[:40]})

    pairs: list[tuple[str, Point]] = []
    position = 0
    for match in _PAIR.finditer(text):
        nothing_but_space(text[position:match.start()])
        written = re.sub(r"\s+", "", match.group(0))
        pairs.append((written, (float(match.group(1)), float(match.group(2)))))
        position = match.end()
    nothing_but_space(text[position:])
    return pairs


def _in_range(point: Point) -> bool:
    return latitude_ok(point[0]) and longitude_ok(point[1])


def _out_of_range() -> str:
    return _("latitude lies between -90 and 90 and longitude between -180 and 180")


def _polygons_of(geometry: BaseGeometry) -> list[shapely.Polygon]:
    if isinstance(geometry, shapely.Polygon):
        return [geometry] if geometry.area > 0 else []
    return [p for part in getattr(geometry, "geoms", []) for p in _polygons_of(part)]


def _reason(explained: str) -> str:
    """GEOS's "Self-intersection[lon lat]" as "Self-intersection at lat,lon", in CAP's
    order."""
    match = re.fullmatch(rf"(.*)\[({_NUMBER}) ({_NUMBER})\]", explained.strip())
    if match is None:
        return explained
    return f"{match.group(1)} at {_number(float(match.group(3)))},{_number(float(match.group(2)))}"


def valid_parts(ring: Sequence[Point]) -> tuple[list[tuple[list[Point], list[list[Point]]]],
                                                 str]:
    """The surfaces of a closed ring, each an outer ring and its holes, and why the ring
    was not valid as drawn ("" when it was). A ring that crosses itself is made valid
    (shapely's make_valid), and its polygonal parts kept; GeometryFault when none is left."""
    polygon = shapely.Polygon([(lon, lat) for lat, lon in ring])
    if polygon.is_valid and polygon.area > 0:
        return [(list(ring), [])], ""
    reason = _reason(explain_validity(polygon))
    parts = _polygons_of(make_valid(polygon))
    if not parts:
        raise GeometryFault(_("its points enclose no area"))

    def as_points(coords: Any) -> list[Point]:
        return [(y, x) for x, y in coords]

    return [(as_points(p.exterior.coords), [as_points(h.coords) for h in p.interiors])
            for p in parts], reason


def read_polygon(text: str) -> list[Point]:
    """A CAP polygon as a closed ring of (lat, lon). CAP 1.2 (section 3.2.4): at least four
    pairs, the last the same as the first. GeometryFault says what is wrong otherwise."""
    pairs = _pairs(text)
    for number, (written, point) in enumerate(pairs, start=1):
        if not _in_range(point):
            raise GeometryFault(_("point %(n)s (%(pair)s) is out of range: %(range)s") % {
                "n": number, "pair": written, "range": _out_of_range()})
    if len(pairs) < 4:
        raise GeometryFault(_("it has %(count)s points: CAP 1.2 requires at least 4, the "
                              "last the same as the first") % {"count": len(pairs)})
    if pairs[0][1] != pairs[-1][1]:
        raise GeometryFault(_("its last point (%(last)s) is not its first (%(first)s): CAP "
                              "1.2 requires a polygon to end where it starts") % {
            "last": pairs[-1][0], "first": pairs[0][0]})
    ring = [point for _written, point in pairs]
    valid_parts(ring)  # a ring that encloses no area is refused here
    return ring


def read_circle(text: str) -> tuple[float, float, float]:
    """A CAP circle "latitude,longitude radius" (km) as (lat, lon, km); GeometryFault says
    what is wrong otherwise. A radius of 0 is a point."""
    match = _CIRCLE.match(text)
    if match is None:
        raise GeometryFault(_("“%(text)s” is not “latitude,longitude radius”") % {
            "text": text.strip()[:60]})
    point = (float(match.group(1)), float(match.group(2)))
    if not _in_range(point):
        raise GeometryFault(_("its centre (%(lat)s,%(lon)s) is out of range: %(range)s") % {
            "lat": match.group(1), "lon": match.group(2), "range": _out_of_range()})
    radius = float(match.group(3))
    if not (math.isfinite(radius) and 0 <= radius <= MAX_RADIUS_KM):
        raise GeometryFault(_("its radius %(radius)s is not a distance in km between 0 and "
                              "%(max)s") % {"radius": match.group(3),
                                            "max": round(MAX_RADIUS_KM)})
    return (point[0], point[1], radius)


def _read_area(el: etree._Element, index: int) -> CapArea:
    """An <area>, its polygons made valid where they cross themselves; CapError names the
    area (by its number in the message and its areaDesc) and the fault of a shape."""
    description = _child(el, "areaDesc")
    where = _("<area> %(index)s “%(desc)s”") % {"index": index, "desc": description[:80]}
    polygons: list[list[Point]] = []
    holes: dict[int, list[list[Point]]] = {}
    notes: list[str] = []
    for number, text in enumerate(_children(el, "polygon"), start=1):
        try:
            ring = read_polygon(text)
        except GeometryFault as fault:
            raise _shape_error(where, _("polygon %(n)s") % {"n": number}, fault) from None
        parts, reason = valid_parts(ring)
        if reason:
            notes.append(_("%(where)s: polygon %(n)s crossed itself (%(reason)s): Vigil "
                           "made it valid, as %(count)s polygons.") % {
                "where": where, "n": number, "reason": reason, "count": len(parts)})
        for outer, inner in parts:
            if inner:
                holes[len(polygons)] = inner
            polygons.append(outer)
    circles = []
    for number, text in enumerate(_children(el, "circle"), start=1):
        try:
            circles.append(read_circle(text))
        except GeometryFault as fault:
            raise _shape_error(where, _("circle %(n)s") % {"n": number}, fault) from None
    geocodes = [(_child(g, "valueName"), _child(g, "value"))
                for g in el.iterfind(f"{{{CAP12}}}geocode")]
    return CapArea(description, polygons, circles, geocodes, holes, notes)


def _shape_error(where: str, shape: str, fault: GeometryFault) -> CapError:
    return CapError(_("Vigil refuses this message, and records nothing of it: %(where)s, "
                      "%(shape)s: %(fault)s.") % {"where": where, "shape": shape,
                                                 "fault": fault})


def _read_info(el: etree._Element, first_area: int) -> CapInfo:
    return CapInfo(
        language=_child(el, "language") or "en-US",
        categories=_children(el, "category"),
        event=_child(el, "event"),
        urgency=_child(el, "urgency"),
        severity=_child(el, "severity"),
        certainty=_child(el, "certainty"),
        headline=_child(el, "headline"),
        description=_child(el, "description"),
        instruction=_child(el, "instruction"),
        effective=parse_time(_child(el, "effective")),
        onset=parse_time(_child(el, "onset")),
        expires=parse_time(_child(el, "expires")),
        web=_child(el, "web"),
        sender_name=_child(el, "senderName"),
        areas=[_read_area(a, index) for index, a in enumerate(
            el.iterfind(f"{{{CAP12}}}area"), start=first_area)],
    )


def _read_alert(root: etree._Element) -> CapMessage:
    sent = parse_time(_child(root, "sent"))
    if sent is None:  # pragma: no cover - the schema's pattern guarantees a time
        raise CapError(_("The message's sent time cannot be read."))
    infos = []
    first_area = 1  # areas are numbered through the message, as a reader counts them
    for el in root.iterfind(f"{{{CAP12}}}info"):
        infos.append(_read_info(el, first_area))
        first_area += len(infos[-1].areas)
    return CapMessage(
        identifier=_child(root, "identifier"),
        sender=_child(root, "sender"),
        sent=sent,
        status=_child(root, "status"),
        msg_type=_child(root, "msgType"),
        scope=_child(root, "scope"),
        infos=infos,
        references=_child(root, "references").split(),
        note=_child(root, "note"),
        xml=etree.tostring(root, encoding="unicode"),
    )


def wmo_oid_country(text: str) -> str | None:
    """The ISO alpha-2 code of the country a WMO OID names: ``urn:oid:2.49.0.0.<ISO 3166
    numeric>…`` (an alerting authority) or ``2.49.0.1.<numeric>…`` (its messages), with or
    without the ``urn:oid:`` prefix. None for anything else, or a number no country has."""
    match = _WMO_OID.match(text.strip())
    if match is None:
        return None
    country = pycountry.countries.get(numeric=match.group(1).zfill(3))
    return str(country.alpha_2) if country is not None else None


def _is_iso_geocode(name: str) -> bool:
    squeezed = re.sub(r"[^a-z0-9]", "", name.lower())
    return "iso3166" in squeezed or "countrycodes" in squeezed


# --- Feeds of CAP messages ------------------------------------------------------------------------

@dataclass(frozen=True)
class FeedItem:
    """One entry of a feed: a link to a CAP message, or the message embedded in the entry."""

    url: str = ""
    xml: bytes = b""


def _entry_item(entry: etree._Element, links: list[tuple[str, str, str]],
                base_url: str) -> FeedItem | None:
    embedded = entry.find(f".//{{{CAP12}}}alert")
    if embedded is not None:
        return FeedItem(xml=etree.tostring(embedded, encoding="UTF-8"))
    typed = [href for rel, kind, href in links if kind.split(";")[0].strip() == CAP_CONTENT_TYPE]
    plain = [href for rel, kind, href in links if rel in ("", "alternate")]
    chosen = (typed or plain or [""])[0]
    return FeedItem(url=urljoin(base_url, chosen)) if chosen else None


def feed_items(data: bytes, *, base_url: str) -> list[FeedItem] | None:
    """The CAP messages an Atom or RSS feed lists, or None when the document is a CAP message
    (or an EDXL-DE envelope) itself. Relative links are resolved against ``base_url``."""
    root = read_xml(data)
    name = etree.QName(root)
    if name.namespace in (CAP12, EDXL_DE, *OLDER_CAP):
        return None
    items: list[FeedItem | None] = []
    if name.namespace == ATOM and name.localname == "feed":
        for entry in root.iterfind(f"{{{ATOM}}}entry"):
            links = [(link.get("rel", ""), link.get("type", ""), link.get("href", ""))
                     for link in entry.iterfind(f"{{{ATOM}}}link")]
            items.append(_entry_item(entry, links, base_url))
    elif name.namespace is None and name.localname == "rss":
        for item in root.iterfind("channel/item"):
            links = [("alternate", e.get("type", ""), e.get("url", ""))
                     for e in item.iterfind("enclosure")]
            links += [("", "", (e.text or "").strip()) for e in item.iterfind("link")]
            items.append(_entry_item(item, links, base_url))
    else:
        raise CapError(_("This is neither a CAP message nor an Atom or RSS feed: its root "
                         "element is <%(name)s> in the namespace “%(found)s”.") % {
            "name": name.localname, "found": name.namespace or _("(none)")})
    return [item for item in items if item is not None]


# --- Writing -----------------------------------------------------------------------------------

def cap_time(value: dt.datetime) -> str:
    """A time as CAP writes it: seconds, no fraction, an explicit offset ("-00:00" for
    UTC, as CAP 1.2 asks)."""
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S-00:00")


def atom_time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def cap_sender(base_url: str) -> str:
    configured: str = getattr(settings, "VIGIL_CAP_SENDER", "") or ""
    if configured:
        return configured
    return f"vigil@{urlsplit(base_url).hostname or 'localhost'}"


def _clean(text: str) -> str:
    return _NOT_XML_CHARS.sub("", str(text))


def _number(value: float) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def cap_polygon(ring: Sequence[Point]) -> str | None:
    """A ring of (lat, lon) as a CAP polygon, closed, or None if it has fewer than 3
    points."""
    points = list(ring)
    if len(set(points)) < 3:
        return None
    if points[0] != points[-1]:
        points.append(points[0])
    return " ".join(f"{_number(lat)},{_number(lon)}" for lat, lon in points)


def geojson_ring(ring: Sequence[Point], *, outer: bool = True) -> list[list[float]]:
    """A ring of (lat, lon) as a GeoJSON linear ring: [lon, lat], closed, counter-clockwise
    for an outer ring and clockwise for a hole (RFC 7946 section 3.1.6)."""
    coords = [[lon, lat] for lat, lon in ring]
    if coords[0] != coords[-1]:
        coords.append(coords[0])
    twice_area = sum(a[0] * b[1] - b[0] * a[1] for a, b in itertools.pairwise(coords))
    return coords if (twice_area >= 0) == outer else coords[::-1]


def geojson_outer_rings(geometry: Any) -> list[list[Point]]:
    """The outer rings of a GeoJSON Polygon or MultiPolygon (or a Feature, FeatureCollection
    or GeometryCollection of them), as (lat, lon). CAP has no holes: inner rings are
    dropped."""
    if not isinstance(geometry, dict):
        return []
    kind = geometry.get("type")
    if kind == "Feature":
        return geojson_outer_rings(geometry.get("geometry"))
    if kind == "FeatureCollection":
        return [r for f in geometry.get("features") or [] for r in geojson_outer_rings(f)]
    if kind == "GeometryCollection":
        return [r for g in geometry.get("geometries") or [] for r in geojson_outer_rings(g)]
    coordinates: Any = geometry.get("coordinates")
    polygons: Any = {"Polygon": [coordinates], "MultiPolygon": coordinates}.get(str(kind))
    rings: list[list[Point]] = []
    for polygon in polygons or []:
        try:
            rings.append([(float(p[1]), float(p[0])) for p in polygon[0]])
        except (TypeError, ValueError, IndexError):
            continue
    return rings


def _sub(parent: etree._Element, name: str, text: Any = None) -> etree._Element:
    el = etree.SubElement(parent, f"{{{CAP12}}}{name}")
    if text is not None:
        el.text = _clean(text)
    return el


def _value_pair(parent: etree._Element, name: str, value_name: str, value: str) -> None:
    pair = _sub(parent, name)
    _sub(pair, "valueName", value_name)
    _sub(pair, "value", value)


def _url(base_url: str, *candidates: tuple[str, list[Any]]) -> str:
    for name, args in candidates:
        try:
            return base_url.rstrip("/") + reverse(name, args=args)
        except NoReverseMatch:
            continue
    return base_url.rstrip("/") + "/"


def _finish(root: etree._Element) -> bytes:
    errors = schema_errors(root)
    if errors:
        raise CapBuildError("Vigil built an invalid CAP message: " + "; ".join(
            f"line {line}: {problem}" for line, problem in errors))
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                 pretty_print=True)
    return data


@dataclass(frozen=True)
class _Head:
    kind: str  # "advisory" or "crisis"
    pk: int
    version: int
    first_sent: dt.datetime  # when version 1 was made
    sent: dt.datetime  # when this version was made
    scope: str
    msg_type: str = ""


def _alert_head(head: _Head, base_url: str) -> etree._Element:
    sender = cap_sender(base_url)
    root = etree.Element(f"{{{CAP12}}}alert", nsmap={None: CAP12})
    _sub(root, "identifier", message_identifier(head.kind, head.pk, head.version))
    _sub(root, "sender", sender)
    _sub(root, "sent", cap_time(head.sent))
    _sub(root, "status", "Actual")
    _sub(root, "msgType", head.msg_type or ("Update" if head.version > 1 else "Alert"))
    _sub(root, "scope", head.scope)
    if head.scope == "Restricted":
        _sub(root, "restriction", _("For the security management of the United Nations "
                                    "system: not for publication."))
    if head.version > 1:
        _sub(root, "references", ",".join(
            (sender, message_identifier(head.kind, head.pk, 1), cap_time(head.first_sent))))
    return root


def message_identifier(kind: str, pk: int, version: int) -> str:
    """Stable for each object and version: the same version is the same message."""
    return f"vigil-{kind}-{pk}-v{version}"


def _language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def _info(root: etree._Element, *, event: str, response: str, levels: tuple[str, str, str],
          effective: dt.datetime | None, onset: dt.datetime | None,
          expires: dt.datetime | None, headline: str, description: str, instruction: str,
          web: str) -> etree._Element:
    info = _sub(root, "info")
    _sub(info, "language", _language())
    _sub(info, "category", "Security")
    _sub(info, "event", event)
    if response:
        _sub(info, "responseType", response)
    for name, value in zip(("urgency", "severity", "certainty"), levels, strict=True):
        _sub(info, name, value)
    for name, when in (("effective", effective), ("onset", onset), ("expires", expires)):
        if when is not None:
            _sub(info, name, cap_time(when))
    _sub(info, "senderName", _("Vigil, United Nations security management"))
    _sub(info, "headline", headline[:160])
    if description:
        _sub(info, "description", description)
    if instruction:
        _sub(info, "instruction", instruction)
    _sub(info, "web", web)
    return info


def _area(info: etree._Element, description: str, rings: Iterable[Sequence[Point]],
          circle: tuple[float, float, float] | None, country_code: str) -> None:
    area = _sub(info, "area")
    _sub(area, "areaDesc", description)
    for ring in rings:
        polygon = cap_polygon(ring)
        if polygon is not None:
            _sub(area, "polygon", polygon)
    if circle is not None:
        lat, lon, radius = circle
        _sub(area, "circle", f"{_number(lat)},{_number(lon)} {_number(radius)}")
    if country_code:
        _value_pair(area, "geocode", ISO_GEOCODE, country_code)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def advisory_alert(advisory: Advisory, *, base_url: str) -> bytes:
    """A travel advisory as a public CAP 1.2 alert: its level sets urgency, severity and
    certainty; a withdrawn advisory is a Cancel of the first version."""
    from vigil.travel.models import ADVISORY_LEVEL_LABELS

    version = advisory.version or 1
    withdrawn = advisory.withdrawn and version > 1
    head = _Head("advisory", advisory.pk, version, advisory.created_at,
                 advisory.updated_at if version > 1 else advisory.created_at, "Public",
                 "Cancel" if withdrawn else "")
    root = _alert_head(head, base_url)
    level_label = str(ADVISORY_LEVEL_LABELS.get(advisory.level, advisory.level))
    area = advisory.security_area if advisory.security_area_id else None
    place = str(advisory.country) + (f" — {area.name}" if area is not None else "")
    info = _info(
        root, event=_("Travel advisory"),
        response="AllClear" if withdrawn else ("Avoid" if advisory.level >= 4 else ""),
        levels=ADVISORY_LEVELS[advisory.level] if not withdrawn else ("Past", "Minor",
                                                                       "Observed"),
        effective=_day_start(advisory.issued_on), onset=None,
        expires=_day_start(advisory.valid_until + dt.timedelta(days=1))
        if advisory.valid_until else None,
        headline=f"{place}: {advisory.title}",
        description=advisory.text,
        instruction=_("Level %(level)s: %(label)s.") % {"level": advisory.level,
                                                         "label": level_label},
        web=_url(base_url, ("travel:advisory_detail", [advisory.pk])))
    rings = geojson_outer_rings(area.boundary) if area is not None else []
    _area(info, place, rings, None, advisory.country.iso2)
    return _finish(root)


def crisis_alert(crisis: Crisis, *, base_url: str,
                 areas: Sequence[SecurityArea] | None = None) -> bytes:
    """A crisis as a restricted CAP 1.2 alert; its zone is the area: a circle, the polygon, or
    the boundaries of its security areas (``areas``, read from the crisis when not given)."""
    from vigil.crisis.models import Crisis
    from vigil.crisis.zone import zone_of

    version = crisis.version or 1
    active = crisis.status == Crisis.Status.ACTIVE
    head = _Head("crisis", crisis.pk, version, crisis.created_at,
                 crisis.updated_at if version > 1 else crisis.created_at, "Restricted")
    root = _alert_head(head, base_url)
    info = _info(
        root, event=_("Security crisis"), response="" if active else "AllClear",
        levels=CRISIS_ACTIVE if active else CRISIS_CLOSED,
        effective=crisis.activated_at, onset=crisis.incident_at,
        expires=crisis.closed_at if not active else None,
        headline=crisis.title,
        description=crisis.description if active or not crisis.closure_note
        else f"{crisis.description}\n\n{crisis.closure_note}".strip(),
        instruction="" if active else _("The crisis is closed."),
        web=_url(base_url, ("crisis:crisis_detail", [crisis.pk]),
                 ("crisis:crisis_cap", [crisis.pk])))
    country = crisis.country
    area = crisis.security_area.name \
        if crisis.security_area_id and crisis.security_area is not None else ""
    zone = zone_of(crisis, areas)
    rings = [r for outline in zone.outlines() for r in geojson_outer_rings(outline)]
    _area(info, zone.describe(str(country), area), rings, zone.cap_circle(), country.iso2)
    return _finish(root)


@dataclass(frozen=True)
class FeedEntry:
    """One entry of an Atom feed of CAP messages."""

    id: str
    title: str
    updated: dt.datetime
    summary: str
    cap_url: str
    html_url: str = ""


def atom_feed(entries: Sequence[FeedEntry], *, title: str, feed_url: str,
              base_url: str) -> bytes:
    """An Atom 1.0 feed (RFC 4287) whose entries each link to a CAP message."""
    def sub(parent: etree._Element, name: str, text: str | None = None,
            **attrs: str) -> etree._Element:
        el = etree.SubElement(parent, f"{{{ATOM}}}{name}", attrs)
        if text is not None:
            el.text = _clean(text)
        return el

    root = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    sub(root, "id", feed_url)
    sub(root, "title", title)
    newest = max((e.updated for e in entries), default=None) or dt.datetime.now(dt.UTC)
    sub(root, "updated", atom_time(newest))
    sub(root, "link", rel="self", type=ATOM_CONTENT_TYPE, href=feed_url)
    sub(root, "link", rel="alternate", type="text/html", href=base_url.rstrip("/") + "/")
    author = sub(root, "author")
    sub(author, "name", "Vigil")
    sub(root, "generator", "Vigil")
    for item in entries:
        entry = sub(root, "entry")
        sub(entry, "id", item.id)
        sub(entry, "title", item.title)
        sub(entry, "updated", atom_time(item.updated))
        sub(entry, "summary", item.summary)
        sub(entry, "link", rel="alternate", type=CAP_CONTENT_TYPE, href=item.cap_url)
        if item.html_url:
            sub(entry, "link", rel="related", type="text/html", href=item.html_url)
    data: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                 pretty_print=True)
    return data


def _unique(items: Iterable[Any]) -> list[Any]:
    seen: list[Any] = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen

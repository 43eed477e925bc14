"""CAP alerts in and out, against the database: a CAP 1.2 message received becomes a hazard
incident (with its area, so that the map and the search for people inside see it) and a
CapAlert row that keeps the message; CAP feeds are polled; advisories and crises are
published. Parsing and building the XML is vigil.crisis.cap's work.

An alert's country is found in this order (``place_alert``): the ISO 3166 geocodes of its
areas; the country outline holding most of its polygons and circles (vigil.places.borders);
the alerting authority's country, from a WMO OID in its identifier or sender; the country set
on the feed it came from. The incident records which of these placed it."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import audit, netguard
from vigil.core.authz import Perm, has_perm_anywhere, visible
from vigil.core.errors import DomainError, ErrorCode, FieldError, Forbidden, ValidationFailed
from vigil.crisis import cap
from vigil.crisis.models import CapAlert, CapFeed, Crisis
from vigil.incidents import taxonomy
from vigil.incidents.models import Incident, IncidentCategory
from vigil.places import borders
from vigil.places.geo import area_at
from vigil.places.models import Country
from vigil.places.selectors import country_placed
from vigil.travel.models import Advisory
from vigil.travel.selectors import advisory_list

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

FETCH_TIMEOUT = 20  # seconds
MAX_FEED_ENTRIES = 200
# Polling records real alerts only; a Test, Exercise, System or Draft message is skipped. An
# upload records any status, the status then heading the incident's title.
POLLED_STATUSES = {"Actual"}
# A linked message fetched and recorded is not fetched again for this long.
SEEN_SECONDS = 7 * 24 * 3600
# An incident may not be dated in the future: a warning's onset ahead is kept in the details.
FUTURE_SLACK = dt.timedelta(minutes=15)
CRISIS_FEED_CLOSED_DAYS = 30

Fetch = Callable[[str], bytes]


@dataclass
class CapImportResult:
    """A message recorded (``created``) or found already received (``created`` False). An
    EDXL-DE envelope may hold several alerts: the others' results are in ``others``."""

    alert: CapAlert
    created: bool
    others: list[CapImportResult] = field(default_factory=list)

    @property
    def incident(self) -> Incident:
        return self.alert.incident

    @property
    def every(self) -> list[CapImportResult]:
        return [self, *self.others]

    @property
    def message(self) -> str:
        """What the upload page, the API and `vigil import_cap` say of this alert."""
        text = _("Alert %(identifier)s from %(sender)s recorded as %(incident)s.") \
            if self.created else _("Alert %(identifier)s from %(sender)s was already "
                                   "received: %(incident)s.")
        return text % {"identifier": self.alert.identifier, "sender": self.alert.sender,
                       "incident": self.incident.reference}


def cap_import(*, actor: AnyUser | None, data: bytes, feed: CapFeed | None = None,
               now: dt.datetime | None = None) -> CapImportResult:
    """Record a CAP 1.2 message (or each alert of an EDXL-DE envelope). ``actor`` None is
    the feed poller. A message already received (same sender and identifier) is returned as
    it was, and nothing is added."""
    if actor is not None and not has_perm_anywhere(actor, Perm.IMPORT_CAP):
        raise Forbidden()
    try:
        messages = cap.parse_all(data)
    except cap.CapError as exc:
        raise ValidationFailed([FieldError("file", exc.message, code=ErrorCode.BAD_FILE)],
                               exc.message) from None
    first, *others = import_messages(actor=actor, messages=messages, feed=feed, now=now)
    first.others = others
    return first


@transaction.atomic
def import_messages(*, actor: AnyUser | None, messages: Sequence[cap.CapMessage],
                    feed: CapFeed | None = None,
                    now: dt.datetime | None = None) -> list[CapImportResult]:
    """Record messages already parsed and validated, in one transaction."""
    now = now or timezone.now()
    return [_record(message, actor, feed, now) for message in messages]


def _existing(message: cap.CapMessage) -> CapAlert | None:
    return CapAlert.objects.select_related("incident").filter(
        sender=message.sender, identifier=message.identifier).first()


def _record(message: cap.CapMessage, actor: AnyUser | None, feed: CapFeed | None,
            now: dt.datetime) -> CapImportResult:
    too_long = [name for name, value in (("sender", message.sender),
                                         ("identifier", message.identifier))
                if len(value) > 200]
    if too_long:
        raise ValidationFailed([FieldError("file", _(
            "The message's %(field)s is longer than 200 characters: Vigil cannot keep it.")
            % {"field": too_long[0]}, code=ErrorCode.BAD_FILE)])
    found = _existing(message)
    if found is not None:
        return CapImportResult(found, created=False)
    try:
        with transaction.atomic():  # a savepoint: the same message imported at this moment
            alert = _create(message, actor, feed, now)
    except IntegrityError:
        found = _existing(message)
        if found is None:
            raise
        return CapImportResult(found, created=False)
    _tell_officers(alert)
    return CapImportResult(alert, created=True)


def _tell_officers(alert: CapAlert) -> None:
    """The security officers whose scope holds the alert's incident hear of it at once, in
    Vigil and by e-mail (after commit): an actual alert, not a test or an exercise."""
    if alert.status != "Actual" or alert.incident.country_id is None:
        return
    from django.urls import reverse
    from django.utils.translation import gettext_lazy

    from vigil.core.authz import users_with_perm
    from vigil.core.i18n import Msg
    from vigil.core.services import notify

    incident = alert.incident
    notify(users=users_with_perm(Perm.RECORD_INCIDENT, incident),
           subject=Msg(gettext_lazy("CAP alert: %(title)s"), title=incident.title[:150]),
           body=" · ".join(v for v in (alert.severity, alert.urgency, alert.area_description)
                           if v)[:500],
           url=reverse("incidents:incident_detail", args=[incident.pk]))


def source_id(message: cap.CapMessage) -> str:
    text = f"{message.sender} {message.identifier}"
    if len(text) <= 200:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()
    return f"{text[:150]} {digest[:49]}"


def _country(codes: Sequence[str]) -> Country | None:
    for code in codes:
        lookup = Q(numeric=code) if code.isdigit() else \
            Q(iso2=code) if len(code) == 2 else Q(iso3=code)
        country = Country.objects.filter(lookup).first()
        if country is not None:
            return country
    return None


@dataclass(frozen=True)
class AlertPlacement:
    """The country of an alert, which step found it (an Incident.CountryBasis, "" for
    none), and how far away the country taken was when no outline held the area."""

    country: Country | None
    basis: str = ""
    distance_km: float | None = None


def place_alert(message: cap.CapMessage, feed: CapFeed | None = None) -> AlertPlacement:
    """The country of an alert: its ISO geocodes; else the outline holding most of its
    polygons and circles (the nearest country within 50 km, said so); else the alerting
    authority's country (WMO OID); else the feed's country; else none."""
    Basis = Incident.CountryBasis
    country = _country(message.country_codes())
    if country is not None:
        return AlertPlacement(country, Basis.GEOCODE)
    covered = message.shape()
    found = country_placed(borders.country_of_shape(covered) if covered is not None else None)
    if found is not None:
        return AlertPlacement(found[0], Basis.AREA, found[1])
    authority = message.authority_country()
    country = _country([authority]) if authority is not None else None
    if country is not None:
        return AlertPlacement(country, Basis.AUTHORITY)
    if feed is not None and feed.country_id is not None:
        return AlertPlacement(feed.country, Basis.FEED)
    return AlertPlacement(None)


def _subcategory(hazard: IncidentCategory, code: str) -> IncidentCategory | None:
    found = {c.code: c for c in IncidentCategory.objects.filter(
        parent=hazard, code__in=[code, "other-hazard"])}
    return found.get(code) or found.get("other-hazard")


def _time(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _details(message: cap.CapMessage, info: cap.CapInfo | None,
             referenced: list[CapAlert]) -> dict[str, Any]:
    return {
        "sender": message.sender, "identifier": message.identifier,
        "sent": _time(message.sent), "status": message.status, "msgType": message.msg_type,
        "scope": message.scope, "references": message.references,
        "references_incidents": [a.incident_id for a in referenced],
        "event": info.event if info else "", "categories": info.categories if info else [],
        "urgency": info.urgency if info else "", "severity": info.severity if info else "",
        "certainty": info.certainty if info else "",
        "language": info.language if info else "",
        "onset": _time(info.onset) if info else None,
        "effective": _time(info.effective) if info else None,
        "expires": _time(info.expires) if info else None,
        "web": info.web if info else "",
        "areaDesc": "; ".join(message.area_descriptions()),
        "circles": message.circles(),
    }


LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)


def _description(message: cap.CapMessage, info: cap.CapInfo | None,
                 referenced: list[CapAlert]) -> str:
    parts = []
    if info is not None:
        # Senders often put HTML line breaks in plain-text fields; the page shows text only.
        parts += [LINE_BREAK.sub("\n", info.description or ""),
                  LINE_BREAK.sub("\n", info.instruction or "")]
    notes = {"Update": _("This alert updates %(refs)s."),
             "Cancel": _("This alert cancels %(refs)s."),
             "Error": _("This alert corrects an error in %(refs)s.")}
    if message.msg_type in notes and message.references:
        refs = ", ".join([a.incident.reference for a in referenced]
                         + [identifier for _sender, identifier in message.referenced()
                            if identifier not in {a.identifier for a in referenced}])
        parts.append(notes[message.msg_type] % {"refs": refs})
    if message.note:
        parts.append(message.note)
    return "\n\n".join(p for p in parts if p)


def _title(message: cap.CapMessage, info: cap.CapInfo | None) -> str:
    title = ((info.headline or info.event) if info is not None else "") or \
        _("CAP %(type)s %(identifier)s") % {"type": message.msg_type,
                                            "identifier": message.identifier}
    if message.status != "Actual":
        title = f"[{message.status}] {title}"
    return title[:200]


def _occurred(message: cap.CapMessage, info: cap.CapInfo | None,
              now: dt.datetime) -> dt.datetime:
    when = (info.onset or info.effective) if info is not None else None
    when = when or message.sent
    if when > now + FUTURE_SLACK:  # a warning of what is to come: it was issued when sent
        when = min(message.sent, now)
    return when


def _create(message: cap.CapMessage, actor: AnyUser | None, feed: CapFeed | None,
            now: dt.datetime) -> CapAlert:
    info = message.info
    hazard = IncidentCategory.objects.get(code=taxonomy.HAZARD, parent__isnull=True)
    centre = message.centroid()
    placed = place_alert(message, feed)
    country = placed.country
    area = area_at(country, centre[0], centre[1]) if country and centre else None
    referenced = list(CapAlert.objects.select_related("incident").filter(
        _any_of(message.referenced())))
    # An incident of this message whose CapAlert row was lost is taken up again, not doubled.
    incident = Incident.objects.filter(source_kind=Incident.Source.CAP,
                                       source_id=source_id(message),
                                       cap_alert__isnull=True).first()
    if incident is None:
        incident = Incident.objects.create(
            category=hazard, subcategory=_subcategory(hazard, message.hazard_subcategory()),
            title=_title(message, info), occurred_at=_occurred(message, info, now),
            country=country, security_area=area, country_basis=placed.basis,
            country_distance_km=placed.distance_km,
            latitude=centre[0] if centre else None, longitude=centre[1] if centre else None,
            area_geometry=message.geometry(with_circles=True),
            description=_description(message, info, referenced),
            source=((info.sender_name if info else "") or message.sender)[:300],
            source_kind=Incident.Source.CAP, source_id=source_id(message),
            source_details=_details(message, info, referenced),
            reported_by_id=actor.pk if actor is not None and actor.is_authenticated else None)
    alert = CapAlert.objects.create(
        sender=message.sender, identifier=message.identifier, sent=message.sent,
        status=message.status, msg_type=message.msg_type, scope=message.scope,
        event=(info.event if info else "")[:200], headline=(info.headline if info else "")[:300],
        urgency=info.urgency if info else "", severity=info.severity if info else "",
        certainty=info.certainty if info else "", expires=info.expires if info else None,
        area_description="; ".join(message.area_descriptions()),
        geometry=message.geometry(), circles=message.circles(),
        notes="\n".join(message.notes()), xml=message.xml, feed=feed, incident=incident)
    audit.record(actor=actor, action="crisis.cap.import", obj=alert, changes={
        "incident": incident.pk, "feed": feed.pk if feed is not None else None,
        "sender": message.sender, "identifier": message.identifier,
        "msgType": message.msg_type, "status": message.status,
        "country": country.iso2 if country is not None else None,
        "country_basis": placed.basis})
    return alert


def _any_of(pairs: list[tuple[str, str]]) -> Q:
    condition = Q(pk__in=[])
    for sender, identifier in pairs:
        condition |= Q(sender=sender, identifier=identifier)
    return condition


# --- Polling CAP feeds ---------------------------------------------------------------------------

def fetch_url(url: str) -> bytes:
    """GET an http(s) address: at most cap.MAX_BYTES, FETCH_TIMEOUT seconds; only a public one
    (core.netguard), unless the setting VIGIL_ALLOW_PRIVATE_FETCH allows others."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(_("Only http and https addresses are fetched, not %(url)s.")
                         % {"url": url})
    request = urllib.request.Request(url, headers={  # noqa: S310 - the scheme is checked
        "User-Agent": "Vigil CAP poller",
        "Accept": "application/cap+xml, application/atom+xml, application/rss+xml, "
                  "application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"})
    with netguard.urlopen(request, timeout=FETCH_TIMEOUT) as response:
        data: bytes = response.read(cap.MAX_BYTES + 1)
    if len(data) > cap.MAX_BYTES:
        raise ValueError(_("%(url)s sent more than %(size)s MB.") % {
            "url": url, "size": cap.MAX_BYTES // (1024 * 1024)})
    return data


def _problem(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return _("HTTP error %(code)s") % {"code": exc.code}
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    if isinstance(exc, cap.CapError):
        return exc.message
    if isinstance(exc, DomainError):
        return str(exc.message)
    return str(exc) or type(exc).__name__


def _seen_key(url: str) -> str:
    return "vigil:crisis:cap-seen:" + hashlib.sha256(url.encode()).hexdigest()


@dataclass
class _Tally:
    created: int = 0
    known: int = 0
    skipped: int = 0
    problems: list[str] = field(default_factory=list)


def _import_document(feed: CapFeed, source: str, data: bytes, now: dt.datetime,
                     tally: _Tally) -> bool:
    try:
        messages = cap.parse_all(data)
        wanted = [m for m in messages if m.status in POLLED_STATUSES]
        tally.skipped += len(messages) - len(wanted)
        results = import_messages(actor=None, messages=wanted, feed=feed, now=now) \
            if wanted else []
    except Exception as exc:  # one bad message never stops the others
        tally.problems.append(f"{source}: {_problem(exc)}")
        return False
    for result in results:
        if result.created:
            tally.created += 1
        else:
            tally.known += 1
    return True


def _poll(feed: CapFeed, fetch: Fetch, now: dt.datetime) -> _Tally:
    tally = _Tally()
    try:
        body = fetch(feed.url)
        items = cap.feed_items(body, base_url=feed.url)
    except Exception as exc:  # a failing feed is recorded, not raised
        tally.problems.append(_problem(exc))
        return tally
    if items is None:
        _import_document(feed, feed.url, body, now, tally)
        return tally
    for item in items[:MAX_FEED_ENTRIES]:
        if item.xml:
            _import_document(feed, feed.url, item.xml, now, tally)
            continue
        if cache.get(_seen_key(item.url)):
            tally.known += 1
            continue
        try:
            data = fetch(item.url)
        except Exception as exc:  # one failing entry never stops the others
            tally.problems.append(f"{item.url}: {_problem(exc)}")
            continue
        if _import_document(feed, item.url, data, now, tally):
            cache.set(_seen_key(item.url), "1", timeout=SEEN_SECONDS)
    return tally


def cap_poll_feeds(*, now: dt.datetime | None = None,
                   fetch: Fetch | None = None) -> dict[str, Any]:
    """Poll every active CAP feed: one CAP message, or an Atom or RSS feed whose entries link
    to (or embed) CAP messages. Each message is recorded as by an upload. A feed's failure is
    written on the feed (last_error) and the other feeds are polled all the same."""
    fetch = fetch or fetch_url
    now = now or timezone.now()
    summary: dict[str, Any] = {"feeds": 0, "created": 0, "known": 0, "skipped": 0,
                               "errors": {}}
    for feed in CapFeed.objects.filter(active=True).order_by("name"):
        tally = _poll(feed, fetch, now)
        error = "; ".join(tally.problems)
        # Not a new version of the feed's settings: an administrator's edit is not stale.
        CapFeed.objects.filter(pk=feed.pk).update(last_polled_at=now,
                                                  last_error=error[:500])
        summary["feeds"] += 1
        summary["created"] += tally.created
        summary["known"] += tally.known
        summary["skipped"] += tally.skipped
        if error:
            summary["errors"][feed.name] = error
    return summary


# --- What the CAP feeds publish ------------------------------------------------------------------

def publishable_advisories() -> QuerySet[Advisory]:
    """Advisories in force: every signed-in user may read them."""
    return advisory_list(in_force=True).order_by("-updated_at", "-pk")


def publishable_crises(user: AnyUser) -> QuerySet[Crisis]:
    """Crises the user may see: the active ones, and those closed within the last
    CRISIS_FEED_CLOSED_DAYS days (so that a reader sees the closing update)."""
    since = timezone.now() - dt.timedelta(days=CRISIS_FEED_CLOSED_DAYS)
    return visible(user, Perm.VIEW_CRISIS, Crisis.objects.all()).filter(
        Q(status=Crisis.Status.ACTIVE) | Q(closed_at__gte=since)).select_related(
        "country", "security_area").prefetch_related("areas").order_by("-updated_at", "-pk")

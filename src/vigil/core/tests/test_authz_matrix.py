"""The authorization matrix: every route, every role, inside and outside the role's scope.

The routes come from the URL resolver (pages and the API router); what each should answer comes
from the declared table (authz_table.TABLE) and the role table (core.roles), through
``authz.visible``: a record is inside a role's scope when ``visible`` returns it. The world is
the small demo, loaded once per module (per xdist worker) inside a transaction rolled back at
the end, with a few records moved so that each scoped model has rows on both sides; each role
is one user holding that role over Kenya and Switzerland (SCOPE_COUNTRIES) and nothing else,
and each role is its own test, so that xdist spreads them. The OpenAPI schema, the same for
every signed-in user and seconds to make, is requested by one role (READ_ONCE).

What is checked, for each role:

- a page answers 200 to a role holding its permission, 403 or 404 to one without;
- a page about one record answers 200 for a record in scope, and never 200 for one outside;
- a page links to no record outside the role's scope;
- an API list holds no row outside the role's scope, an API detail answers 200 for a row in
  scope and 403 or 404 for a row outside;
- no route answers 5xx.

A route missing from the table, or an entry whose route is gone, fails ``test_table_covers_
every_route``. ``test_the_matrix_is_not_blind`` requires every scoped Detail and ApiDetail
entry to be requested, by some role, for a record inside its scope and one outside (a few
declared in ONE_WAY, and models seen under a global grant only, outside only), and prints the
counts. ``test_a_dropped_scope_filter_is_caught`` drops the scope of the incidents' selectors
(API and pages), ``test_a_dropped_page_scope_is_caught`` that of the premises pages alone, and
each requires the check to report the leaks.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Model, QuerySet
from django.test import Client, override_settings
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse

from vigil.core import demo
from vigil.core.authz import (
    ROLE_PERMISSIONS,
    Perm,
    Reach,
    Role,
    ScopeKind,
    forget_grants,
    roles_of,
    scope_paths,
    visible,
)
from vigil.core.models import AuditHead, RoleGrant
from vigil.core.tests.authz_table import (
    LINKS_ALLOWED,
    TABLE,
    ApiDetail,
    ApiList,
    Detail,
    Entry,
    Page,
    Read,
    Skip,
    Via,
    Write,
)
from vigil.places.models import Country
from vigil.places.services import countries_sync

ALLOWED = (200, 302)
DENIED = (403, 404)


# --- The routes ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    name: str
    pattern: str
    callback: Any


def routes() -> dict[str, Route]:
    """Every named route of the site, the admin site aside, once per name (the API's format
    suffixes share their route's name)."""
    found: dict[str, Route] = {}

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for item in resolver.url_patterns:
            if isinstance(item, URLResolver):
                if item.app_name == "admin":
                    continue
                inner = namespace + (f"{item.namespace}:" if item.namespace else "")
                walk(item, prefix + str(item.pattern), inner)
            elif isinstance(item, URLPattern):
                name = namespace + (item.name or "")
                if item.name and name not in found:
                    found[name] = Route(name, prefix + str(item.pattern), item.callback)

    walk(get_resolver(), "", "")
    return found


def test_table_covers_every_route() -> None:
    """A new route must be declared in authz_table.TABLE; a gone one must leave it."""
    known = routes()
    missing = sorted(set(known) - set(TABLE))
    stale = sorted(set(TABLE) - set(known))
    assert not missing, ("routes missing from core/tests/authz_table.py (declare what each "
                         "role may get):\n" + "\n".join(missing))
    assert not stale, "entries of authz_table.py whose route is gone:\n" + "\n".join(stale)


def test_every_route_has_a_kind_the_matrix_checks() -> None:
    """The API's list and detail routes are checked as such, not skipped or read blindly."""
    wrong = []
    for name, route in routes().items():
        actions = getattr(route.callback, "actions", None) or {}
        entry = TABLE.get(name)
        if isinstance(entry, Skip):  # declared, with its reason
            continue
        if actions.get("get") == "list" and hasattr(route.callback.cls, "selector"):
            if not isinstance(entry, ApiList):
                wrong.append(f"{name}: a scoped API list, declared {entry}")
        elif actions.get("get") == "retrieve" and hasattr(route.callback.cls, "selector"):
            if not isinstance(entry, ApiDetail):
                wrong.append(f"{name}: a scoped API detail, declared {entry}")
        elif actions and "get" not in actions and not isinstance(entry, Write):
            wrong.append(f"{name}: takes no GET, declared {entry}")
    assert not wrong, "\n".join(wrong)


# --- The world ----------------------------------------------------------------------------

# The countries each role is granted over: Kenya, where the demo keeps most field records, and
# Switzerland, one of the four headquarters' countries of its access control, drills and
# protection cases (none of those is in Kenya: with Kenya alone they were checked outside only).
SCOPE_COUNTRIES = ("KE", "CH")


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[Role, Any]]:
    """The small demo, a few of its records moved so that each scoped model has rows inside
    and outside the scope, and one user per role holding it over SCOPE_COUNTRIES; rolled
    back after."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    # The thousands of 403, 404 and 405 answers are expected: django.request keeps to errors
    # (a 5xx), so that `pytest -rP` shows the counts printed, not a warning per request.
    requests_log = logging.getLogger("django.request")
    level = requests_log.level
    requests_log.setLevel(logging.ERROR)
    try:
        with fast, django_db_blocker.unblock(), transaction.atomic():
            AuditHead.objects.get_or_create(pk=1)
            if not Country.objects.exists():
                countries_sync()
            demo.demo_load(scale="small")
            outside_the_scope()
            users = {}
            for role in Role:
                user = get_user_model().objects.create_user(username=f"matrix.{role.value}")
                for iso2 in SCOPE_COUNTRIES:
                    RoleGrant.objects.create(user=user, role=role, scope_kind=ScopeKind.COUNTRY,
                                             scope_id=Country.objects.get(iso2=iso2).pk)
                forget_grants(user)
                users[role] = user
            yield users
            transaction.set_rollback(True)
    finally:
        requests_log.setLevel(level)


def outside_the_scope() -> None:
    """The demo keeps every crisis, SMT action point and joint plan, incident handling,
    premises survey, security plan and wellbeing case in Kenya: one of each (with what hangs
    on it) moves to Somalia, so that a Kenya reader has one outside its scope. A CAP alert
    (none in the demo) is added on a Somalia incident, and a broadcast on a Kenya crisis."""
    from vigil.coordination.models import IncidentHandling, SecurityManagementTeam
    from vigil.crisis.models import Broadcast, CapAlert, Crisis
    from vigil.incidents.models import Incident
    from vigil.places.models import DutyStation, Premises, SecurityArea
    from vigil.risk.models import PremisesSurvey, SecurityPlan
    from vigil.wellbeing.models import Case

    kenya = Country.objects.get(iso2="KE")
    somalia = Country.objects.get(iso2="SO")
    station = DutyStation.objects.filter(country=somalia).order_by("pk").first()
    premises = Premises.objects.filter(duty_station__country=somalia).order_by("pk").first()
    assert station is not None, "the demo has a duty station in Somalia"
    assert premises is not None, "the demo has premises in Somalia"

    def last(model: type[Model], **in_kenya: Any) -> Any:
        row = model._default_manager.filter(**in_kenya).order_by("pk").last()
        assert row is not None, f"the demo has a {model.__name__} in Kenya"
        return row

    crisis = last(Crisis, country=kenya)
    Crisis.objects.filter(pk=crisis.pk).update(country=somalia, security_area=None)
    # Somalia has its country's team already (one active team per country, and per area):
    # Kenya's area team moves to an area of Somalia without one, its meetings, action points
    # and joint plans with it.
    team = last(SecurityManagementTeam, country=kenya, security_area__isnull=False)
    area = (SecurityArea.objects.filter(country=somalia)
            .exclude(smts__active=True).order_by("pk").first())
    assert area is not None, "the demo has a security area in Somalia without a team"
    SecurityManagementTeam.objects.filter(pk=team.pk).update(country=somalia,
                                                             security_area=area)
    handling = last(IncidentHandling, country=kenya)
    IncidentHandling.objects.filter(pk=handling.pk).update(country=somalia)
    survey = last(PremisesSurvey, premises__duty_station__country=kenya)
    PremisesSurvey.objects.filter(pk=survey.pk).update(premises=premises)
    plan = last(SecurityPlan, country=kenya)
    SecurityPlan.objects.filter(pk=plan.pk).update(country=somalia, duty_station=station)
    case = last(Case, country=kenya)
    Case.objects.filter(pk=case.pk).update(country=somalia, duty_station=station)

    incident = (Incident.objects.filter(country=somalia, cap_alert__isnull=True)
                .order_by("pk").first())
    assert incident is not None, "the demo has an incident in Somalia"
    CapAlert.objects.create(sender="matrix@example.org", identifier="matrix-1",
                            sent=incident.occurred_at, status="Actual", msg_type="Alert",
                            scope="Public", xml="<alert/>", incident=incident)
    broadcast = Broadcast.objects.order_by("pk").first()
    assert broadcast is not None, "the demo has a broadcast"
    broadcast.pk = None
    broadcast.crisis = last(Crisis, country=kenya)
    broadcast.save()


# --- The check ----------------------------------------------------------------------------

_HREF = re.compile(r'<a\s[^>]*?href="([^"]+)"')


@dataclass
class Matrix:
    """One role's run: the faults found and the requests made."""

    user: Any
    client: Client
    faults: list[str] = field(default_factory=list)
    requests: int = 0
    # The Detail and ApiDetail entries requested for a record inside the scope and one
    # outside it (both ways), for one outside only, or for one inside only.
    both_ways: set[str] = field(default_factory=set)
    outside_only: set[str] = field(default_factory=set)
    inside_only: set[str] = field(default_factory=set)
    _visible: dict[tuple[Perm | None, type[Model], Via], set[Any]] = field(default_factory=dict)

    def get(self, url: str, *, api: bool = False) -> Any:
        self.requests += 1
        if api:
            return self.client.get(url, HTTP_ACCEPT="application/json")
        return self.client.get(url)

    def seen(self, perm: Perm | None, model: type[Model], via: Via = ()) -> set[Any]:
        """The primary keys of ``model`` that the role may see under ``perm``, or through the
        rows of ``via``."""
        key = (perm, model, via)
        if key not in self._visible:
            rows: QuerySet[Any] = model._default_manager.all()
            if perm is not None:
                rows = visible(self.user, perm, rows)
            found = set(rows.values_list("pk", flat=True))
            for other_perm, label, field_name in via:
                other = apps.get_model(label)._default_manager.all()
                found |= set(visible(self.user, other_perm, other)
                             .values_list(field_name, flat=True))
            self._visible[key] = found
        return self._visible[key]

    def holds(self, perms: tuple[Perm, ...]) -> bool:
        roles = roles_of(self.user)
        return any(perm in ROLE_PERMISSIONS[role] for perm in perms for role in roles)

    def fault(self, route: str, message: str) -> None:
        self.faults.append(f"{route}: {message}")

    def inside_and_outside(self, perm: Perm | None, model: type[Model], via: Via = ()
                           ) -> tuple[Any | None, Any | None]:
        """A record inside the role's scope and one outside it, lowest keys first."""
        seen = self.seen(perm, model, via)
        inside = min(seen) if seen else None
        outside = (model._default_manager.exclude(pk__in=seen).order_by("pk")
                   .values_list("pk", flat=True).first())
        return inside, outside

    def targets(self, name: str, route: Route, entry: Detail | ApiDetail
                ) -> tuple[type[Model], Any | None, Any | None]:
        """The model of a Detail or ApiDetail entry, and the records it is requested for
        (inside, outside); notes which ways it is checked."""
        if isinstance(entry, Detail):
            model = apps.get_model(entry.model)
        else:
            model = route.callback.cls.selector(user=self.user).model
        inside, outside = self.inside_and_outside(entry.perm, model, entry.via)
        if inside is not None and outside is not None:
            self.both_ways.add(name)
        elif outside is not None:
            self.outside_only.add(name)
        elif inside is not None:
            self.inside_only.add(name)
        return model, inside, outside

    def links(self, route: str, html: str) -> None:
        """Every link to a record's page must point at a record the role may see."""
        for href in set(_HREF.findall(html)):
            parts = urlsplit(href)
            if parts.netloc or not parts.path.startswith("/"):
                continue
            try:
                match = resolve(parts.path)
            except Resolver404:
                continue
            entry = TABLE.get(match.view_name)
            if (not isinstance(entry, Detail) or "pk" not in match.kwargs
                    or (route, match.view_name) in LINKS_ALLOWED):
                continue
            model = apps.get_model(entry.model)
            if int(match.kwargs["pk"]) not in self.seen(entry.perm, model, entry.via):
                self.fault(route, f"links to {href}, outside the role's scope")


def _api_ids(response: Any) -> list[Any]:
    data = json.loads(response.content)
    rows = data.get("results", data) if isinstance(data, dict) else data
    return [row.get("id") for row in rows if isinstance(row, dict)]


def _url(route: Route, **kwargs: Any) -> str:
    return reverse(route.name, kwargs=kwargs or None)


def check(matrix: Matrix, names: list[str] | None = None, *, once: bool = True) -> None:
    """Requests every route of the table (or those ``names``) as ``matrix``'s role, and lists
    in ``matrix.faults`` every answer that differs from the table. ``once``: request the
    READ_ONCE routes too (one role does)."""
    known = routes()
    for name in names or sorted(TABLE):
        entry: Entry = TABLE[name]
        route = known[name]
        if isinstance(entry, Skip):
            continue
        if isinstance(entry, Page):
            response = matrix.get(_url(route))
            _page(matrix, name, entry, response)
        elif isinstance(entry, Detail):
            _detail(matrix, name, route, entry)
        elif isinstance(entry, ApiList | ApiDetail):
            _api(matrix, name, route, entry)
        elif isinstance(entry, Read):
            if entry.once and not once:
                continue
            response = matrix.get(_url(route))
            if response.status_code >= 500 or _to_sign_in(response):
                matrix.fault(name, f"answered {response.status_code}")
        elif isinstance(entry, Write):
            url = _write_url(route)
            if url is not None:
                response = matrix.get(url, api=True)
                if response.status_code not in (*DENIED, 405):
                    matrix.fault(name, f"GET answered {response.status_code}")


def _to_sign_in(response: Any) -> bool:
    return response.status_code == 302 and "/sign-in/" in response.get("Location", "")


def _page(matrix: Matrix, name: str, entry: Page, response: Any) -> None:
    status = response.status_code
    if status >= 500 or _to_sign_in(response):
        matrix.fault(name, f"answered {status}")
    elif not entry.perms:
        pass
    elif matrix.holds(entry.perms):
        if status not in ALLOWED:
            matrix.fault(name, f"answered {status} to a role holding one of {entry.perms}")
    elif status not in DENIED:
        matrix.fault(name, f"answered {status} to a role holding none of {entry.perms}")
    if status == 200 and response.get("Content-Type", "").startswith("text/html"):
        matrix.links(name, response.content.decode())


def _detail(matrix: Matrix, name: str, route: Route, entry: Detail) -> None:
    model, inside, outside = matrix.targets(name, route, entry)
    if inside is not None:
        response = matrix.get(_url(route, pk=inside))
        expected = (*ALLOWED, *DENIED) if entry.narrower else ALLOWED
        if response.status_code not in expected or _to_sign_in(response):
            matrix.fault(name, f"answered {response.status_code} for {model.__name__} "
                               f"{inside}, in scope")
        elif response.status_code == 200:
            matrix.links(name, response.content.decode())
    if outside is not None:
        response = matrix.get(_url(route, pk=outside))
        if response.status_code not in DENIED:
            matrix.fault(name, f"answered {response.status_code} for {model.__name__} "
                               f"{outside}, outside the scope")


def _api(matrix: Matrix, name: str, route: Route, entry: ApiList | ApiDetail) -> None:
    model = route.callback.cls.selector(user=matrix.user).model
    if isinstance(entry, ApiList):
        response = matrix.get(_url(route), api=True)
        if response.status_code in DENIED:
            if entry.perm is not None and matrix.seen(entry.perm, model, entry.via):
                matrix.fault(name, f"answered {response.status_code}, rows in scope")
            return
        if response.status_code != 200:
            matrix.fault(name, f"answered {response.status_code}")
            return
        seen = matrix.seen(entry.perm, model, entry.via)
        leaked = [pk for pk in _api_ids(response) if pk is not None and pk not in seen]
        if leaked:
            matrix.fault(name, f"lists {model.__name__} {leaked[:5]}, outside the scope")
        return
    model, inside, outside = matrix.targets(name, route, entry)
    if inside is not None:
        response = matrix.get(_url(route, pk=inside), api=True)
        expected = (200, *DENIED) if entry.narrower else (200,)
        if response.status_code not in expected:
            matrix.fault(name, f"answered {response.status_code} for {model.__name__} "
                               f"{inside}, in scope")
    if outside is not None:
        response = matrix.get(_url(route, pk=outside), api=True)
        if response.status_code not in DENIED:
            matrix.fault(name, f"answered {response.status_code} for {model.__name__} "
                               f"{outside}, outside the scope")


_PARAM = re.compile(r"\(\?P<(\w+)>[^)]*\)|<(?:\w+:)?(\w+)>")


def _write_url(route: Route) -> str | None:
    """The URL of an API action, with 1 for each key (the GET is refused before any lookup)."""
    kwargs = {a or b: 1 for a, b in _PARAM.findall(route.pattern) if (a or b) != "format"}
    try:
        return reverse(route.name, kwargs=kwargs or None)
    except Exception:
        return None


def run(user: Any, names: list[str] | None = None, *, once: bool = True) -> Matrix:
    client = Client(raise_request_exception=False)  # a 500 is a fault to list, not an end
    client.force_login(user)
    matrix = Matrix(user=user, client=client)
    check(matrix, names, once=once)
    return matrix


# The matrix loads the small demo once per worker and sends about 550 requests per role: minutes
# on a 2-core machine, too long for both runs of `make test`. It runs when asked, with
# VIGIL_AUTHZ_MATRIX=1; the coverage and kind tests above run always.
needs_matrix = pytest.mark.skipif(
    not os.environ.get("VIGIL_AUTHZ_MATRIX"),
    reason="the authorization matrix: VIGIL_AUTHZ_MATRIX=1 (several minutes)")


# The role that also requests the READ_ONCE routes.
ONCE = Role.TRAVELLER


@needs_matrix
@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_matrix(world: dict[Role, Any], db: Any, role: Role) -> None:
    matrix = run(world[role], once=role is ONCE)
    print(f"matrix {role.value}: {matrix.requests} requests; Detail and ApiDetail entries "  # noqa: T201
          f"checked both ways {len(matrix.both_ways)}, outside only "
          f"{len(matrix.outside_only)}, inside only {len(matrix.inside_only)}")
    assert not matrix.faults, (f"{role.value} over {', '.join(SCOPE_COUNTRIES)}, "
                               f"{len(matrix.faults)} faults:\n"
                               + "\n".join(matrix.faults))


# Scoped entries checked outside the scope only, and why: no role of the world holds one of
# their records (they are all in one place, which a Kenya and Switzerland reader either holds
# whole or not at all).
ONE_WAY: dict[str, str] = {
    **dict.fromkeys(("hq-meeting-detail", "hq:access_meeting_detail", "hq:access_meeting_edit",
                     "hq-visit-detail", "hq:access_visit_detail", "hq:access_visit_edit",
                     "hq-delegation-detail", "hq-accreditation-detail"),
                    "the demo's only HQ meeting, its visits, delegations and accreditations "
                    "are in New York"),
    **dict.fromkeys(("entry-import-detail", "hq:gate_import_detail"),
                    "the demo's only entry import is in New York"),
}


def _everywhere(perm: Perm | None) -> bool:
    """Reference data: no permission, or one every role holding it holds on every row."""
    return perm is None or all(reaches.get(perm) in (None, Reach.ALL)
                               for reaches in ROLE_PERMISSIONS.values())


def _global_only(model: type[Model], entry: Detail | ApiDetail) -> bool:
    """A model with no scope path is seen under a global grant only: for the matrix's
    country-scoped readers every row is outside, and that is what is checked."""
    return not scope_paths(model) and not entry.via


@needs_matrix
def test_the_matrix_is_not_blind(world: dict[Role, Any], db: Any) -> None:
    """Every scoped Detail and ApiDetail entry is requested, by some role, both for a record
    inside that role's scope and for one outside it: a world where every role saw all rows of
    a model, or none, would pass any leak of that model unseen. (Reference entries, with no
    permission, show the same rows to everyone: they have no outside.) Counts only: no
    requests."""
    known = routes()
    details = {name: entry for name, entry in TABLE.items()
               if isinstance(entry, Detail | ApiDetail)}
    reference = sorted(name for name, entry in details.items() if _everywhere(entry.perm))
    scoped = sorted(set(details) - set(reference))
    both: dict[str, int] = dict.fromkeys(scoped, 0)
    outside: dict[str, int] = dict.fromkeys(scoped, 0)
    models: dict[str, type[Model]] = {}
    for user in world.values():
        matrix = Matrix(user=user, client=Client())
        for name in scoped:
            entry = TABLE[name]
            assert isinstance(entry, Detail | ApiDetail)
            models[name], _inside, _outside = matrix.targets(name, known[name], entry)
        for name in matrix.both_ways:
            both[name] += 1
        for name in matrix.both_ways | matrix.outside_only:
            outside[name] += 1
    roles = len(world)
    one_way = {name for name in scoped
               if name in ONE_WAY or _global_only(models[name], details[name])}
    print(f"matrix: {len(scoped)} scoped Detail and ApiDetail entries, checked both ways by "  # noqa: T201
          f"at least one role {sum(1 for c in both.values() if c)} ({sum(both.values())} "
          f"role-entry pairs), outside only {len(one_way)} (declared or global only); "
          f"{len(reference)} reference entries (the same rows for everyone: inside only)")
    for name in scoped:
        why = ONE_WAY.get(name, "global only" if name in one_way else "")
        print(f"  {name}: both ways {both[name]}/{roles}, outside {outside[name]}/{roles}"  # noqa: T201
              + (f" ({why})" if why else ""))
    never_outside = [name for name in scoped if not outside[name]]
    never_both = [name for name in scoped if not both[name] and name not in one_way]
    assert not never_outside, ("entries never requested for a record outside the scope (the "
                               "matrix is blind to their leaks):\n" + "\n".join(never_outside))
    assert not never_both, ("entries no role requests both inside and outside its scope (add "
                            "such records to the world):\n" + "\n".join(never_both))


@needs_matrix
def test_a_dropped_scope_filter_is_caught(world: dict[Role, Any], db: Any,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Proof that the matrix works: without the scope filter of the incidents' selectors, the
    API list and detail and the incident page show Somalia's incidents to Kenya's officer, and
    the check says so."""
    from vigil.incidents import selectors
    from vigil.incidents.models import Incident

    names = ["incident-list", "incident-detail", "incidents:incident_detail",
             "incidents:incident_list"]
    clean = run(world[Role.SECURITY_OFFICER], names)
    assert not clean.faults, clean.faults

    everything: Callable[..., QuerySet[Incident]] = lambda user, perm, qs: qs  # noqa: E731
    monkeypatch.setattr(selectors, "visible", everything)
    monkeypatch.setattr(selectors, "get_visible",
                        lambda user, perm, qs, **lookup: qs.get(**lookup))
    leaky = run(world[Role.SECURITY_OFFICER], names)
    reported = "\n".join(leaky.faults)
    assert "incident-list: lists Incident" in reported, reported
    assert "incident-detail: answered 200" in reported, reported
    assert "incidents:incident_detail: answered 200" in reported, reported
    assert "incidents:incident_list: links to /incidents/" in reported, reported


@needs_matrix
def test_a_dropped_page_scope_is_caught(world: dict[Role, Any], db: Any,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The same proof for pages alone: the premises pages call places.selectors at each
    request, while the API's viewset holds the selector it was made with. Without the scope
    of those two page selectors, the premises list links to premises outside Kenya and the
    premises page opens one; the check says so for the pages, and the API stays clean."""
    from vigil.places import selectors
    from vigil.places.models import Premises

    api = ["premises-list", "premises-detail"]
    names = ["places:premises_list", "places:premises_detail", *api]
    clean = run(world[Role.SECURITY_OFFICER], names)
    assert not clean.faults, clean.faults
    assert "places:premises_detail" in clean.both_ways

    everything = Premises.objects.select_related("duty_station__country")
    monkeypatch.setattr(selectors, "premises_list", lambda *, user, **filters: everything)
    monkeypatch.setattr(selectors, "premises_get", lambda *, user, pk: everything.get(pk=pk))
    leaky = run(world[Role.SECURITY_OFFICER], names)
    reported = "\n".join(leaky.faults)
    assert "places:premises_list: links to /places/premises/" in reported, reported
    assert "places:premises_detail: answered 200 for Premises" in reported, reported
    assert not [fault for fault in leaky.faults if fault.split(":")[0] in api], reported

"""The authorization matrix: every route, every role, inside and outside the role's scope.

The routes come from the URL resolver (pages and the API router); what each should answer comes
from the declared table (authz_table.TABLE) and the role table (core.roles), through
``authz.visible``: a record is inside a role's scope when ``visible`` returns it. The world is
the small demo, loaded once per module (per xdist worker) inside a transaction rolled back at
the end; each role is one user holding that role over Kenya and nothing else, and each role is
its own test, so that xdist spreads them.

What is checked, for each role:

- a page answers 200 to a role holding its permission, 403 or 404 to one without;
- a page about one record answers 200 for a record in scope, and never 200 for one outside;
- a page links to no record outside the role's scope;
- an API list holds no row outside the role's scope, an API detail answers 200 for a row in
  scope and 403 or 404 for a row outside;
- no route answers 5xx.

A route missing from the table, or an entry whose route is gone, fails ``test_table_covers_
every_route``. ``test_a_dropped_scope_filter_is_caught`` drops the scope of one selector and
of one page, and requires the check to report both leaks.
"""

from __future__ import annotations

import json
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
    Role,
    ScopeKind,
    forget_grants,
    roles_of,
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

@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[dict[Role, Any]]:
    """The small demo, and one user per role holding it over Kenya; rolled back after."""
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with fast, django_db_blocker.unblock(), transaction.atomic():
        AuditHead.objects.get_or_create(pk=1)
        if not Country.objects.exists():
            countries_sync()
        demo.demo_load(scale="small")
        kenya = Country.objects.get(iso2="KE")
        users = {}
        for role in Role:
            user = get_user_model().objects.create_user(username=f"matrix.{role.value}")
            RoleGrant.objects.create(user=user, role=role, scope_kind=ScopeKind.COUNTRY,
                                     scope_id=kenya.pk)
            forget_grants(user)
            users[role] = user
        yield users
        transaction.set_rollback(True)


# --- The check ----------------------------------------------------------------------------

_HREF = re.compile(r'<a\s[^>]*?href="([^"]+)"')


@dataclass
class Matrix:
    """One role's run: the faults found and the requests made."""

    user: Any
    client: Client
    faults: list[str] = field(default_factory=list)
    requests: int = 0
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


def check(matrix: Matrix, names: list[str] | None = None) -> None:
    """Requests every route of the table (or those ``names``) as ``matrix``'s role, and lists
    in ``matrix.faults`` every answer that differs from the table."""
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
    model = apps.get_model(entry.model)
    inside, outside = matrix.inside_and_outside(entry.perm, model, entry.via)
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
    inside, outside = matrix.inside_and_outside(entry.perm, model, entry.via)
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


def run(user: Any, names: list[str] | None = None) -> Matrix:
    client = Client(raise_request_exception=False)  # a 500 is a fault to list, not an end
    client.force_login(user)
    matrix = Matrix(user=user, client=client)
    check(matrix, names)
    return matrix


# The matrix loads the small demo once per worker and sends about 550 requests per role: minutes
# on a 2-core machine, too long for both runs of `make test`. It runs when asked, with
# VIGIL_AUTHZ_MATRIX=1; the coverage and kind tests above run always.
needs_matrix = pytest.mark.skipif(
    not os.environ.get("VIGIL_AUTHZ_MATRIX"),
    reason="the authorization matrix: VIGIL_AUTHZ_MATRIX=1 (several minutes)")


@needs_matrix
@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_matrix(world: dict[Role, Any], db: Any, role: Role) -> None:
    matrix = run(world[role])
    print(f"matrix {role.value}: {matrix.requests} requests")  # noqa: T201
    assert not matrix.faults, (f"{role.value} over Kenya, {len(matrix.faults)} faults:\n"
                               + "\n".join(matrix.faults))


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

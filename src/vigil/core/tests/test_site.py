"""Health, sign-in, home pages per role, languages, and the demo."""

from __future__ import annotations

import pytest
from django.db import transaction

from vigil.core import demo
from vigil.core.authz import Role, ScopeKind
from vigil.core.errors import DomainError
from vigil.people.demo import DEMO_USERS


def test_healthz_and_readyz(db, client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] == "ok"


def test_readyz_reports_unreachable_broker(db, client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["broker"].startswith("error")


def test_sign_in_and_wrong_password(cast, user_with, client):
    user_with(Role.TRAVELLER, username="amina")
    bad = client.post("/sign-in/", {"username": "amina", "password": "nope"})
    assert bad.status_code == 200
    assert "wrong" in bad.content.decode()
    good = client.post("/sign-in/", {"username": "amina", "password": "correct horse battery"})
    assert good.status_code == 302
    assert good["Location"] == "/"


def test_repeated_failures_lock_the_account(cast, user_with, client):
    user_with(Role.TRAVELLER, username="amina")
    for _ in range(5):
        client.post("/sign-in/", {"username": "amina", "password": "nope"})
    locked = client.post("/sign-in/", {"username": "amina", "password": "correct horse battery"})
    assert locked.status_code == 429


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize(("language", "word"), [("en", "Your roles"), ("zh-hans", "您的角色")])
def test_every_role_has_a_home_page_in_english_and_chinese(cast, user_with, client, role,
                                                           language, word):
    client.force_login(user_with(role, ScopeKind.COUNTRY if role is not Role.TRAVELLER
                                 else ScopeKind.GLOBAL,
                                 cast.kenya if role is not Role.TRAVELLER else None))
    client.cookies["vigil_language"] = language
    page = client.get("/")
    assert page.status_code == 200
    assert word in page.content.decode()


def test_language_switcher_sets_language(db, client):
    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/sign-in/"})
    assert response.status_code == 302
    assert "登录" in client.get("/sign-in/").content.decode()


def test_arabic_pages_are_right_to_left(db, client):
    client.cookies["vigil_language"] = "ar"
    assert 'dir="rtl"' in client.get("/sign-in/").content.decode()


class Rollback(Exception):
    """Raised to undo a demo load, so the same empty database can take it again."""


def _demo_sample(seed: int) -> dict[str, object]:
    from vigil.people.models import Person

    captured: dict[str, object] = {}
    try:
        with transaction.atomic():
            captured["counts"] = demo.demo_load(scale="small", seed=seed)
            captured["rows"] = list(Person.objects.order_by("index_number").values_list(
                "family_name", "duty_station__code", "organization__code")[:300])
            with pytest.raises(DomainError, match="already has users"):
                demo.demo_load(scale="small", seed=seed)
            raise Rollback
    except Rollback:
        pass
    return captured


def test_demo_is_deterministic_and_has_one_user_per_role(db):
    first, second = _demo_sample(7), _demo_sample(7)
    assert first == second
    counts = first["counts"]
    assert counts["duty_stations"] == 50
    assert counts["personnel"] == 2000 + len(DEMO_USERS)
    assert counts["users"] == len(DEMO_USERS)
    assert {u[3] for u in DEMO_USERS} == set(Role)


def test_switcher_offers_the_six_un_languages(settings):
    assert [code for code, _name in settings.LANGUAGES] == ["ar", "zh-hans", "en", "fr", "ru",
                                                           "es"]


def test_audit_log_menu_only_for_global_holders(cast, user_with, client):
    client.force_login(user_with(Role.ADMINISTRATOR, ScopeKind.COUNTRY, cast.kenya))
    assert "/audit/" not in client.get("/").content.decode()
    client.force_login(user_with(Role.ADMINISTRATOR))
    assert "/audit/" in client.get("/").content.decode()


def test_demo_command_refuses_a_database_with_users(cast, user_with):
    from django.core.management import CommandError, call_command

    user_with(Role.TRAVELLER)
    with pytest.raises(CommandError, match="already has users"):
        call_command("demo", verbosity=0)
    call_command("demo", "--if-empty", verbosity=0)  # succeeds, does nothing


@pytest.mark.parametrize(("url", "sources"), [
    ("", []),
    ("https://tiles.example.org/{z}/{x}/{y}.png", ["https://tiles.example.org"]),
    ("https://{s}.tile.example.org/{z}/{x}/{y}.png", ["https://*.tile.example.org"]),
])
def test_tile_url_becomes_a_csp_source(url, sources):
    from vigil.config.settings import tile_sources

    assert tile_sources(url) == sources

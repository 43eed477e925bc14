"""Fixtures shared by every app's tests: a fixed cast of places, people and users.

Kenya (KE) holds Nairobi (area NBI) and Mombasa; Somalia (SO) holds Mogadishu. Each test user
holds one role over one scope; ``user_with`` makes more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from vigil.core.authz import Role, ScopeKind, forget_grants
from vigil.core.models import RoleGrant
from vigil.people.models import Dependant, Organization, Person
from vigil.places.models import Country, DutyStation, Premises, SecurityArea


class Cast:
    """Named records, so tests read as sentences."""

    def __init__(self) -> None:
        self.kenya = Country.objects.get(iso2="KE")
        self.somalia = Country.objects.get(iso2="SO")
        self.nbi_area = SecurityArea.objects.create(country=self.kenya, code="NBI",
                                                    name="Greater Nairobi")
        self.nairobi = DutyStation.objects.create(
            code="KE-NBO", name="Nairobi", country=self.kenya, security_area=self.nbi_area,
            latitude=-1.286, longitude=36.817, time_zone="Africa/Nairobi",
            kind=DutyStation.Kind.HEADQUARTERS)
        self.mombasa = DutyStation.objects.create(
            code="KE-MBA", name="Mombasa", country=self.kenya, latitude=-4.043,
            longitude=39.668, time_zone="Africa/Nairobi")
        self.mogadishu = DutyStation.objects.create(
            code="SO-MGQ", name="Mogadishu", country=self.somalia, latitude=2.046,
            longitude=45.318, time_zone="Africa/Mogadishu")
        self.gigiri = Premises.objects.create(duty_station=self.nairobi, name="UN Gigiri",
                                              address="UN Avenue", latitude=-1.23,
                                              longitude=36.81, staff_capacity=3000)
        self.mombasa_office = Premises.objects.create(
            duty_station=self.mombasa, name="Mombasa office", address="Moi Avenue",
            latitude=-4.04, longitude=39.67)
        self.mogadishu_compound = Premises.objects.create(
            duty_station=self.mogadishu, name="MIA compound", address="Aden Adde airport",
            latitude=2.01, longitude=45.30)
        self.undp = Organization.objects.create(code="UNDP", name="UN Development Programme",
                                                kind=Organization.Kind.FUND_PROGRAMME)
        self.wfp = Organization.objects.create(code="WFP", name="World Food Programme",
                                               kind=Organization.Kind.FUND_PROGRAMME)
        self.amina = self.person("10000001", "Achieng", self.undp, self.nairobi)
        self.omar = self.person("10000002", "Hassan", self.wfp, self.mombasa)
        self.fatuma = self.person("10000003", "Abdi", self.wfp, self.mogadishu)
        self.amina_child = Dependant.objects.create(person=self.amina, family_name="Achieng",
                                                    given_name="Tom", relationship="child")
        self.fatuma_spouse = Dependant.objects.create(person=self.fatuma, family_name="Abdi",
                                                      given_name="Ali", relationship="spouse")

    @staticmethod
    def person(index: str, family: str, org: Organization, station: DutyStation) -> Person:
        return Person.objects.create(index_number=index, family_name=family, given_name="A",
                                     organization=org, category="international",
                                     duty_station=station, phones=["+254 20 7621234"],
                                     residence_address="1 Road", residence_latitude=-1.2,
                                     residence_longitude=36.8)

    def scope(self, kind: ScopeKind) -> Any:
        """The Kenya-side object of each scope kind: Nairobi, its area, Kenya, UNDP, Gigiri."""
        return {ScopeKind.GLOBAL: None, ScopeKind.COUNTRY: self.kenya,
                ScopeKind.SECURITY_AREA: self.nbi_area, ScopeKind.DUTY_STATION: self.nairobi,
                ScopeKind.ORGANIZATION: self.undp, ScopeKind.PREMISES: self.gigiri}[kind]


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # Argon2 is right for people and far too slow for hundreds of test users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "real_second_factor: force_login does not verify the "
                            "second factor (tests of the second factor itself)")


@pytest.fixture(autouse=True)
def _force_login_gives_second_factor(request: Any, monkeypatch: Any) -> None:
    """A TEST SHORTCUT. As ``client.force_login`` skips the password, it here also skips the
    second factor: the session counts as verified by a confirmed authenticator of the user's
    (made if the user has none), as django_otp.login would after a right code. So tests of
    privileged pages need no TOTP. Sign-in through the pages (the e2e tests, test_crawl)
    still types the code; tests marked ``real_second_factor`` (test_mfa) get Django's own
    force_login."""
    if request.node.get_closest_marker("real_second_factor"):
        return
    original = Client.force_login

    def force_login(self: Client, user: Any, backend: str | None = None) -> None:
        original(self, user, backend)
        device = (TOTPDevice.objects.filter(user=user, confirmed=True).first()
                  or TOTPDevice.objects.create(user=user, name="Test shortcut",
                                               confirmed=True))
        session = self.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture
def cast(db: Any) -> Cast:
    return Cast()


@pytest.fixture
def user_with(db: Any) -> Callable[..., Any]:
    counter = {"n": 0}

    def make(role: Role | None = None, kind: ScopeKind = ScopeKind.GLOBAL, target: Any = None,
             *, person: Person | None = None, username: str | None = None) -> Any:
        counter["n"] += 1
        user = get_user_model().objects.create_user(
            username=username or f"user{counter['n']}", password="correct horse battery")
        if role is not None:
            RoleGrant.objects.create(user=user, role=role, scope_kind=kind,
                                     scope_id=target.pk if target is not None else None)
            # As the grant service does: the admin site is for global administrators.
            if role is Role.ADMINISTRATOR and kind is ScopeKind.GLOBAL:
                user.is_staff = True
                user.save(update_fields=["is_staff"])
        if person is not None:
            person.user = user
            person.save(update_fields=["user"])
        forget_grants(user)
        return user

    return make


@pytest.fixture
def api() -> Callable[[Any], APIClient]:
    def make(user: Any = None) -> APIClient:
        client = APIClient()
        if user is not None:
            client.force_authenticate(user)
        return client

    return make

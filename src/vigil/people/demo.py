"""Demo organizations, personnel, dependants, and one sign-in per role."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from vigil.core.authz import Role, ScopeKind
from vigil.core.demo import DemoContext, register_step
from vigil.core.mfa import AUTHENTICATOR_NAME, PRIVILEGED_ROLES, RECOVERY_NAME
from vigil.core.models import RoleGrant
from vigil.people.models import Dependant, EmergencyContact, Organization, Person
from vigil.places.models import Country, DutyStation, Premises

# (code, name, kind, parent code)
ORGANIZATIONS = [
    ("UN", "United Nations Secretariat", "secretariat", None),
    ("DSS", "Department of Safety and Security", "secretariat", "UN"),
    ("DPPA", "Department of Political and Peacebuilding Affairs", "secretariat", "UN"),
    ("DPO", "Department of Peace Operations", "secretariat", "UN"),
    ("DOS", "Department of Operational Support", "secretariat", "UN"),
    ("OCHA", "Office for the Coordination of Humanitarian Affairs", "secretariat", "UN"),
    ("OHCHR", "Office of the High Commissioner for Human Rights", "secretariat", "UN"),
    ("UNDP", "United Nations Development Programme", "fund_programme", None),
    ("UNICEF", "United Nations Children's Fund", "fund_programme", None),
    ("WFP", "World Food Programme", "fund_programme", None),
    ("UNHCR", "Office of the United Nations High Commissioner for Refugees",
     "fund_programme", None),
    ("UNFPA", "United Nations Population Fund", "fund_programme", None),
    ("UNEP", "United Nations Environment Programme", "fund_programme", None),
    ("UN-HABITAT", "United Nations Human Settlements Programme", "fund_programme", None),
    ("WHO", "World Health Organization", "agency", None),
    ("FAO", "Food and Agriculture Organization of the United Nations", "agency", None),
    ("ILO", "International Labour Organization", "agency", None),
    ("UNESCO", "United Nations Educational, Scientific and Cultural Organization", "agency",
     None),
    ("ICAO", "International Civil Aviation Organization", "agency", None),
    ("IOM", "International Organization for Migration", "other", None),
]
WEIGHTS = {"UNDP": 9, "UNICEF": 9, "WFP": 10, "UNHCR": 8, "WHO": 6, "OCHA": 4, "DPO": 6,
           "DSS": 3, "FAO": 4, "IOM": 5}

FAMILY = ["Achieng", "Otieno", "Mwangi", "Haile", "Tesfaye", "Diallo", "Traoré", "Ndiaye",
          "Okafor", "Mensah", "Hassan", "Mohamed", "Abdi", "Farah", "Khan", "Rahman", "Ahmadi",
          "Haidari", "García", "Rodríguez", "Silva", "Santos", "Pérez", "Dubois", "Martin",
          "Müller", "Rossi", "Novak", "Ivanova", "Petrov", "Smith", "Johnson", "Brown",
          "Nguyen", "Tran", "Kim", "Park", "Sato", "Suzuki", "Wang", "Li", "Zhang", "Chen",
          "Singh", "Sharma", "Patel", "Baptiste", "Joseph", "Jean", "Mukendi", "Kabila"]
GIVEN = ["Amina", "Wanjiru", "Grace", "Fatima", "Aisha", "Mariam", "Sara", "Elena", "María",
         "Ana", "Sofia", "Olga", "Mei", "Yuki", "Priya", "Nadia", "Claire", "Hana", "Joseph",
         "Ahmed", "Mohamed", "Omar", "Ali", "Juan", "Carlos", "Luis", "Pierre", "Jean", "Ivan",
         "Dmitri", "John", "David", "James", "Peter", "Kofi", "Kwame", "Samuel", "Daniel",
         "Wei", "Jun", "Hiroshi", "Raj", "Arjun", "Tomás", "Lucas", "Emmanuel", "Moses"]
ORIGINAL_SCRIPT = {"Wang": "王", "Li": "李", "Zhang": "张", "Chen": "陈", "Ivanova": "Иванова",
                   "Petrov": "Петров", "Hassan": "حسن", "Mohamed": "محمد", "Ahmadi": "احمدی",
                   "Sato": "佐藤", "Suzuki": "鈴木", "Kim": "김", "Park": "박",
                   "Sharma": "शर्मा"}
CATEGORY_WEIGHTS = [("international", 22), ("national_professional", 14),
                    ("general_service", 40), ("field_service", 6), ("consultant", 8),
                    ("volunteer", 6), ("contractor", 4)]

# One sign-in per role: (username, first, last, role, scope kind, scope value).
DEMO_USERS = [
    ("traveller", "Amina", "Achieng", Role.TRAVELLER, ScopeKind.GLOBAL, None),
    ("security.officer", "Daniel", "Mwangi", Role.SECURITY_OFFICER, ScopeKind.COUNTRY, "KE"),
    ("designated.official", "Grace", "Haile", Role.DESIGNATED_OFFICIAL, ScopeKind.COUNTRY,
     "KE"),
    ("dro.desk", "Pierre", "Dubois", Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY,
     "KE,SO,SS,ET,CD"),
    ("hq.security", "John", "Smith", Role.HQ_SECURITY_OFFICER, ScopeKind.DUTY_STATION,
     "New York"),
    ("protection", "Elena", "Rossi", Role.PROTECTION_COORDINATOR, ScopeKind.GLOBAL, None),
    ("counsellor", "Nadia", "Rahman", Role.COUNSELLOR, ScopeKind.COUNTRY, "KE"),
    ("training", "Kofi", "Mensah", Role.TRAINING_OFFICER, ScopeKind.GLOBAL, None),
    ("aviation", "Hiroshi", "Sato", Role.AVIATION_OFFICER, ScopeKind.GLOBAL, None),
    ("budget", "Olga", "Ivanova", Role.BUDGET_OFFICER, ScopeKind.GLOBAL, None),
    ("programme.manager", "Mei", "Chen", Role.PROGRAMME_MANAGER, ScopeKind.GLOBAL, None),
    ("warden", "Joseph", "Otieno", Role.WARDEN, ScopeKind.COUNTRY, "KE"),
    ("smt.member", "Sarah", "Kimani", Role.SMT_MEMBER, ScopeKind.COUNTRY, "KE"),
    ("admin", "Carlos", "García", Role.ADMINISTRATOR, ScopeKind.GLOBAL, None),
]

# The second factor of the demo users whose role requires one (docs/demo.md publishes both):
# one authenticator secret for all, to type into an authenticator app, and ten recovery codes
# each. This is demo data, public on purpose; a real deployment's users enrol their own.
DEMO_TOTP_SECRET = "VIGILDEMOVIGILDEMOVIGILDEMOVIGIL"  # noqa: S105  # nosec B105 - published demo data
DEMO_RECOVERY_CODES = [f"demo{n:04d}" for n in range(1, 11)]

# The demo users work for DSS, except the traveller (UNDP) and the SMT member, who heads
# UNICEF's office in Kenya.
DEMO_ORGANIZATION = {Role.TRAVELLER: "UNDP", Role.SMT_MEMBER: "UNICEF"}


def load_organizations(ctx: DemoContext) -> None:
    orgs: dict[str, Organization] = {}
    for code, name, kind, parent in ORGANIZATIONS:
        orgs[code] = Organization.objects.create(code=code, name=name, kind=kind,
                                                 parent=orgs.get(parent) if parent else None)
    # Organizations present at each premises.
    premises = list(Premises.objects.order_by("pk"))
    codes = sorted(orgs)
    for index, place in enumerate(premises):
        present = {codes[(index + k * 7) % len(codes)] for k in range(1 + index % 4)}
        place.organizations.set([orgs[c].pk for c in sorted(present)])
    ctx.data["organizations"] = orgs
    ctx.counts["organizations"] = len(orgs)


def _phone(ctx: DemoContext) -> str:
    return f"+{ctx.rng.randrange(20, 99)} {ctx.rng.randrange(10, 99)} " \
           f"{ctx.rng.randrange(1000000, 9999999)}"


def load_personnel(ctx: DemoContext) -> None:
    rng = ctx.rng
    stations: list[DutyStation] = ctx.data["stations"]
    orgs: dict[str, Organization] = ctx.data["organizations"]
    org_list = [o for c, o in orgs.items() if c != "UN"]
    org_weights = [WEIGHTS.get(o.code, 2) for o in org_list]
    # Bigger duty stations (HQ, commissions, the first field stations) carry more staff.
    station_weights = [30 if s.kind == "hq" else 12 if s.kind == "rc" else
                       (8 if i < 20 else 2) for i, s in enumerate(stations)]
    categories = [c for c, _w in CATEGORY_WEIGHTS]
    category_weights = [w for _c, w in CATEGORY_WEIGHTS]
    total = ctx.scale.personnel
    batch: list[Person] = []
    dependants_total = 0
    today = dt.date(2026, 1, 1)
    for n in range(1, total + 1):
        station = rng.choices(stations, station_weights)[0]
        family, given = rng.choice(FAMILY), rng.choice(GIVEN)
        with_residence = rng.random() < 0.88
        person = Person(
            index_number=f"{n:08d}", family_name=family, given_name=given,
            name_original=ORIGINAL_SCRIPT.get(family, ""),
            organization=rng.choices(org_list, org_weights)[0],
            category=rng.choices(categories, category_weights)[0], duty_station=station,
            status="active" if rng.random() < 0.95 else rng.choice(["on_leave", "separated"]),
            residence_address=f"{rng.randrange(1, 400)} Residence Road, {station.name}",
            residence_latitude=round(station.latitude + rng.uniform(-0.08, 0.08), 5)
            if with_residence else None,
            residence_longitude=round(station.longitude + rng.uniform(-0.08, 0.08), 5)
            if with_residence else None,
            phones=[_phone(ctx)] if rng.random() < 0.93 else [],
            emails=[f"{given}.{family}.{n}@un.example".lower().replace(" ", "")],
        )
        batch.append(person)
        if len(batch) == 5000 or n == total:
            dependants_total += _flush_personnel(ctx, batch, today)
            batch = []
            ctx.progress("Personnel", n, total)
    ctx.counts.update(personnel=total, dependants=dependants_total)


def _flush_personnel(ctx: DemoContext, batch: list[Person], today: dt.date) -> int:
    rng = ctx.rng
    Person.objects.bulk_create(batch)
    saved = list(Person.objects.filter(index_number__in=[p.index_number for p in batch])
                 .only("pk", "family_name", "index_number").order_by("pk"))
    dependants: list[Dependant] = []
    contacts: list[EmergencyContact] = []
    mean = ctx.scale.dependants_per_person
    for person in saved:
        count = min(6, max(0, round(rng.gauss(mean, 1.1))))
        for k in range(count):
            is_spouse = k == 0 and rng.random() < 0.7
            born = today - dt.timedelta(days=rng.randrange(365 * (25 if is_spouse else 0) + 30,
                                                           365 * (60 if is_spouse else 20)))
            dependants.append(Dependant(
                person=person, family_name=person.family_name, given_name=rng.choice(GIVEN),
                relationship="spouse" if is_spouse else "child", date_of_birth=born))
        if rng.random() < 0.8:
            contacts.append(EmergencyContact(person=person, name=f"{rng.choice(GIVEN)} "
                                             f"{person.family_name}", relationship="Family",
                                             phone=_phone(ctx)))
    Dependant.objects.bulk_create(dependants, batch_size=5000)
    EmergencyContact.objects.bulk_create(contacts, batch_size=5000)
    return len(dependants)


def load_users(ctx: DemoContext) -> None:
    user_model = get_user_model()
    password = make_password(ctx.password)
    countries = {c.iso2: c for c in Country.objects.all()}
    stations = {s.name: s for s in DutyStation.objects.all()}
    nairobi = stations["Nairobi"]
    grants = []
    privileged = []
    for index, (username, first, last, role, kind, value) in enumerate(DEMO_USERS, start=1):
        user = user_model.objects.create(username=username, first_name=first, last_name=last,
                                         email=f"{username}@un.example", password=password,
                                         is_staff=role is Role.ADMINISTRATOR)
        station = stations.get(value or "", nairobi) if kind is ScopeKind.DUTY_STATION \
            else nairobi
        person = Person.objects.create(
            index_number=f"DEMO{index:04d}", family_name=last, given_name=first,
            organization=ctx.data["organizations"][DEMO_ORGANIZATION.get(role, "DSS")],
            category="international", duty_station=station, user=user,
            emails=[user.email], phones=["+254 20 7621234"] if role is not Role.TRAVELLER
            else [])
        grants.append(RoleGrant(user=user, role=Role.TRAVELLER, scope_kind=ScopeKind.GLOBAL,
                                note="demo"))
        if role in PRIVILEGED_ROLES:
            privileged.append(user)
        if role is Role.TRAVELLER:
            # The traveller has a family, so "my profile" shows dependants.
            Dependant.objects.bulk_create([
                Dependant(person=person, family_name=last, given_name="Joseph",
                          relationship="spouse", date_of_birth=dt.date(1986, 4, 2)),
                Dependant(person=person, family_name=last, given_name="Wanjiru",
                          relationship="child", date_of_birth=dt.date(2015, 9, 14))])
            ctx.counts["dependants"] = ctx.counts.get("dependants", 0) + 2
            continue
        if kind is ScopeKind.GLOBAL:
            grants.append(RoleGrant(user=user, role=role, scope_kind=kind, note="demo"))
        elif kind is ScopeKind.COUNTRY:
            grants += [RoleGrant(user=user, role=role, scope_kind=kind,
                                 scope_id=countries[code].pk, note="demo")
                       for code in (value or "").split(",")]
        else:
            grants.append(RoleGrant(user=user, role=role, scope_kind=kind,
                                    scope_id=stations[value or ""].pk, note="demo"))
    RoleGrant.objects.bulk_create(grants)
    _second_factors(privileged)
    # Each demo user is a staff member too.
    ctx.counts.update(users=len(DEMO_USERS), role_grants=len(grants),
                      personnel=ctx.counts.get("personnel", 0) + len(DEMO_USERS))


def _second_factors(users: list[Any]) -> None:
    """The published demo authenticator and recovery codes, for the privileged demo users."""
    key = base64.b32decode(DEMO_TOTP_SECRET).hex()
    TOTPDevice.objects.bulk_create([TOTPDevice(user=u, name=AUTHENTICATOR_NAME, key=key,
                                               confirmed=True) for u in users])
    StaticDevice.objects.bulk_create([StaticDevice(user=u, name=RECOVERY_NAME, confirmed=True)
                                      for u in users])
    devices = StaticDevice.objects.filter(user__in=users)
    StaticToken.objects.bulk_create([StaticToken(device=d, token=code) for d in devices
                                     for code in DEMO_RECOVERY_CODES])


register_step(20, "organizations", load_organizations)
register_step(30, "personnel", load_personnel)
register_step(40, "users", load_users)

"""Demo appointments of the accountability framework, centred on Kenya: the designated
official (``designated.official``), the chief security adviser (``security.officer``, who
took over from an earlier adviser whose appointment ended in 2025), a deputy for one Kenyan
area, agency heads as SMT members, the warden of Nairobi (``warden``) and zone wardens; a
field security officer whose appointment ended last month (a gap on the board where the level
requires one), duty stations without a warden, and Mombasa's warden from two weeks on. A few
other countries get a designated official and an adviser. Recorded through the services, so
each appointment carries its access; a fixed number of records at every scale."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from vigil.coordination import accountability_services as services
from vigil.coordination.models import Function
from vigil.core.demo import DemoContext, register_step
from vigil.people.models import Organization
from vigil.places.models import Country, DutyStation

# The UNICEF representative is the demo sign-in `smt.member`.
AGENCY_HEADS = [("smt.member", "Sarah", "Kimani", "UNICEF"), ("wfp.rep", "Lars", "Berg", "WFP"),
                ("unhcr.rep", "Amal", "Nour", "UNHCR"), ("undp.rep", "Ken", "Ochieng", "UNDP"),
                ("who.rep", "Maria", "Costa", "WHO")]

# Elsewhere: the designated official and the chief security adviser of each country.
OTHER_COUNTRIES = {"SO": [("Abdirahman", "Warsame"), ("Tomas", "Lindqvist")],
                   "SS": [("Rebecca", "Lado"), ("Claire", "Moreau")],
                   "ET": [("Hanna", "Tesfaye"), ("David", "Okoro")]}


def _user(username: str, first: str = "", last: str = "") -> Any:
    model = get_user_model()
    user = model.objects.filter(username=username).first()
    if user is None:
        user = model(username=username, first_name=first, last_name=last)
        user.set_unusable_password()
        user.save()
    return user


def load_accountability(ctx: DemoContext) -> None:
    actor = get_user_model().objects.filter(username="admin").first()
    kenya = Country.objects.filter(iso2="KE").first()
    if actor is None or kenya is None:
        return
    today = timezone.localdate()
    orgs = {o.code: o for o in Organization.objects.filter(
        code__in=["UN", "DSS", "UNICEF", "WFP", "UNHCR", "UNDP", "WHO"])}
    dss, un = orgs.get("DSS") or orgs.get("UN"), orgs.get("UN") or orgs.get("DSS")
    if dss is None or un is None:
        return
    stations = list(DutyStation.objects.filter(country=kenya, is_active=True).order_by("name"))
    nairobi = next((s for s in stations if s.name == "Nairobi"), stations[0] if stations
                   else None)
    count = 0

    def appoint(function: str, user: Any, org: Organization, **place: Any) -> Any:
        nonlocal count
        count += 1
        data = {"function": function, "user": user, "organization": org, "country": kenya,
                "starts_on": dt.date(2024, 1, 15), **place}
        return services.appointment_create(actor=actor, data=data)

    # The earlier adviser, then the current one.
    earlier = _user("csa.former", "Henrik", "Larsen")
    former = services.appointment_create(actor=actor, data={
        "function": Function.CHIEF_SECURITY_ADVISER, "user": earlier, "organization": dss,
        "country": kenya, "starts_on": dt.date(2021, 3, 1), "reference": "DSS/KE/2021/03"})
    services.appointment_end(actor=actor, appointment=former, ends_on=dt.date(2025, 2, 28),
                             reason="Reassigned to another duty station", version=None)
    officer = _user("security.officer")
    appoint(Function.CHIEF_SECURITY_ADVISER, officer, dss, starts_on=dt.date(2025, 3, 1),
            reference="DSS/KE/2025/02")
    appoint(Function.DESIGNATED_OFFICIAL, _user("designated.official"), un,
            reference="SG/DO/KE/2024")
    for username, first, last, code in AGENCY_HEADS:
        org = orgs.get(code)
        if org is not None:
            appoint(Function.SMT_MEMBER, _user(username, first, last), org,
                    reference=f"{code}/KE/SMT")
    area_station = next((s for s in stations if s.security_area_id), None)
    if area_station is not None:
        deputy = orgs.get("UNHCR") or un
        appoint(Function.DEPUTY_DESIGNATED_OFFICIAL, _user("unhcr.rep"), deputy,
                security_area=area_station.security_area, reference="DO/KE/DDO/2024")
    if nairobi is not None:
        appoint(Function.WARDEN, _user("warden"), un, duty_station=nairobi,
                security_area=None)
        for index, (zone, first, last) in enumerate([("Gigiri", "Wanjiru", "Kamau"),
                                                     ("Westlands", "Brian", "Mutua")]):
            appoint(Function.ZONE_WARDEN, _user(f"zone.warden{index + 1}", first, last),
                    orgs.get("UNDP") or un, duty_station=nairobi, zone=zone)
    # A field security officer who left last month: a gap where the level requires one.
    others = [s for s in stations if s != nairobi]
    if others:
        fso = services.appointment_create(actor=actor, data={
            "function": Function.FIELD_SECURITY_OFFICER,
            "user": _user("fso.former", "Peter", "Njoroge"), "organization": dss,
            "country": kenya, "duty_station": others[0], "starts_on": dt.date(2023, 6, 1)})
        services.appointment_end(actor=actor, appointment=fso,
                                 ends_on=today.replace(day=1) - dt.timedelta(days=1),
                                 reason="End of assignment", version=None)
        count += 1
    # A warden for Mombasa who takes up the function in two weeks: the gap stays on the board
    # until then.
    mombasa = next((s for s in stations if s.name == "Mombasa"), None)
    if mombasa is not None:
        appoint(Function.WARDEN, _user("mombasa.warden", "Halima", "Said"), un,
                duty_station=mombasa, starts_on=today + dt.timedelta(days=14),
                reference="DO/KE/W/MBA")
    # A few other countries: a designated official and an adviser each.
    for iso2, heads in OTHER_COUNTRIES.items():
        country = Country.objects.filter(iso2=iso2).first()
        if country is None or not DutyStation.objects.filter(country=country).exists():
            continue
        for (function, org), (first, last) in zip(
                [(Function.DESIGNATED_OFFICIAL, un), (Function.CHIEF_SECURITY_ADVISER, dss)],
                heads, strict=True):
            prefix = "do" if function == Function.DESIGNATED_OFFICIAL else "csa"
            services.appointment_create(actor=actor, data={
                "function": function, "user": _user(f"{prefix}.{iso2.lower()}", first, last),
                "organization": org, "country": country,
                "starts_on": dt.date(2024, 1, 1) + dt.timedelta(days=ctx.rng.randint(0, 300))})
            count += 1
    ctx.counts["security appointments"] = count


register_step(120, "accountability", load_accountability)

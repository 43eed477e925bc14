"""Demo of mission readiness: two templates of security requirements ("New field mission" and
"Emergency operation"), and three checklists opened from them through the services, dated
from today so that each case always shows: a new support office at Kisumu (Kenya) about 60 %
ready, at risk with a mandatory requirement overdue; a flood-response surge at Juba (South
Sudan), started and late; and a special operation in Somalia, closed with every mandatory
requirement met. The warden owns some of Kenya's requirements (My readiness items)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model

from vigil.coordination import readiness_selectors as selectors
from vigil.coordination import readiness_services as services
from vigil.coordination.models import ReadinessChecklist, RequirementTemplate, TemplateItem
from vigil.core.demo import DemoContext, register_step
from vigil.places.models import Country, DutyStation

CSA, FSO, DO, WARDEN = ("chief_security_adviser", "field_security_officer",
                        "designated_official", "warden")

# (category, requirement, guidance, usually owned by, due days from the start, mandatory)
NEW_MISSION = [
    ("staffing", "Chief security adviser or security adviser post filled and deployed",
     "The CSA/SA advises the designated official and leads the security cell.", CSA, -60,
     True),
    ("staffing", "Field security officers recruited for each location", "", CSA, -30, True),
    ("staffing", "Security focal points and wardens appointed for every zone",
     "Letters of appointment recorded in the accountability framework.", FSO, -14, True),
    ("staffing", "Local security assistants recruited and vetted", "", FSO, 14, False),
    ("equipment", "Armoured vehicles (B6) available for road movements in high-risk areas",
     "", CSA, -21, True),
    ("equipment", "Personal protective equipment (body armour, helmets) issued to deploying "
     "staff", "", FSO, -7, True),
    ("communications", "HF and VHF radio network installed and tested, with repeaters",
     "Coverage test of every route and premises.", FSO, -30, True),
    ("communications", "Radio room staffed around the clock, with the call-sign list", "",
     FSO, -14, True),
    ("communications", "Satellite phones issued to heads of office and drivers", "", FSO, -7,
     True),
    ("communications", "Emergency communications tree tested", "", WARDEN, 7, True),
    ("premises", "Premises security survey (premises vulnerability questionnaire) completed",
     "Survey of the office and of staff accommodation before occupation.", FSO, -45, True),
    ("premises", "Perimeter, access control and guard force contracted", "", CSA, -10, True),
    ("moss", "Security risk assessment (SRA) for the location approved by the designated "
     "official", "", DO, -45, True),
    ("moss", "MOSS baseline for the location agreed by the security management team", "",
     CSA, -30, True),
    ("training", "BSAFE completed by every deploying staff member", "", CSA, -14, True),
    ("training", "SSAFE for staff deploying to high-risk areas", "", CSA, -7, False),
    ("plans", "Security plan with warden system and concentration points approved", "", DO,
     -21, True),
    ("plans", "Medical evacuation (medevac) and CASEVAC arrangements agreed", "", CSA, -14,
     True),
    ("plans", "Relocation and evacuation plan with routes and assembly points", "", CSA, 0,
     True),
]
EMERGENCY = [
    ("staffing", "Surge security officers deployed within 72 hours", "", CSA, -3, True),
    ("staffing", "Security officer on call for each hub", "", FSO, 0, True),
    ("staffing", "Wardens appointed for surge staff accommodation", "", FSO, 3, False),
    ("equipment", "Armoured vehicle pool released from the regional stock", "", CSA, -2, True),
    ("equipment", "Personal protective equipment issued to all surge staff before deployment",
     "", FSO, -1, True),
    ("equipment", "Rapid deployment kits (tents, generators, water) at each hub", "", FSO, 2,
     False),
    ("communications", "VHF coverage and call signs for the operation area", "", FSO, 0,
     True),
    ("communications", "Satellite phones and BGAN terminals for each team", "", FSO, -1, True),
    ("communications", "Daily security reporting line to the radio room", "", FSO, 1, True),
    ("premises", "Rapid security assessment of hubs and staff accommodation", "", FSO, 2,
     True),
    ("premises", "Guard force and access control at each hub", "", CSA, 5, True),
    ("moss", "Security risk assessment updated for the emergency", "", CSA, 3, True),
    ("moss", "Interim MOSS for the operation agreed by the designated official", "", DO, 7,
     True),
    ("training", "SSAFE or an equivalent briefing for every surge staff member", "", CSA, 0,
     True),
    ("training", "Security briefing on arrival for all staff", "", FSO, 0, True),
    ("plans", "Medevac and CASEVAC plan with air assets confirmed", "", CSA, 0, True),
    ("plans", "Hibernation, relocation and evacuation triggers agreed", "", DO, 5, True),
]


def _template(name: str, kind: str, description: str, rows: list[tuple[Any, ...]]
              ) -> RequirementTemplate:
    template = RequirementTemplate.objects.create(name=name, operation_kind=kind,
                                                  description=description)
    TemplateItem.objects.bulk_create([
        TemplateItem(template=template, category=c, text=t, guidance=g, owner_function=f,
                     due_offset_days=o, mandatory=m, order=n)
        for n, (c, t, g, f, o, m) in enumerate(rows, start=1)])
    return template


def _set(actor: Any, checklist: ReadinessChecklist, texts: dict[str, str], today: dt.date,
         owner: Any = None) -> None:
    """Set requirements (by the start of their text) to a status: "done" on their due date
    (today at the latest), "not_applicable", "in_progress", or "owner" (given to ``owner``)."""
    for item in checklist.items.order_by("pk"):
        status = next((s for prefix, s in texts.items() if item.text.startswith(prefix)), None)
        if status is None:
            continue
        data: dict[str, Any]
        if status == "owner":
            data = {"owner": owner}
        elif status == "done":
            data = {"status": "done", "done_on": min(item.due_on, today),
                    "evidence": "Checked by the security adviser; record on file."}
        elif status == "not_applicable":
            data = {"status": status, "evidence": "Covered by the country office's "
                                                  "arrangements."}
        else:
            data = {"status": status}
        services.checklist_item_update(actor=actor, item=item, data=data, version=item.version)


def load_readiness(ctx: DemoContext) -> None:
    users = {u.username: u for u in get_user_model().objects.filter(username__in=[
        "security.officer", "dro.desk", "warden"])}
    officer, desk, warden = (users.get(n) for n in ("security.officer", "dro.desk", "warden"))
    new = _template("New field mission — security requirements", "new_mission",
                    "What a new field mission or office needs in place before it opens and in "
                    "its first weeks.", NEW_MISSION)
    surge = _template("Emergency operation — surge security requirements", "emergency",
                      "The security side of a surge deployment in an emergency: hours and "
                      "days, not months.", EMERGENCY)
    ctx.counts["readiness templates"] = 2
    if officer is None or desk is None:
        return
    today = selectors.today()
    stations = {s.name: s for s in DutyStation.objects.filter(
        name__in=["Kisumu", "Juba", "Mogadishu"]).select_related("country")}
    countries = {c.iso2: c for c in Country.objects.filter(iso2__in=["KE", "SS", "SO"])}
    made = 0
    if "KE" in countries:  # about 60 % ready, at risk: a mandatory requirement overdue
        kisumu = stations.get("Kisumu")
        checklist = services.checklist_open(actor=officer, data={
            "name": "UN support office Kisumu", "template": new, "country": countries["KE"],
            "duty_station": kisumu if kisumu and kisumu.country_id == countries["KE"].pk
            else None, "starts_on": today + dt.timedelta(days=25),
            "notes": "Support office for the lake region programmes; 40 staff at opening."})
        _set(officer, checklist, {"Security focal points": "owner",
                                  "Emergency communications tree": "owner"}, today,
             owner=warden)
        _set(officer, checklist, {
            "Chief security adviser": "done", "Premises security survey": "done",
            "Security risk assessment": "done", "HF and VHF": "done", "MOSS baseline": "done",
            "Armoured vehicles": "done", "Security plan with warden": "done",
            "Radio room": "done", "BSAFE": "done", "Medical evacuation": "done",
            "Perimeter": "done", "Satellite phones": "in_progress",
            "SSAFE": "not_applicable", "Security focal points": "in_progress"}, today)
        made += 1
    if "SS" in countries:  # started four days ago; a mandatory requirement due by then open
        juba = stations.get("Juba")
        checklist = services.checklist_open(actor=desk, data={
            "name": "Flood response surge — Jonglei", "template": surge,
            "country": countries["SS"], "duty_station": juba
            if juba and juba.country_id == countries["SS"].pk else None,
            "starts_on": today - dt.timedelta(days=4),
            "notes": "Surge of 60 staff to the flood response hubs out of Juba."})
        services.checklist_transition(actor=desk, checklist=checklist, action="start",
                                      version=checklist.version)
        _set(desk, checklist, {
            "Surge security officers": "done", "Armoured vehicle pool": "done",
            "Personal protective equipment": "done", "VHF coverage": "done",
            "Satellite phones": "done", "Daily security reporting": "in_progress",
            "SSAFE or an equivalent": "done", "Medevac and CASEVAC": "in_progress",
            "Rapid deployment kits": "done"}, today)
        made += 1
    if "SO" in countries:  # a special operation, closed with every mandatory requirement met
        mogadishu = stations.get("Mogadishu")
        checklist = services.checklist_open(actor=desk, data={
            "name": "Polio vaccination campaign — Baidoa", "template": surge,
            "operation_kind": "special", "country": countries["SO"],
            "duty_station": mogadishu if mogadishu and mogadishu.country_id
            == countries["SO"].pk else None, "starts_on": today - dt.timedelta(days=120)})
        services.checklist_transition(actor=desk, checklist=checklist, action="start",
                                      version=checklist.version)
        _set(desk, checklist, {row[1][:30]: "done" for row in EMERGENCY if row[5]}, today)
        _set(desk, checklist, {row[1][:30]: "not_applicable" for row in EMERGENCY
                               if not row[5]}, today)
        checklist.refresh_from_db()
        services.checklist_transition(actor=desk, checklist=checklist, action="close",
                                      version=checklist.version)
        made += 1
    ctx.counts["readiness checklists"] = made


register_step(126, "mission readiness", load_readiness)

"""The default incident taxonomy: the categories of the UN's public reporting on security
incidents (SSIRS, from 2015: violent death, abduction, sexual assault, attack on premises,
attack on vehicles, crime, civil unrest, armed conflict, terrorism, hazard, road traffic and
other safety incidents), with fire and unauthorized entry (the HQ indicator SP1.a.ii) beside
them, and common subcategories. An administrator may rename, add or retire categories; the
codes below are stable because importers and indicators name them."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

VIOLENT_DEATH = "violent-death"
ABDUCTION = "abduction"
SEXUAL_ASSAULT = "sexual-assault"
ATTACK_ON_PREMISES = "attack-on-premises"
ATTACK_ON_VEHICLE = "attack-on-vehicle"
CRIME = "crime"
CIVIL_UNREST = "civil-unrest"
ARMED_CONFLICT = "armed-conflict"
TERRORISM = "terrorism"
HAZARD = "hazard"
ROAD_TRAFFIC = "road-traffic"
FIRE = "fire"
OTHER_SAFETY = "other-safety"
UNAUTHORIZED_ENTRY = "unauthorized-entry"

# code -> (English name, translated name, parent code or None)
DEFAULT: dict[str, tuple[str, Promise, str | None]] = {
    VIOLENT_DEATH: ("Violent death", _("Violent death"), None),
    ABDUCTION: ("Abduction", _("Abduction"), None),
    SEXUAL_ASSAULT: ("Sexual assault", _("Sexual assault"), None),
    ATTACK_ON_PREMISES: ("Attack on premises", _("Attack on premises"), None),
    ATTACK_ON_VEHICLE: ("Attack on vehicle", _("Attack on vehicle"), None),
    CRIME: ("Crime", _("Crime"), None),
    CIVIL_UNREST: ("Civil unrest", _("Civil unrest"), None),
    ARMED_CONFLICT: ("Armed conflict", _("Armed conflict"), None),
    TERRORISM: ("Terrorism", _("Terrorism"), None),
    HAZARD: ("Hazard", _("Hazard"), None),
    ROAD_TRAFFIC: ("Road traffic", _("Road traffic"), None),
    FIRE: ("Fire", _("Fire"), None),
    OTHER_SAFETY: ("Other safety incident", _("Other safety incident"), None),
    UNAUTHORIZED_ENTRY: ("Unauthorized entry", _("Unauthorized entry"), None),
    # Subcategories.
    "shooting": ("Shooting", _("Shooting"), VIOLENT_DEATH),
    "kidnapping": ("Kidnapping", _("Kidnapping"), ABDUCTION),
    "hostage-taking": ("Hostage-taking", _("Hostage-taking"), ABDUCTION),
    "detention": ("Arrest or detention", _("Arrest or detention"), ABDUCTION),
    "raid": ("Raid on a compound", _("Raid on a compound"), ATTACK_ON_PREMISES),
    "ambush": ("Ambush", _("Ambush"), ATTACK_ON_VEHICLE),
    "carjacking": ("Carjacking", _("Carjacking"), CRIME),
    "robbery": ("Robbery", _("Robbery"), CRIME),
    "burglary": ("Burglary", _("Burglary"), CRIME),
    "theft": ("Theft", _("Theft"), CRIME),
    "assault": ("Physical assault", _("Physical assault"), CRIME),
    "threat": ("Threat or intimidation", _("Threat or intimidation"), CRIME),
    "demonstration": ("Demonstration", _("Demonstration"), CIVIL_UNREST),
    "riot": ("Riot or mob violence", _("Riot or mob violence"), CIVIL_UNREST),
    "shelling": ("Shelling or air strike", _("Shelling or air strike"), ARMED_CONFLICT),
    "crossfire": ("Caught in crossfire", _("Caught in crossfire"), ARMED_CONFLICT),
    "explosive-remnant": ("Landmine or explosive remnant",
                          _("Landmine or explosive remnant"), ARMED_CONFLICT),
    "ied": ("Improvised explosive device", _("Improvised explosive device"), TERRORISM),
    "suicide-attack": ("Suicide attack", _("Suicide attack"), TERRORISM),
    "complex-attack": ("Complex attack", _("Complex attack"), TERRORISM),
    "earthquake": ("Earthquake", _("Earthquake"), HAZARD),
    "flood": ("Flood", _("Flood"), HAZARD),
    "storm": ("Storm or cyclone", _("Storm or cyclone"), HAZARD),
    "wildfire": ("Wildfire", _("Wildfire"), HAZARD),
    "tsunami": ("Tsunami", _("Tsunami"), HAZARD),
    "epidemic": ("Epidemic", _("Epidemic"), HAZARD),
    "weather": ("Severe weather", _("Severe weather"), HAZARD),
    "other-hazard": ("Other hazard", _("Other hazard"), HAZARD),
}


def label(code: str, name: str) -> str:
    """A category's name in the reader's language while it keeps its default English name."""
    default = DEFAULT.get(code)
    if default is not None and default[0] == name:
        return str(default[1])
    return name


def ensure_default(category_model: Any) -> int:
    """Create the default categories that are missing (by code); returns how many. Used by the
    data migration (with the historical model) and by the demo (with IncidentCategory)."""
    existing = {c.code: c for c in category_model.objects.all()}
    made = 0
    for order, (code, (name, _label, parent)) in enumerate(DEFAULT.items()):
        if code in existing:
            continue
        existing[code] = category_model.objects.create(
            code=code, name=name, order=order * 10,
            parent=existing[parent] if parent else None)
        made += 1
    return made

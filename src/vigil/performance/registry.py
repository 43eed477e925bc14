"""Every indicator of the seed, in its order, with the structure the programme plan gives them:
subprogramme → (component) → expected accomplishment → indicator.

Source: United Nations, *Proposed strategic framework for the period 2016-2017*, Programme 28,
"Safety and security" (A/69/6 (Prog. 28)): the objective, expected accomplishments and
indicators of achievement of subprogramme 1 and of the two components of subprogramme 2."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vigil.performance.definitions import Indicator
from vigil.performance.indicators import sp1, sp21, sp22

SUBPROGRAMMES = {
    1: _("Subprogramme 1: Security and safety coordination"),
    2: _("Subprogramme 2: Regional field coordination and support"),
}
COMPONENTS = {
    "SP2.1": _("Component 1: Regional field operations coordination"),
    "SP2.2": _("Component 2: Field support"),
}
ACCOMPLISHMENTS = {
    "SP1.a": _("(a) A safe and secure environment for staff, delegates and visitors at United "
               "Nations Headquarters duty stations and regional commissions"),
    "SP1.b": _("(b) Systematic and coordinated protective services for senior United Nations "
               "officials"),
    "SP1.c": _("(c) Improved planning and preparedness of United Nations Headquarters duty "
               "stations and regional commissions to respond to emergencies and crises"),
    "SP2.1.a": _("(a) Improved safety and security arrangements of the United Nations"),
    "SP2.1.b": _("(b) Enhanced preparedness for incidents and crisis situations, and timely "
                 "response to security incidents"),
    "SP2.1.c": _("(c) A strengthened security management system"),
    "SP2.2.a": _("(a) Enhanced capacity of United Nations system staff to manage critical "
                 "incident stress"),
    "SP2.2.b": _("(b) Enhanced capacity of the United Nations security management system, its "
                 "managers (designated officials, members of security management teams) and "
                 "United Nations personnel"),
    "SP2.2.c": _("(c) Improved capacity to track the whereabouts of staff and to provide "
                 "security information to members of the security management system"),
    "SP2.2.d": _("(d) Enhanced capacity to provide aviation risk management services and "
                 "operational planning on the suitability and use of air operators worldwide"),
}

INDICATORS: tuple[Indicator, ...] = (*sp1.INDICATORS, *sp21.INDICATORS, *sp22.INDICATORS)
BY_ID = {indicator.id: indicator for indicator in INDICATORS}
IDS = tuple(BY_ID)


def get(indicator_id: str) -> Indicator | None:
    return BY_ID.get(indicator_id)

"""Menu entries and home panels of the people app."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Perm, Role
from vigil.core.navigation import NavItem, Panel, register_nav, register_panel
from vigil.people import selectors

register_nav(
    NavItem(_("Organizations"), "people:organization_list", Perm.VIEW_REFERENCE, order=30,
            section="people"),
    NavItem(_("Personnel"), "people:person_list", Perm.VIEW_PERSON, order=40,
            section="people"),
    NavItem(_("Dependants"), "people:dependant_list", Perm.VIEW_DEPENDANT, order=41,
            section="people"),
)


def _my_profile(request: HttpRequest) -> dict[str, Any] | None:
    """A traveller's own record, and what is missing from it for their safety."""
    person = selectors.person_of_user(user=request.user)
    if person is None:
        return None
    gaps = []
    if not person.phones:
        gaps.append(_("Add a phone number, so you can be reached in an emergency."))
    if not person.emergency_contacts.exists():
        gaps.append(_("Name an emergency contact."))
    if person.residence_latitude is None:
        gaps.append(_("Give the coordinates of your residence, for headcounts in a crisis."))
    dependants = selectors.dependant_list(user=request.user, person=person.pk)
    return {"person": person, "gaps": gaps, "dependant_count": dependants.count()}


def _personnel_quality(request: HttpRequest) -> dict[str, Any] | None:
    """Whose whereabouts could not be known today: active staff without residence or phone."""
    counts = selectors.personnel_counts(user=request.user)
    if counts["total"] == 0:
        return None
    return counts


register_panel(
    Panel("people.my_profile", _("My profile"), "people/partials/_panel_my_profile.html",
          _my_profile, order=10),
    Panel("people.personnel_quality", _("Personnel records in your scope"),
          "people/partials/_panel_personnel_quality.html", _personnel_quality,
          roles=frozenset({Role.SECURITY_OFFICER, Role.ADMINISTRATOR,
                           Role.DESIGNATED_OFFICIAL}), order=20),
)

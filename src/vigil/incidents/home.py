"""Menu entries of incidents."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Perm
from vigil.core.navigation import NavItem, register_nav

register_nav(
    NavItem(_("Incidents"), "incidents:incident_list", Perm.VIEW_INCIDENT, order=70,
            section="crisis"),
    NavItem(_("Incident map"), "incidents:incident_map", Perm.VIEW_INCIDENT, order=71,
            section="crisis"),
    NavItem(_("Incident statistics"), "incidents:statistics", Perm.VIEW_INCIDENT, order=72,
            section="crisis"),
    NavItem(_("Record an incident"), "incidents:incident_create", Perm.RECORD_INCIDENT,
            order=73, section="crisis"),
)

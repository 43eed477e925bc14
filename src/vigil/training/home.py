"""Menu entries of training, and the home panels: 'My training' (a person's own courses and
enrolments) and the training officer's queue."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Perm, Reach, Role
from vigil.core.navigation import NavItem, Panel, register_nav, register_panel
from vigil.core.roles import ROLE_PERMISSIONS
from vigil.training import rules, selectors

register_nav(
    NavItem(_("My training"), "training:mine", Perm.VIEW_TRAINING, order=80, section="support"),
    NavItem(_("Training sessions"), "training:session_list", Perm.VIEW_TRAINING, order=81,
            section="support"),
    NavItem(_("Training courses"), "training:course_list", Perm.VIEW_TRAINING, order=82,
            section="support"),
    NavItem(_("Training completions"), "training:completion_list", Perm.VIEW_TRAINING,
            order=83, section="support"),
    NavItem(_("Who needs which course"), "training:needs", Perm.MANAGE_TRAINING, order=84,
            section="support"),
    NavItem(_("Import completions"), "training:completion_import", Perm.IMPORT_COMPLETIONS,
            order=85, section="support"),
)

OWN_READERS = frozenset(role for role, table in ROLE_PERMISSIONS.items()
                        if table.get(Perm.VIEW_TRAINING) is Reach.OWN)


def _mine(request: HttpRequest) -> dict[str, Any] | None:
    mine = selectors.my_training(user=request.user)
    if mine["person"] is None:
        return None
    today = timezone.localdate()
    for c in mine["completions"]:
        c.state = rules.validity_state(c.completed_on, c.expires_on, today, revoked=c.revoked)
    return {"completions": mine["completions"][:6],
            "enrolments": [e for e in mine["enrolments"]
                           if e.session.ends_at >= timezone.now()][:4]}


def _officer(request: HttpRequest) -> dict[str, Any] | None:
    queue = selectors.officer_queue(user=request.user)
    return queue if queue["to_close"] or queue["upcoming"] else None


register_panel(
    Panel("training.mine", _("My training"), "training/partials/_panel_mine.html", _mine,
          roles=OWN_READERS, order=60),
    Panel("training.officer", _("Training sessions to run"),
          "training/partials/_panel_officer.html", _officer,
          roles=frozenset({Role.TRAINING_OFFICER}), order=20),
)

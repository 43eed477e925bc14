"""Menu entries and home panels of security risk management."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vigil.core.authz import Perm, Role, can, has_perm_anywhere
from vigil.core.navigation import NavItem, Panel, register_nav, register_panel
from vigil.risk import selectors
from vigil.risk.models import SecurityLevelReview

register_nav(
    NavItem(_("Security levels"), "risk:level_board", Perm.VIEW_RISK, order=50,
            section="risk"),
    NavItem(_("Risk assessments"), "risk:sra_list", Perm.VIEW_RISK, order=51,
            section="risk"),
    NavItem(_("MOSS"), "risk:moss_list", Perm.VIEW_RISK, order=53,
            section="risk"),
    NavItem(_("Security plans"), "risk:plan_list", Perm.VIEW_RISK, order=54,
            section="risk"),
    NavItem(_("Missions"), "risk:mission_list", Perm.VIEW_RISK, order=55,
            section="risk"),
    NavItem(_("Vulnerability surveys"), "risk:survey_list", Perm.VIEW_RISK, order=56,
            section="risk"),
    NavItem(_("Risk matrix"), "risk:settings", Perm.CONFIGURE_RISK, order=95,
            global_only=True, section="admin"),
)


OVERDUE_ROWS = 8
SRA_ROWS = 5


def _count(rows: list[Any], limit: int, qs: Any) -> int:
    """How many rows ``qs`` has, knowing its first ``limit`` (``rows``): counted only when
    there may be more."""
    return len(rows) if len(rows) < limit else int(qs.count())


def _levels_due(request: HttpRequest) -> dict[str, Any] | None:
    """Proposals waiting for this reviewer, and the areas whose level review is overdue."""
    areas = selectors.areas_with_levels(user=request.user, overdue_only=True)
    overdue = list(areas.order_by(selectors.BY_DUE_DATE)[:OVERDUE_ROWS])
    awaiting = selectors.awaiting_review(user=request.user)
    sras_due = selectors.sra_list(user=request.user, past_review=True).order_by("review_due")
    sras = list(sras_due[:SRA_ROWS])
    if not overdue and not awaiting and not sras:
        return None
    return {"awaiting": awaiting[:8], "awaiting_count": len(awaiting), "overdue": overdue,
            "overdue_count": _count(overdue, OVERDUE_ROWS, areas), "sras_due": sras,
            "sras_due_count": _count(sras, SRA_ROWS, sras_due),
            "today": timezone.localdate()}


def _my_proposals(request: HttpRequest) -> dict[str, Any] | None:
    mine = selectors.level_reviews(user=request.user).filter(
        proposed_by_id=request.user.pk,
        status__in=[SecurityLevelReview.Status.PROPOSED, SecurityLevelReview.Status.UNDER_REVIEW,
                    SecurityLevelReview.Status.RETURNED]).order_by("-proposed_at")
    areas = selectors.areas_with_levels(user=request.user, overdue_only=True)
    mine_rows = list(mine[:8])
    overdue = list(areas.order_by(selectors.BY_DUE_DATE)[:OVERDUE_ROWS])
    if not mine_rows and not overdue:
        return None
    return {"mine": mine_rows, "overdue": overdue,
            "overdue_count": _count(overdue, OVERDUE_ROWS, areas), "today": timezone.localdate()}


def _awaiting_approval(request: HttpRequest) -> dict[str, Any] | None:
    """Documents waiting for this reader's decision: SRAs to approve or endorse, security
    plans to approve or endorse, MOSS drafts to approve."""
    user = request.user
    queues = [
        (_("Security risk assessments to approve"), "risk:sra_detail",
         selectors.sra_list(user=user, status="submitted"), Perm.APPROVE_SRA),
        (_("Security risk assessments to endorse"), "risk:sra_detail",
         selectors.sra_list(user=user, status="approved"), Perm.ENDORSE_SRA),
        (_("Security plans to approve"), "risk:plan_detail",
         selectors.plan_list(user=user, status="draft"), Perm.APPROVE_PLAN),
        (_("Security plans to endorse"), "risk:plan_detail",
         selectors.plan_list(user=user, status="approved"), Perm.ENDORSE_PLAN),
        (_("MOSS documents to approve"), "risk:moss_detail",
         selectors.moss_documents(user=user, status="draft"), Perm.APPROVE_MOSS),
    ]
    shown = []
    for label, url_name, queryset, perm in queues:
        if not has_perm_anywhere(user, perm):
            continue  # can() refuses every document of this queue: no need to read them
        items = [obj for obj in queryset[:50] if (can(user, perm, obj)
                 and getattr(obj, "approved_by_id", None) != user.pk) or (perm in {
                     Perm.APPROVE_SRA, Perm.APPROVE_PLAN, Perm.APPROVE_MOSS}
                 and can(user, perm, obj))]
        if items:
            shown.append({"label": label, "url_name": url_name, "items": items[:6],
                          "count": len(items)})
    return {"queues": shown} if shown else None


register_panel(
    Panel("risk.awaiting_approval", _("Awaiting your decision"),
          "risk/partials/_panel_awaiting.html", _awaiting_approval,
          roles=frozenset({Role.DESIGNATED_OFFICIAL, Role.DRO_DESK_OFFICER}), order=12),
)
register_panel(
    Panel("risk.levels_due", _("Security level reviews"), "risk/partials/_panel_levels_due.html",
          _levels_due, roles=frozenset({Role.DRO_DESK_OFFICER, Role.DESIGNATED_OFFICIAL}),
          order=15),
    Panel("risk.my_proposals", _("Security levels in your areas"),
          "risk/partials/_panel_my_proposals.html", _my_proposals,
          roles=frozenset({Role.SECURITY_OFFICER}), order=15),
)

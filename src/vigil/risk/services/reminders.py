"""Reminders of reviews falling due: the security level in force of each area, SRAs in force
and endorsed security plans, each told once per stage (due within 30 days, then overdue)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy

from vigil.core import audit
from vigil.core.authz import Perm, users_with_perm
from vigil.core.i18n import Msg
from vigil.core.services import notify
from vigil.risk import rules, selectors
from vigil.risk.models import ReviewReminder, SecurityPlan, SecurityRiskAssessment

REMIND_DAYS_BEFORE = 30


def _stage(due: dt.date, today: dt.date) -> str | None:
    if due < today:
        return "overdue"
    if (due - today).days <= REMIND_DAYS_BEFORE:
        return "soon"
    return None


@transaction.atomic
def review_reminders_send(*, today: dt.date | None = None) -> int:
    """Tell whoever must act about each security level and SRA review due within 30 days or
    overdue: once per review, stage and due date, however often this runs."""
    today = today or timezone.localdate()
    horizon = today + dt.timedelta(days=REMIND_DAYS_BEFORE)
    sent = 0
    for review in selectors.reviews_in_force().filter(
            next_review_due__lte=horizon).select_related("security_area"):
        due = review.next_review_due
        if due is None:
            continue
        stage = _stage(due, today)
        if stage is None or _already(kind="security_level", pk=review.pk, due=due,
                                     stage=stage):
            continue
        subject = Msg(gettext_lazy("Security level review of %(area)s overdue since %(date)s")
                      if stage == "overdue" else
                      gettext_lazy("Security level review of %(area)s due on %(date)s"),
                      area=review.security_area, date=due.isoformat())
        notify(users=[*users_with_perm(Perm.PROPOSE_SECURITY_LEVEL, review),
                      *users_with_perm(Perm.REVIEW_SECURITY_LEVEL, review)],
               subject=subject, url=reverse("risk:area_levels", args=[review.security_area_id]))
        sent += 1
    for sra in SecurityRiskAssessment.objects.filter(status__in=rules.APPROVED_STATES,
                                                     review_due__lte=horizon):
        stage = _stage(sra.review_due, today)
        if stage is None or _already(kind="sra", pk=sra.pk, due=sra.review_due, stage=stage):
            continue
        subject = Msg(gettext_lazy("SRA “%(title)s” overdue for review since %(date)s")
                      if stage == "overdue" else
                      gettext_lazy("SRA “%(title)s” due for review on %(date)s"),
                      title=sra.title, date=sra.review_due.isoformat())
        notify(users=[*users_with_perm(Perm.EDIT_SRA, sra),
                      *users_with_perm(Perm.ENDORSE_SRA, sra)],
               subject=subject, url=reverse("risk:sra_detail", args=[sra.pk]))
        sent += 1
    for plan in SecurityPlan.objects.filter(status=SecurityPlan.Status.ENDORSED,
                                            review_due__lte=horizon):
        stage = _stage(plan.review_due, today)
        if stage is None or _already(kind="plan", pk=plan.pk, due=plan.review_due,
                                     stage=stage):
            continue
        subject = Msg(gettext_lazy("Security plan “%(title)s” overdue for review since "
                                   "%(date)s")
                      if stage == "overdue" else
                      gettext_lazy("Security plan “%(title)s” due for review on %(date)s"),
                      title=plan.title, date=plan.review_due.isoformat())
        notify(users=users_with_perm(Perm.EDIT_PLAN, plan), subject=subject,
               url=reverse("risk:plan_detail", args=[plan.pk]))
        sent += 1
    if sent:
        audit.record(actor=None, action="risk.reminders.send", object_type="risk",
                     changes={"date": today.isoformat(), "sent": sent})
    return sent


def _already(*, kind: str, pk: int, due: dt.date, stage: str) -> bool:
    """Record the reminder; True when it had been sent before."""
    _reminder, created = ReviewReminder.objects.get_or_create(kind=kind, object_id=pk,
                                                              due=due, stage=stage)
    return not created

"""The security level in force, decided in one place (risk.selectors) for every reader: the
level board and map, an area's page, the reminders, travel clearance and crisis schedules."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from vigil.core.authz import Role, ScopeKind
from vigil.core.models import Notification
from vigil.places.models import SecurityArea
from vigil.risk import selectors, services
from vigil.risk.models import ReviewReminder, SecurityLevelReview


def _review(area, level, by, *, decided_at=None, status=SecurityLevelReview.Status.APPROVED,
            due=None):
    now = timezone.now()
    approved = status == SecurityLevelReview.Status.APPROVED
    return SecurityLevelReview.objects.create(
        security_area=area, ratings={}, derived_level=level, proposed_level=level,
        status=status, proposed_by=by, proposed_at=now - dt.timedelta(days=30),
        decided_by=by if approved else None, decided_at=decided_at if approved else None,
        next_review_due=due or (now.date() + dt.timedelta(days=200)) if approved else None)


def test_the_level_in_force_is_the_latest_approved_decision(cast, user_with):
    dro = user_with(Role.DRO_DESK_OFFICER)
    now = timezone.now()
    _review(cast.nbi_area, 3, dro, decided_at=now - dt.timedelta(days=10))
    latest = _review(cast.nbi_area, 4, dro, decided_at=now - dt.timedelta(days=1))
    _review(cast.nbi_area, 6, dro, decided_at=now - dt.timedelta(days=5))  # decided before
    _review(cast.nbi_area, 5, dro, status=SecurityLevelReview.Status.PROPOSED)  # not in force
    assert selectors.level_in_force(cast.nbi_area.pk) == 4
    assert selectors.review_in_force(area_id=cast.nbi_area.pk) == latest
    assert list(selectors.reviews_in_force()) == [latest]
    mogadishu = SecurityArea.objects.create(country=cast.somalia, code="MOG", name="Mogadishu")
    assert selectors.level_in_force(mogadishu.pk) is None
    assert selectors.level_in_force(None) is None
    levels = dict(selectors.with_level(SecurityArea.objects.all())
                  .values_list("code", "current_level"))
    assert levels == {"NBI": 4, "MOG": None}


def test_of_two_decisions_at_the_same_moment_the_later_record_is_in_force(cast, user_with):
    dro = user_with(Role.DRO_DESK_OFFICER)
    now = timezone.now()
    _review(cast.nbi_area, 3, dro, decided_at=now)
    later = _review(cast.nbi_area, 5, dro, decided_at=now)
    assert selectors.level_in_force(cast.nbi_area.pk) == 5
    assert selectors.review_in_force(area_id=cast.nbi_area.pk) == later
    assert list(selectors.reviews_in_force()) == [later]
    area = selectors.areas_with_levels(user=dro).get(pk=cast.nbi_area.pk)
    assert (area.current_level, area.current_review) == (5, later.pk)


def test_reminders_follow_the_review_in_force(cast, user_with):
    dro = user_with(Role.DRO_DESK_OFFICER, ScopeKind.COUNTRY, cast.kenya)
    today = timezone.localdate()
    now = timezone.now()
    _review(cast.nbi_area, 3, dro, decided_at=now - dt.timedelta(days=90),
            due=today + dt.timedelta(days=5))  # replaced since: its due date no longer counts
    in_force = _review(cast.nbi_area, 4, dro, decided_at=now - dt.timedelta(days=1),
                       due=today + dt.timedelta(days=100))
    assert services.review_reminders_send(today=today) == 0
    SecurityLevelReview.objects.filter(pk=in_force.pk).update(
        next_review_due=today + dt.timedelta(days=10))
    assert services.review_reminders_send(today=today) == 1
    assert ReviewReminder.objects.get().object_id == in_force.pk
    assert Notification.objects.filter(user=dro, subject__contains="Greater Nairobi").exists()

"""Reads of security management teams, narrowed to what the reader may see: the teams with
their security level in force, meeting state and action counts; a team's members (the holders
of the SMT functions in its place, from the accountability framework's appointments); its
meetings, decisions, action points and joint plans; the configured meeting intervals; and the
summary of a country's teams for the home page.

The security level of a team's place is the highest level in force among its country's areas
(a country team) or its own area's (an area team), read through risk.selectors. Whether a team
is late is smt_rules' rule; the list filters and sorts by it in the database, through the day
before which each level's last meeting makes a team late (``smt_rules.late_threshold``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.query import ModelIterable
from django.utils import timezone

from vigil.coordination import smt_rules as rules
from vigil.coordination.models import (
    ActionPoint,
    ActionStatus,
    Appointment,
    CoordinationSettings,
    Decision,
    Function,
    JointPlan,
    Meeting,
    MeetingStatus,
    SecurityManagementTeam,
)
from vigil.core.authz import ROLE_PERMISSIONS, Grant, Perm, can, get_visible, visible
from vigil.core.errors import NotFound
from vigil.core.models import RoleGrant
from vigil.core.selectors import narrowed, searched
from vigil.risk.selectors import reviews_in_force

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

# The functions whose holders sit on the team: the designated official chairs it, the chief
# security adviser advises it.
MEMBER_FUNCTIONS = (Function.DESIGNATED_OFFICIAL, Function.DEPUTY_DESIGNATED_OFFICIAL,
                    Function.SMT_MEMBER, Function.CHIEF_SECURITY_ADVISER)
FUNCTION_ORDER = {function.value: index for index, function in enumerate(MEMBER_FUNCTIONS)}


# --- Settings -------------------------------------------------------------------------------

def coordination_settings() -> CoordinationSettings:
    """The settings row (made by the migration), or the defaults, unsaved, if it is gone."""
    return CoordinationSettings.objects.filter(pk=1).first() or CoordinationSettings(
        pk=1, version=0)


def intervals() -> dict[str, int]:
    """Days allowed between two meetings, by level ("1" … "6"), as configured."""
    table = coordination_settings().meeting_interval_days or {}
    return {str(level): rules.interval_days(level, table or None) for level in rules.LEVELS}


# --- Teams ----------------------------------------------------------------------------------

def _level_subqueries() -> Any:
    """The level in force of a team's place, as an expression over the team's row: the
    highest among its country's areas, or its own area's."""
    in_force = reviews_in_force()
    country_level = Subquery(in_force.filter(
        security_area__country_id=OuterRef("country_id")).order_by(
        "-proposed_level").values("proposed_level")[:1], output_field=IntegerField())
    area_level = Subquery(in_force.filter(
        security_area_id=OuterRef("security_area_id")).values("proposed_level")[:1],
        output_field=IntegerField())
    return Case(When(security_area__isnull=True, then=country_level), default=area_level,
                output_field=IntegerField())


def _count(qs: QuerySet[Any]) -> Subquery:
    return Subquery(qs.order_by().values("team_id").annotate(n=Count("pk")).values("n")[:1],
                    output_field=IntegerField())


def annotated(qs: QuerySet[SecurityManagementTeam], *, today: dt.date | None = None
              ) -> QuerySet[SecurityManagementTeam]:
    """Teams with ``level`` (in force), ``last_held`` (last meeting held), ``next_meeting``
    (first scheduled from today), ``basis`` (last held, else established), the counts of open,
    late and joint plans; each a subquery, so a page of teams costs one query."""
    today = today or timezone.localdate()
    meetings = Meeting.objects.filter(team_id=OuterRef("pk"))
    actions = ActionPoint.objects.filter(team_id=OuterRef("pk"), status=ActionStatus.OPEN)
    return qs.select_related("country", "security_area").annotate(
        level=_level_subqueries(),
        last_held=Subquery(meetings.filter(status=MeetingStatus.HELD).order_by(
            "-held_on").values("held_on")[:1]),
        next_meeting=Subquery(meetings.filter(status=MeetingStatus.SCHEDULED,
                                              held_on__gte=today).order_by(
            "held_on").values("held_on")[:1]),
        open_actions=Coalesce(_count(actions), Value(0)),
        late_actions=Coalesce(_count(actions.filter(due_on__lt=today)), Value(0)),
        joint_plan_count=Coalesce(_count(JointPlan.objects.filter(team_id=OuterRef("pk"))),
                                  Value(0)),
    ).annotate(basis=Coalesce(F("last_held"), F("established_on")))


class _WithState(ModelIterable):  # type: ignore[type-arg]
    """Each team read carries ``state``, its meeting state today (smt_rules.meeting_state),
    worked out from the annotations with the intervals read once for the whole page."""

    def __iter__(self) -> Any:
        today = timezone.localdate()
        table = intervals()
        for team in super().__iter__():
            team.state = team_state(team, today=today, table=table)
            yield team


def with_state(qs: QuerySet[SecurityManagementTeam]) -> QuerySet[SecurityManagementTeam]:
    """``qs`` (from ``annotated``) whose teams each carry their meeting state."""
    qs._iterable_class = _WithState  # the hook Django gives for row classes
    return qs


def _late_condition(today: dt.date, table: dict[str, int]) -> Q:
    """The teams late today, level by level (no level: level 1's interval)."""
    condition = Q(level__isnull=True, basis__lt=rules.late_threshold(None, today, table))
    for level in rules.LEVELS:
        condition |= Q(level=level, basis__lt=rules.late_threshold(level, today, table))
    return condition


def teams_seen(user: AnyUser) -> QuerySet[SecurityManagementTeam]:
    return visible(user, Perm.VIEW_COORDINATION, SecurityManagementTeam.objects.all())


def team_list(*, user: AnyUser, search: str = "", country: str = "", active: str = "yes",
              late: str = "", kind: str = "") -> QuerySet[SecurityManagementTeam]:
    """The teams the user may see. ``active``: "yes" (default), "no" or "" (all); ``late``:
    "yes" for the teams late today; ``kind``: "country" or "area"."""
    today = timezone.localdate()
    qs = annotated(teams_seen(user), today=today)
    qs = searched(qs, search, "name__icontains", "country__name__icontains",
                  "security_area__name__icontains")
    qs = searched(qs, country.upper(), "country__iso2", "country__iso3")
    qs = narrowed(qs, active={"yes": True, "no": False}.get(active),
                  security_area__isnull={"country": True, "area": False}.get(kind))
    if late == "yes":  # a closed team is never late: it no longer meets
        qs = qs.filter(_late_condition(today, intervals()), active=True)
    return with_state(qs)


def late_teams(*, user: AnyUser) -> QuerySet[SecurityManagementTeam]:
    return team_list(user=user, late="yes").order_by(F("basis").asc(), "pk")


def team_get(*, user: AnyUser, pk: Any) -> SecurityManagementTeam:
    return get_visible(user, Perm.VIEW_COORDINATION,
                       with_state(annotated(SecurityManagementTeam.objects.all())), pk=pk)


def team_state(team: SecurityManagementTeam, *, today: dt.date | None = None,
               table: dict[str, int] | None = None) -> rules.MeetingState:
    """The team's meeting state today: its level in force, when its next meeting is due and
    whether it is late. ``team`` comes from ``annotated`` (a team list or ``team_get``)."""
    return rules.meeting_state(level=getattr(team, "level", None),
                               last_held_on=getattr(team, "last_held", None),
                               established_on=team.established_on,
                               today=today or timezone.localdate(),
                               intervals=table if table is not None else intervals())


def with_states(teams: Any, *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Each team of a page with its meeting state."""
    today = today or timezone.localdate()
    table = intervals()
    return [{"team": t, "state": team_state(t, today=today, table=table)} for t in teams]


# --- Members --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Member:
    appointment: Appointment
    has_access: bool

    @property
    def user(self) -> Any:
        return self.appointment.user

    @property
    def organization(self) -> Any:
        return self.appointment.organization

    @property
    def function(self) -> str:
        return self.appointment.function


def member_appointments(team: SecurityManagementTeam, *, on: dt.date | None = None
                        ) -> QuerySet[Appointment]:
    """The appointments in force on ``on`` (today) of the team's functions in its place: its
    country (held for the whole country) or its area."""
    on = on or timezone.localdate()
    qs = Appointment.objects.in_force(on).filter(function__in=MEMBER_FUNCTIONS)
    if team.security_area_id is None:
        qs = qs.filter(country_id=team.country_id, security_area__isnull=True,
                       duty_station__isnull=True)
    else:
        qs = qs.filter(security_area_id=team.security_area_id, duty_station__isnull=True)
    return qs.select_related("user", "organization", "grant")


def _grants_by_user(user_ids: list[int]) -> dict[int, list[Grant]]:
    grants: dict[int, list[Grant]] = {pk: [] for pk in user_ids}
    for user_id, role, kind, scope_id in RoleGrant.objects.in_force().filter(
            user_id__in=user_ids).values_list("user_id", "role", "scope_kind", "scope_id"):
        grants[user_id].append(Grant(role, kind, scope_id))
    return grants


def team_members(team: SecurityManagementTeam, *, on: dt.date | None = None) -> list[Member]:
    """The team's members, the chair first, each with the organization they represent and
    whether a role grant in force lets them read the team's records (a member without one is
    flagged: their appointment's access is missing or has expired)."""
    appointments = sorted(member_appointments(team, on=on),
                          key=lambda a: (FUNCTION_ORDER.get(a.function, 9),
                                         a.organization.code, a.user.get_username()))
    grants = _grants_by_user(sorted({a.user_id for a in appointments}))
    members = []
    for appointment in appointments:
        # ``can`` reads the grants the user object carries: give it the ones read above.
        setattr(appointment.user, "_vigil_grants", grants[appointment.user_id])  # noqa: B010
        members.append(Member(appointment=appointment,
                              has_access=can(appointment.user, Perm.VIEW_COORDINATION, team)))
    return members


def member_user_ids(team: SecurityManagementTeam, *, on: dt.date | None = None) -> set[int]:
    return set(member_appointments(team, on=on).values_list("user_id", flat=True))


def may_own_actions(team: SecurityManagementTeam, user: Any, *, on: dt.date | None = None
                    ) -> bool:
    """An action point is owned by a member of the team, or by somebody whose role lets them
    read the team's records (a security officer of the country, say)."""
    return user.pk in member_user_ids(team, on=on) or can(user, Perm.VIEW_COORDINATION, team)


def owner_candidates(team: SecurityManagementTeam) -> QuerySet[Any]:
    """The users an action point of the team may be given to: its members, and the holders
    of a grant in force that reaches the team's place with a role that reads coordination."""
    roles = [role.value for role, table in ROLE_PERMISSIONS.items()
             if Perm.VIEW_COORDINATION in table]
    place = Q(scope_kind="global") | Q(scope_kind="country", scope_id=team.country_id)
    if team.security_area_id is not None:
        place |= Q(scope_kind="security_area", scope_id=team.security_area_id)
    granted = RoleGrant.objects.in_force().filter(place, role__in=roles).values("user_id")
    members = member_appointments(team).values("user_id")
    return get_user_model().objects.filter(is_active=True).filter(
        Q(pk__in=granted) | Q(pk__in=members)).order_by("last_name", "username")


# --- Meetings -------------------------------------------------------------------------------

def meetings_seen(user: AnyUser) -> QuerySet[Meeting]:
    return visible(user, Perm.VIEW_COORDINATION, Meeting.objects.all())


def meeting_list(*, user: AnyUser, team: Any = None, status: str = "",
                 search: str = "") -> QuerySet[Meeting]:
    qs = meetings_seen(user).select_related("team", "team__country", "chaired_by")
    qs = searched(qs, search, "agenda__icontains", "summary__icontains",
                  "team__name__icontains")
    return narrowed(qs, team_id=getattr(team, "pk", team) or None, status=status)


def meeting_get(*, user: AnyUser, pk: Any) -> Meeting:
    return get_visible(user, Perm.VIEW_COORDINATION, Meeting.objects.select_related(
        "team", "team__country", "team__security_area", "chaired_by", "recorded_by"), pk=pk)


def next_scheduled(team: SecurityManagementTeam, *, today: dt.date | None = None
                   ) -> Meeting | None:
    return team.meetings.filter(status=MeetingStatus.SCHEDULED,
                                held_on__gte=today or timezone.localdate()).order_by(
        "held_on", "pk").select_related("chaired_by").first()


def attendance_of(meeting: Meeting) -> QuerySet[Any]:
    return meeting.attendance.select_related("user", "organization", "appointment")


def decisions_of(meeting: Meeting) -> QuerySet[Decision]:
    return meeting.decisions.order_by("number")


# --- Decisions ------------------------------------------------------------------------------

def decision_list(*, user: AnyUser, team: Any = None, search: str = "") -> QuerySet[Decision]:
    """The decisions register: every decision of the meetings held that the user may see,
    the latest meeting first."""
    qs = Decision.objects.filter(meeting__in=meetings_seen(user).filter(
        status=MeetingStatus.HELD)).select_related("meeting", "meeting__team",
                                                   "meeting__team__country")
    qs = searched(qs, search, "text__icontains")
    qs = narrowed(qs, meeting__team_id=getattr(team, "pk", team) or None)
    return qs.annotate(open_actions=Count("action_points", filter=Q(
        action_points__status=ActionStatus.OPEN))).order_by("-meeting__held_on", "number")


# --- Action points --------------------------------------------------------------------------

def action_points_seen(user: AnyUser) -> QuerySet[ActionPoint]:
    """The action points of the teams the user may see, and the user's own (an owner may
    hold no grant over the team's place)."""
    if not user.is_authenticated:
        return ActionPoint.objects.none()
    return ActionPoint.objects.filter(
        Q(pk__in=visible(user, Perm.VIEW_COORDINATION, ActionPoint.objects.all()).values("pk"))
        | Q(owner_id=user.pk))


def action_list(*, user: AnyUser, team: Any = None, status: str = "", late: str = "",
                mine: bool = False, search: str = "") -> QuerySet[ActionPoint]:
    """Action points; ``late`` "yes": the open ones past their due date; ``mine``: the user's
    own."""
    qs = action_points_seen(user).select_related("team", "team__country", "meeting", "owner",
                                                 "decision", "closed_by")
    qs = searched(qs, search, "text__icontains")
    qs = narrowed(qs, team_id=getattr(team, "pk", team) or None, status=status)
    if mine:
        qs = qs.filter(owner_id=user.pk)
    if late == "yes":
        qs = qs.filter(status=ActionStatus.OPEN, due_on__lt=timezone.localdate())
    return qs


def action_get(*, user: AnyUser, pk: Any) -> ActionPoint:
    row = action_list(user=user).filter(pk=pk).first()
    if row is None:
        raise NotFound()
    return row


def open_actions(*, team: SecurityManagementTeam, today: dt.date | None = None
                 ) -> tuple[list[ActionPoint], list[ActionPoint]]:
    """A team's open action points: (late ones, the others), each by due date."""
    today = today or timezone.localdate()
    rows = list(team.action_points.filter(status=ActionStatus.OPEN).select_related(
        "owner", "meeting").order_by("due_on", "pk"))
    return [a for a in rows if a.due_on < today], [a for a in rows if a.due_on >= today]


# --- Joint plans ----------------------------------------------------------------------------

def joint_plans_seen(user: AnyUser) -> QuerySet[JointPlan]:
    return visible(user, Perm.VIEW_COORDINATION, JointPlan.objects.all())


def joint_plan_list(*, user: AnyUser, team: Any = None, status: str = "", kind: str = "",
                    search: str = "") -> QuerySet[JointPlan]:
    qs = joint_plans_seen(user).select_related("team", "team__country", "lead",
                                               "security_plan", "agreed_at")
    qs = searched(qs, search, "title__icontains", "notes__icontains")
    qs = narrowed(qs, team_id=getattr(team, "pk", team) or None, status=status, kind=kind)
    return qs.prefetch_related("organizations")


def joint_plan_get(*, user: AnyUser, pk: Any) -> JointPlan:
    return get_visible(user, Perm.VIEW_COORDINATION, JointPlan.objects.select_related(
        "team", "team__country", "lead", "security_plan", "agreed_at"), pk=pk)


# --- Home -----------------------------------------------------------------------------------

def my_teams(*, user: AnyUser) -> list[dict[str, Any]]:
    """The active teams the user may see (at most ten, the late first), with their state."""
    # Each team read carries its state already (_WithState: the intervals read once).
    rows = [{"team": t, "state": t.state}  # type: ignore[attr-defined]
            for t in team_list(user=user).order_by(F("basis").asc(), "pk")[:10]]
    return sorted(rows, key=lambda r: (not r["state"].late, r["team"].country.name))


def country_summary(*, user: AnyUser, country_id: int) -> dict[str, Any]:
    """A country's teams as the user may see them, for a home panel: each active team with
    its meeting state, and how many of its action points are open and late."""
    today = timezone.localdate()
    teams = with_states(team_list(user=user).filter(country_id=country_id), today=today)
    return {"teams": teams, "late_teams": sum(1 for r in teams if r["state"].late),
            "open_actions": sum(r["team"].open_actions for r in teams),
            "late_actions": sum(r["team"].late_actions for r in teams)}

"""The indicators of Subprogramme 2, component 2: field support.

Each compute function calls the selector of the app that keeps the records, with the
query's period and slice (``within=``); each records function lists the records behind the
figure that the viewer may open."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from vigil.aviation import rules as aviation_rules
from vigil.aviation import selectors as aviation
from vigil.core import selectors as core
from vigil.core.authz import Perm, visible
from vigil.core.models import AuditEvent, RoleGrant
from vigil.core.roles import ROLE_LABELS, Role
from vigil.core.slices import SliceKind
from vigil.people.models import Person
from vigil.performance.definitions import ALL_SLICES, Indicator, Query, Records, Row, Setting
from vigil.performance.rules import (
    SLICE_NOT_APPLICABLE,
    Direction,
    Measure,
    Unit,
    count,
    no_data,
    percent,
    timeliness,
)
from vigil.places.models import DutyStation, SecurityArea
from vigil.risk import selectors as risk
from vigil.training import selectors as training
from vigil.travel import selectors as travel
from vigil.wellbeing import selectors as wellbeing

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

MAX_ROWS = 500
HIGH_RISK_LEVEL = "high_risk_level"

# SP2.2.c.ii: the roles that carry security-management responsibilities, and the information
# tools the seed names, each with the audit actions that are a use of it (an action counts when
# it starts with one of the tool's prefixes).
SECURITY_MANAGEMENT_ROLES = (Role.SECURITY_OFFICER, Role.DESIGNATED_OFFICIAL,
                             Role.DRO_DESK_OFFICER, Role.HQ_SECURITY_OFFICER, Role.SMT_MEMBER)
INFORMATION_TOOLS: tuple[tuple[str, Any, tuple[str, ...]], ...] = (
    ("security_levels", _("Security levels"), ("risk.security_level.",)),
    ("premises_questionnaire", _("Premises vulnerability questionnaire"),
     ("risk.survey.", "risk.questionnaire.")),
    ("cost_sharing", _("Cost-sharing budget"), ("costshare.",)),
    ("trip", _("Travel requests (TRIP)"),
     ("travel.request.", "travel.clearance.", "travel.delegation.")),
    ("advisories_directory", _("Travel advisories and directory"),
     ("travel.advisory", "travel.contact")),
    ("duty_stations", _("Duty station database"),
     ("places.duty_station", "places.premises", "places.security_area")),
)


def tool_prefixes() -> tuple[str, ...]:
    return tuple(prefix for _key, _label, prefixes in INFORMATION_TOOLS for prefix in prefixes)


def tools_of(actions: Iterable[str]) -> list[str]:
    """The labels of the tools that these audit actions are uses of, in the table's order."""
    found = list(actions)
    return [str(label) for _key, label, prefixes in INFORMATION_TOOLS
            if any(a.startswith(prefixes) for a in found)]


def _day_measured(query: Query) -> dt.date:
    """A stock is measured on the period's last day, or today while the period runs."""
    return min(query.period.end, timezone.localdate())


def _moment_measured(query: Query) -> dt.datetime:
    """The end of the period's last day (UTC), or now while the period runs."""
    end = dt.datetime.combine(query.period.end + dt.timedelta(days=1), dt.time.min,
                              tzinfo=dt.UTC) - dt.timedelta(microseconds=1)
    return min(end, timezone.now())


def _yes_no(value: bool) -> str:
    return _t("yes") if value else _t("no")


# --- SP2.2.a.i ------------------------------------------------------------------------------------

def high_risk_stations(level: Decimal | int) -> list[int]:
    """Duty stations whose security area has a security level in force (risk's rule) at or
    above ``level``."""
    areas: QuerySet[Any] = risk.with_level(SecurityArea.objects.all())
    areas = areas.filter(current_level__gte=int(level))
    return list(DutyStation.objects.filter(security_area__in=areas.values("pk"))
                .values_list("pk", flat=True))


def _stress_people(query: Query) -> training.StressPeople | None:
    return training.stress_management_people(
        duty_station_ids=high_risk_stations(query.settings[HIGH_RISK_LEVEL]),
        on=_day_measured(query), within=query.slice)


def stress_training_coverage(query: Query) -> Measure:
    """SP2.2.a.i: of the active staff members at high-risk duty stations (their security area's
    level in force today at or above the setting, 4 by default) and their active eligible
    dependants, the share who hold a stress-management course completion, not revoked,
    completed on or before the period's last day (today while the period runs). A course
    taken in an earlier period still counts: it is the coverage reached. The staff are those
    on the roster now, placed by their duty station and organization. Counted in the
    database, one aggregate for the staff and one for the dependants."""
    people = _stress_people(query)
    if people is None:
        return no_data(SLICE_NOT_APPLICABLE)
    staff = _trained_count(people.staff)
    family = _trained_count(people.family)
    return percent(staff["trained"] + family["trained"], staff["total"] + family["total"],
                   staff=staff["total"], staff_trained=staff["trained"],
                   dependants=family["total"], dependants_trained=family["trained"])


def _trained_count(rows: QuerySet[Any]) -> dict[str, int]:
    """How many rows (annotated ``trained``) and how many of them trained, in one query
    grouped by ``trained``."""
    by = dict(rows.order_by().values_list("trained").annotate(n=Count("pk")))
    return {"total": sum(by.values()), "trained": by.get(True, 0)}


def stress_training_records(query: Query, user: AnyUser) -> Records:
    columns = (_("Person"), _("Staff member or dependant"), _("Duty station"),
               _("Trained in stress management"))
    people = _stress_people(query)
    if people is None:
        return Records(columns=columns, rows=[])
    staff = visible(user, Perm.VIEW_PERSON, people.staff).select_related("duty_station") \
        .order_by("duty_station__name", "family_name", "given_name", "pk")
    family = visible(user, Perm.VIEW_DEPENDANT, people.family).select_related(
        "person__duty_station").order_by("person__duty_station__name", "family_name", "pk")
    rows = [Row(p.full_name, reverse("people:person_detail", args=[p.pk]),
                (_t("Staff member"), p.duty_station.name, _yes_no(p.trained)), p.trained)
            for p in staff[:MAX_ROWS]]
    rows += [Row(f"{d.family_name.upper()}, {d.given_name}".rstrip(", "),
                 reverse("people:dependant_detail", args=[d.pk]),
                 (_t("Dependant"), d.person.duty_station.name, _yes_no(d.trained)), d.trained)
             for d in family[:max(MAX_ROWS - len(rows), 0)]]
    hidden = people.staff.count() - staff.count() + people.family.count() - family.count()
    return Records(columns=columns, rows=rows, hidden=hidden)


# --- SP2.2.a.ii -----------------------------------------------------------------------------------

def counsellors_trained(query: Query) -> Measure:
    """SP2.2.a.ii: the number of distinct counsellors, UN or partner (their staff records;
    never a dependant), who completed a critical-incident stress management course from the
    period's first day to its last, both included; a revoked completion does not count."""
    number = training.cism_counsellors_trained(first=query.period.start, last=query.period.end,
                                               within=query.slice)
    return no_data(SLICE_NOT_APPLICABLE) if number is None else count(number)


def _one_per_person(completions: QuerySet[Any]) -> list[Any]:
    seen: set[int] = set()
    out = []
    for completion in completions.order_by("person__family_name", "person_id", "completed_on"):
        if completion.person_id not in seen:
            seen.add(completion.person_id)
            out.append(completion)
    return out


def counsellors_trained_records(query: Query, user: AnyUser) -> Records:
    columns = (_("Counsellor"), _("Course"), _("Completed on"))
    completions = training.cism_completions(first=query.period.start, last=query.period.end,
                                            within=query.slice)
    if completions is None:
        return Records(columns=columns, rows=[])
    shown = _one_per_person(visible(user, Perm.VIEW_TRAINING, completions))
    rows = [Row(c.person.full_name, reverse("training:completion_detail", args=[c.pk]),
                (c.course.code, c.completed_on.isoformat())) for c in shown[:MAX_ROWS]]
    total = completions.values("person_id").distinct().count()
    return Records(columns=columns, rows=rows, hidden=total - len(shown))


# --- SP2.2.a.iii ----------------------------------------------------------------------------------

def psychological_first_aid(query: Query) -> Measure:
    """SP2.2.a.iii: of the staff members (not dependants) recorded as affected by an incident
    that occurred from the period's first day to its last (UTC, both included), the share with
    a first psychological-first-aid contact recorded on their support case, whenever it was
    made. Placed by the incident's country, and by the staff member's duty station and
    organization. Counts only, suppressed as wellbeing suppresses every count: when the
    supported or the others number fewer than the minimum cell (5 by default) but not none,
    the figure is not given."""
    found = wellbeing.pfa_share(first=query.period.start, last=query.period.end,
                                within=query.slice)
    if not found["applicable"]:
        return no_data(SLICE_NOT_APPLICABLE)
    share = found["share"]
    if share.suppressed:
        return no_data(suppressed=share.denominator.value != 0, minimum=found["minimum"])
    return percent(share.numerator.value, share.denominator.value)


def psychological_first_aid_records(query: Query, user: AnyUser) -> Records:
    """Counts only, never a name: the cells as wellbeing publishes them."""
    columns = (_("Count"), _("Number"))
    found = wellbeing.pfa_share(first=query.period.start, last=query.period.end,
                                within=query.slice)
    if not found["applicable"]:
        return Records(columns=columns, rows=[], counts_only=True)
    share = found["share"]
    rows = [Row(_t("Staff recorded as affected"), "", (str(share.denominator),), False),
            Row(_t("Of whom received first aid or trauma support"), "",
                (str(share.numerator),), True)]
    return Records(columns=columns, rows=rows, counts_only=True)


# --- SP2.2.b --------------------------------------------------------------------------------------

def training_participants(query: Query) -> Measure:
    """SP2.2.b: the number of distinct participants (staff members and dependants) in security
    training in the period: those who completed a course (completion dated from the period's
    first day to its last, not revoked) or attended a session that started in those days.
    Counted in the database: the distinct (staff member, dependant) pairs of the two record
    types' union."""
    found = training.training_participations(first=query.period.start, last=query.period.end,
                                             within=query.slice)
    if found is None:
        return no_data(SLICE_NOT_APPLICABLE)
    completions, attended = found
    pairs = completions.order_by().values_list("person_id", "dependant_id").union(
        attended.order_by().values_list("person_id", "dependant_id"))
    return count(pairs.count(), completions=completions.count())


def training_participants_records(query: Query, user: AnyUser) -> Records:
    columns = (_("Participant"), _("Course"), _("Date"))
    found = training.training_participations(first=query.period.start, last=query.period.end,
                                             within=query.slice)
    if found is None:
        return Records(columns=columns, rows=[])
    completions, attended = found
    everyone = set(completions.values_list("person_id", "dependant_id")) \
        | set(attended.values_list("person_id", "dependant_id"))
    rows: dict[tuple[int, int | None], Row] = {}
    for c in visible(user, Perm.VIEW_TRAINING, completions).order_by("completed_on", "pk"):
        rows.setdefault((c.person_id, c.dependant_id), Row(
            c.holder_name, reverse("training:completion_detail", args=[c.pk]),
            (c.course.code, c.completed_on.isoformat())))
    for e in visible(user, Perm.VIEW_TRAINING, attended).order_by("session__starts_at", "pk"):
        rows.setdefault((e.person_id, e.dependant_id), Row(
            e.holder_name, reverse("training:session_detail", args=[e.session_id]),
            (e.session.course.code, e.session.starts_at.date().isoformat())))
    listed = sorted(rows.values(), key=lambda r: r.label)
    return Records(columns=columns, rows=listed[:MAX_ROWS], hidden=len(everyone) - len(rows))


# --- SP2.2.c.i ------------------------------------------------------------------------------------

def whereabouts_coverage(query: Query) -> Measure:
    """SP2.2.c.i: of the personnel on the roster (not separated) and their active eligible
    dependants, the share whose whereabouts can be known at the end of the period's last day
    (UTC; now while the period runs): a residence with coordinates last confirmed within the
    travel settings' number of days before that moment, or a cleared trip covering it."""
    figures = travel.whereabouts_coverage_at(at=_moment_measured(query), within=query.slice)
    if not figures["applicable"]:
        return no_data(SLICE_NOT_APPLICABLE)
    return percent(figures["known"], figures["total"], staff=figures["staff"],
                   staff_known=figures["staff_known"], dependants=figures["dependants"],
                   dependants_known=figures["dependants_known"])


def whereabouts_records(query: Query, user: AnyUser) -> Records:
    columns = (_("Person"), _("Staff member or dependant"), _("Duty station"),
               _("Whereabouts known"))
    found = travel.whereabouts_known_at(at=_moment_measured(query), within=query.slice)
    if found is None:
        return Records(columns=columns, rows=[])
    everyone, households = found
    staff = visible(user, Perm.VIEW_PERSON, visible(user, Perm.VIEW_COVERAGE, everyone)) \
        .select_related("duty_station").order_by("duty_station__name", "family_name", "pk")
    family = visible(user, Perm.VIEW_DEPENDANT, visible(user, Perm.VIEW_COVERAGE, households)) \
        .select_related("person__duty_station").order_by("person__duty_station__name",
                                                         "family_name", "pk")
    rows = [Row(p.full_name, reverse("people:person_detail", args=[p.pk]),
                (_t("Staff member"), p.duty_station.name, _yes_no(bool(p.covered))),
                bool(p.covered)) for p in staff[:MAX_ROWS]]
    rows += [Row(f"{d.family_name.upper()}, {d.given_name}".rstrip(", "),
                 reverse("people:dependant_detail", args=[d.pk]),
                 (_t("Dependant"), d.person.duty_station.name, _yes_no(bool(d.covered))),
                 bool(d.covered)) for d in family[:max(MAX_ROWS - len(rows), 0)]]
    hidden = everyone.count() - staff.count() + households.count() - family.count()
    return Records(columns=columns, rows=rows, hidden=hidden)


# --- SP2.2.c.ii -----------------------------------------------------------------------------------

def _holders(query: Query) -> tuple[QuerySet[Any], set[int]] | None:
    return core.role_holders_activity(
        roles=[r.value for r in SECURITY_MANAGEMENT_ROLES], action_prefixes=tool_prefixes(),
        first=query.period.start, last=query.period.end, within=query.slice)


def tools_used(query: Query) -> Measure:
    """SP2.2.c.ii: of the accounts that held a security-management role (security officer,
    designated official, DRO desk officer, HQ security officer, SMT member) at some time in
    the period, the share that recorded activity in one of the seed's information tools from
    the period's first day to its last (UTC, both included): an audit event whose action is a
    use of a tool of INFORMATION_TOOLS (security levels, premises vulnerability questionnaire,
    cost-sharing budget, TRIP, travel advisories and directory, duty station database).
    Placed by the account's staff record."""
    found = _holders(query)
    if found is None:
        return no_data(SLICE_NOT_APPLICABLE)
    holders, active = found
    return percent(len(active), holders.count())


def tools_used_records(query: Query, user: AnyUser) -> Records:
    columns = (_("Person"), _("Security-management roles"), _("Tools used"))
    found = _holders(query)
    if found is None:
        return Records(columns=columns, rows=[])
    holders, active = found
    seen = visible(user, Perm.VIEW_PERSON, Person.objects.filter(
        user__in=holders.values("pk"))).order_by("family_name", "given_name", "pk")
    people = list(seen[:MAX_ROWS])
    user_ids = [p.user_id for p in people if p.user_id is not None]
    roles: dict[int, set[str]] = {}
    for user_id, role in RoleGrant.objects.filter(
            user_id__in=user_ids, role__in=[r.value for r in SECURITY_MANAGEMENT_ROLES]) \
            .values_list("user_id", "role"):
        roles.setdefault(user_id, set()).add(str(ROLE_LABELS[Role(role)]))
    actions: dict[int, set[str]] = {}
    begin = dt.datetime.combine(query.period.start, dt.time.min, tzinfo=dt.UTC)
    stop = dt.datetime.combine(query.period.end + dt.timedelta(days=1), dt.time.min,
                               tzinfo=dt.UTC)
    for actor_id, action in AuditEvent.objects.filter(
            actor_id__in=[i for i in user_ids if i in active], at__gte=begin, at__lt=stop
    ).order_by().values_list("actor_id", "action").distinct():
        actions.setdefault(actor_id, set()).add(action)
    rows = [Row(p.full_name, reverse("people:person_detail", args=[p.pk]),
                (", ".join(sorted(roles.get(p.user_id or 0, ()))),
                 ", ".join(tools_of(actions.get(p.user_id or 0, ())))), p.user_id in active)
            for p in people]
    return Records(columns=columns, rows=rows, hidden=holders.count() - seen.count())


# --- SP2.2.d --------------------------------------------------------------------------------------

def aviation_advice(query: Query) -> Measure:
    """SP2.2.d: of the advice requests on air operators asked from the period's first day to
    its last (UTC, both included) that can be judged (answered, or still open past the time
    target of the aviation settings, 48 hours by default), the share answered within the
    target; with the median time to answer in days. A request closed without an answer, or
    still open within the target, is not judged. Placed by the country the advice is asked
    for, and by the organization of the focal point who asked."""
    figures = aviation.advice_figures_within(start=query.period.start, end=query.period.end,
                                             within=query.slice)
    if figures is None:
        return no_data(SLICE_NOT_APPLICABLE)
    median = None if figures.median_hours is None else figures.median_hours / 24
    return timeliness(figures.on_time, figures.judged, median, asked=figures.asked,
                      open_overdue=figures.open_overdue, target_hours=figures.target_hours)


def aviation_advice_records(query: Query, user: AnyUser) -> Records:
    columns = (_("Asked"), _("Country"), _("Answered"), _("Within the target"))
    everything = aviation.advice_requests_in(within=query.slice)
    if everything is None:
        return Records(columns=columns, rows=[])
    begin = dt.datetime.combine(query.period.start, dt.time.min, tzinfo=dt.UTC)
    stop = dt.datetime.combine(query.period.end + dt.timedelta(days=1), dt.time.min,
                               tzinfo=dt.UTC)
    asked = everything.filter(asked_at__gte=begin, asked_at__lt=stop)
    target = aviation.aviation_settings().advice_target_hours
    seen = asked.filter(pk__in=aviation.advice_visible(user).values("pk")).order_by(
        "asked_at", "pk")
    rows = [Row(f"#{a.pk} {a.operator or a.question[:60]}",
                reverse("aviation:advice_detail", args=[a.pk]),
                (a.asked_at.date().isoformat(), a.country.name,
                 a.answered_at.date().isoformat() if a.answered_at else "",
                 _yes_no(aviation_rules.answered_on_time(a.asked_at, a.answered_at, target))),
                aviation_rules.answered_on_time(a.asked_at, a.answered_at, target))
            for a in seen[:MAX_ROWS]]
    return Records(columns=columns, rows=rows, hidden=asked.count() - seen.count())


INDICATORS = (
    Indicator(id="SP2.2.a.i", subprogramme=2, component="SP2.2", accomplishment="SP2.2.a",
              text=_("Percentage of staff and their families at high-risk field duty stations "
                     "trained in stress management"),
              unit=Unit.PERCENT, direction=Direction.UP, compute=stress_training_coverage,
              records=stress_training_records, slices=ALL_SLICES,
              settings=(Setting(HIGH_RISK_LEVEL, _("High-risk from security level"), 4,
                                minimum=1, maximum=6, unit=_("level")),),
              source=_("training completions, and the security level of each duty station "
                       "(training, risk)")),
    Indicator(id="SP2.2.a.ii", subprogramme=2, component="SP2.2", accomplishment="SP2.2.a",
              text=_("Number of United Nations and partner counsellors trained in critical "
                     "incident stress management"),
              unit=Unit.COUNT, direction=Direction.UP, compute=counsellors_trained,
              records=counsellors_trained_records, slices=ALL_SLICES,
              source=_("training completions of counsellors (training)")),
    Indicator(id="SP2.2.a.iii", subprogramme=2, component="SP2.2", accomplishment="SP2.2.a",
              text=_("Percentage of affected United Nations staff receiving psychological first "
                     "aid and trauma support after a reported incident"),
              unit=Unit.PERCENT, direction=Direction.UP, compute=psychological_first_aid,
              records=psychological_first_aid_records, slices=ALL_SLICES, counts_only=True,
              source=_("people affected by incidents, and their counselling contacts (wellbeing; "
                       "counts only)")),
    Indicator(id="SP2.2.b", subprogramme=2, component="SP2.2", accomplishment="SP2.2.b",
              text=_("Number of participants in security training"),
              unit=Unit.COUNT, direction=Direction.UP, compute=training_participants,
              records=training_participants_records, slices=ALL_SLICES,
              source=_("training attendance and completions (training)")),
    Indicator(id="SP2.2.c.i", subprogramme=2, component="SP2.2", accomplishment="SP2.2.c",
              text=_("Percentage of United Nations personnel and eligible dependants whose "
                     "whereabouts can be known at any time, worldwide"),
              unit=Unit.PERCENT, direction=Direction.UP, compute=whereabouts_coverage,
              records=whereabouts_records, slices=ALL_SLICES,
              source=_("personnel, dependants, residences and travel (travel)")),
    Indicator(id="SP2.2.c.ii", subprogramme=2, component="SP2.2", accomplishment="SP2.2.c",
              text=_("Percentage of United Nations staff with security management responsibilities"
                     " who use the security information management tools"),
              unit=Unit.PERCENT, direction=Direction.UP, compute=tools_used,
              records=tools_used_records, slices=ALL_SLICES,
              source=_("role grants of security management roles, and their recorded activity "
                       "(audit log)")),
    Indicator(id="SP2.2.d", subprogramme=2, component="SP2.2", accomplishment="SP2.2.d",
              text=_("Timely advice to air travel focal points on the suitability "
                     "of air operators"),
              unit=Unit.TIMELINESS, direction=Direction.UP, compute=aviation_advice,
              records=aviation_advice_records,
              slices=frozenset({SliceKind.SYSTEM, SliceKind.REGION, SliceKind.COUNTRY,
                                SliceKind.ORGANIZATION}),
              source=_("advice requests on air operators and their answers (aviation)")),
)

"""Reads of mission readiness, narrowed to what the reader may see: requirement templates
(configuration, read by every reader of coordination), checklists of new missions and
operations in the reader's scope with their readiness figures and state
(coordination.readiness_rules), their requirements, and each person's own requirements.

The list's figures come from one annotated query, whatever the number of checklists."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    CharField,
    Count,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from vigil.coordination import readiness_rules as rules
from vigil.coordination.models import (
    Appointment,
    ChecklistItem,
    ReadinessChecklist,
    RequirementCategory,
    RequirementTemplate,
    TemplateItem,
)
from vigil.core.authz import Perm, get_visible, has_perm_anywhere, visible
from vigil.core.errors import NotFound
from vigil.core.selectors import narrowed, searched
from vigil.places.models import Country, DutyStation, SecurityArea

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

OPEN_STATES = sorted(rules.ITEM_OPEN_STATES)


def today() -> dt.date:
    return timezone.localdate()


# --- Templates --------------------------------------------------------------------------------

def may_read_templates(user: AnyUser) -> bool:
    return (has_perm_anywhere(user, Perm.VIEW_COORDINATION)
            or has_perm_anywhere(user, Perm.CONFIGURE_COORDINATION))


def template_list(*, user: AnyUser, search: str = "", operation_kind: str = "",
                  active: str = "") -> QuerySet[RequirementTemplate]:
    """Templates are configuration for the whole system: every reader of coordination reads
    them all."""
    if not may_read_templates(user):
        return RequirementTemplate.objects.none()
    qs = RequirementTemplate.objects.annotate(item_count=Count("items")).order_by(
        "operation_kind", "name", "pk")
    qs = searched(qs, search, "name__icontains", "description__icontains")
    active_value = {"yes": True, "no": False}.get(active)
    return narrowed(qs, operation_kind=operation_kind, active=active_value)


def template_get(*, user: AnyUser, pk: Any) -> RequirementTemplate:
    found = template_list(user=user).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def template_items(*, template: RequirementTemplate) -> QuerySet[TemplateItem]:
    return template.items.order_by("order", "pk")


def templates_to_open(*, kind: str = "") -> QuerySet[RequirementTemplate]:
    """The templates a new checklist may be opened from: those in use."""
    return narrowed(RequirementTemplate.objects.filter(active=True), operation_kind=kind)


# --- Checklists -------------------------------------------------------------------------------

def _percent(done: str, applicable: str) -> Case:
    """rules.percent in SQL: whole percent rounded half up, NULL with nothing applicable."""
    return Case(When(**{f"{applicable}__gt": 0}, then=ExpressionWrapper(
        (Value(200) * F(done) + F(applicable)) / (Value(2) * F(applicable)),
        output_field=IntegerField())), default=None, output_field=IntegerField())


def _annotated(qs: QuerySet[ReadinessChecklist], on: dt.date) -> QuerySet[ReadinessChecklist]:
    """Each checklist's figures (rules.Counts) and state (rules.state), computed by the
    database with the same definitions and thresholds, so that a list can sort, filter and
    page on them."""
    applicable = ~Q(items__status=rules.NOT_APPLICABLE)
    done = Q(items__status=rules.DONE)
    mandatory = Q(items__mandatory=True)
    overdue = Q(items__status__in=OPEN_STATES, items__due_on__lt=on)
    qs = qs.annotate(
        n_total=Count("items"),
        n_applicable=Count("items", filter=applicable),
        n_done=Count("items", filter=done),
        n_mandatory_applicable=Count("items", filter=mandatory & applicable),
        n_mandatory_done=Count("items", filter=mandatory & done),
        n_overdue=Count("items", filter=overdue),
        n_mandatory_overdue=Count("items", filter=mandatory & overdue),
        oldest_mandatory_due=Min("items__due_on", filter=mandatory & overdue),
        n_mandatory_open_by_start=Count("items", filter=mandatory & Q(
            items__status__in=OPEN_STATES, items__due_on__lte=F("starts_on"))),
    )
    late = Q(oldest_mandatory_due__lt=on - dt.timedelta(days=rules.LATE_AFTER_DAYS)) | Q(
        starts_on__lt=on, n_mandatory_open_by_start__gt=0)
    risk = Q(n_mandatory_overdue__gt=0) | Q(n_overdue__gte=rules.AT_RISK_OVERDUE_ITEMS)
    return qs.annotate(
        pct=_percent("n_done", "n_applicable"),
        mandatory_pct=_percent("n_mandatory_done", "n_mandatory_applicable"),
        state_key=Case(When(~Q(status__in=sorted(rules.LIVE_STATES)), then=Value("")),
                       When(late, then=Value(rules.LATE)),
                       When(risk, then=Value(rules.AT_RISK)),
                       default=Value(rules.READY), output_field=CharField()))


def counts(checklist: ReadinessChecklist) -> rules.Counts:
    """The figures of an annotated checklist (from ``checklist_list``)."""
    c: Any = checklist
    return rules.Counts(total=c.n_total, applicable=c.n_applicable, done=c.n_done,
                        mandatory_applicable=c.n_mandatory_applicable,
                        mandatory_done=c.n_mandatory_done, overdue=c.n_overdue,
                        mandatory_overdue=c.n_mandatory_overdue,
                        oldest_mandatory_due=c.oldest_mandatory_due,
                        mandatory_open_by_start=c.n_mandatory_open_by_start)


def with_figures(checklist: ReadinessChecklist, on: dt.date | None = None) -> Any:
    """The checklist with ``figures`` (rules.Counts) and ``state`` set, for pages and the
    API."""
    c: Any = checklist
    on = on or today()
    if not hasattr(c, "figures"):
        c.figures = counts(checklist) if hasattr(c, "n_total") else rules.counts_of(
            item_facts(checklist), starts_on=checklist.starts_on, today=on)
        c.state = rules.state(c.figures, status=checklist.status,
                              starts_on=checklist.starts_on, today=on)
    return c


def item_facts(checklist: ReadinessChecklist) -> list[rules.Item]:
    return [rules.Item(category=i.category, mandatory=i.mandatory, status=i.status,
                       due_on=i.due_on, text=i.text)
            for i in checklist.items.all()]


def checklists_seen(user: AnyUser) -> QuerySet[ReadinessChecklist]:
    return visible(user, Perm.VIEW_COORDINATION, ReadinessChecklist.objects.all())


def checklist_list(*, user: AnyUser, search: str = "", operation_kind: str = "",
                   status: str = "", country: Any = None, state: str = "",
                   on: dt.date | None = None) -> QuerySet[ReadinessChecklist]:
    """Checklists in the user's scope, each annotated with its figures. ``state`` narrows to
    ready, at risk or late, by the same thresholds as rules.state, in the database."""
    on = on or today()
    qs = _annotated(checklists_seen(user).select_related(
        "country", "security_area", "duty_station", "template", "lead"), on).order_by(
        "starts_on", "pk")
    qs = searched(qs, search, "name__icontains", "notes__icontains")
    qs = narrowed(qs, operation_kind=operation_kind, status=status,
                  country__iso2=(country or "").upper() or None)
    if state in rules.STATE_LABELS:
        qs = qs.filter(**{"state_key": state})
    return qs


def checklist_get(*, user: AnyUser, pk: Any) -> ReadinessChecklist:
    return get_visible(user, Perm.VIEW_COORDINATION, ReadinessChecklist.objects.select_related(
        "country", "security_area", "duty_station", "template", "lead"), pk=pk)


def checklist_items(*, checklist: ReadinessChecklist) -> QuerySet[ChecklistItem]:
    return checklist.items.select_related("owner").order_by("due_on", "pk")


def grouped_items(checklist: ReadinessChecklist, on: dt.date | None = None
                  ) -> list[dict[str, Any]]:
    """The checklist's requirements by category, in the categories' order, each category with
    its readiness; each requirement flagged when overdue."""
    on = on or today()
    items = list(checklist_items(checklist=checklist))
    labels = dict(RequirementCategory.choices)
    groups = []
    for category in rules.CATEGORIES:
        rows = [i for i in items if i.category == category]
        if not rows:
            continue
        for row in rows:
            row.overdue = rules.is_overdue(row.status, row.due_on, on)  # type: ignore[attr-defined]
        figure = rules.readiness(rules.Item(category=r.category, mandatory=r.mandatory,
                                            status=r.status, due_on=r.due_on) for r in rows)
        groups.append({"category": category, "label": labels[category], "items": rows,
                       "readiness": figure})
    return groups


def upcoming(*, user: AnyUser, within_days: int = 60, on: dt.date | None = None
             ) -> list[Any]:
    """Checklists in scope still worked on that start within ``within_days`` (or should have
    started already and are still being prepared), the soonest first, with their figures."""
    on = on or today()
    qs = checklist_list(user=user, on=on).filter(
        status__in=sorted(rules.LIVE_STATES),
        starts_on__lte=on + dt.timedelta(days=within_days)).filter(
        Q(starts_on__gte=on) | Q(status="preparing")).order_by("starts_on", "pk")
    return [with_figures(c, on) for c in qs[:10]]


# --- Requirements -----------------------------------------------------------------------------

def items_seen(user: AnyUser) -> QuerySet[ChecklistItem]:
    """Requirements of the checklists in the user's scope, and those the user owns."""
    base = ChecklistItem.objects.all()
    return visible(user, Perm.VIEW_COORDINATION, base) | base.filter(owner_id=user.pk)


def item_list(*, user: AnyUser, checklist: Any = None, status: str = "", owner: Any = None,
              overdue: bool = False, on: dt.date | None = None) -> QuerySet[ChecklistItem]:
    qs = items_seen(user).select_related("checklist", "checklist__country", "owner")
    if overdue:
        qs = qs.filter(status__in=OPEN_STATES, due_on__lt=on or today())
    return narrowed(qs, checklist_id=checklist or None, status=status, owner_id=owner or None)


def item_get(*, user: AnyUser, pk: Any) -> ChecklistItem:
    found = item_list(user=user).filter(pk=pk).first()
    if found is None:
        raise NotFound()
    return found


def my_items(*, user: AnyUser, include_finished: bool = False) -> QuerySet[ChecklistItem]:
    """The requirements the user owns on checklists still worked on: what they must do, the
    earliest due first."""
    qs = ChecklistItem.objects.filter(owner_id=user.pk, checklist__status__in=sorted(
        rules.LIVE_STATES)).select_related("checklist", "checklist__country",
                                           "checklist__duty_station")
    if not include_finished:
        qs = qs.filter(status__in=OPEN_STATES)
    return qs.order_by("due_on", "pk")


# --- Owners -----------------------------------------------------------------------------------

def holder_of(function: str, appointments: list[Appointment], *, security_area_id: int | None,
              duty_station_id: int | None) -> Any:
    """The user who holds ``function`` for the place, the most precise appointment first: the
    duty station's, then the area's, then the country's; None when nobody holds it."""
    def rank(a: Appointment) -> int | None:
        if a.duty_station_id is not None:
            return 0 if a.duty_station_id == duty_station_id else None
        if a.security_area_id is not None:
            return 1 if a.security_area_id == security_area_id else None
        return 2

    ranked = [(rank(a), a) for a in appointments if a.function == function and a.user.is_active]
    found = sorted(((r, a.starts_on, a.pk, a) for r, a in ranked if r is not None),
                   key=lambda row: row[:3])
    return found[0][3].user if found else None


def active_users() -> QuerySet[Any]:
    """Who may own a requirement or lead a checklist: any active account."""
    return get_user_model().objects.filter(is_active=True).order_by("username")


# --- Places a manager may open a checklist in -------------------------------------------------

def countries_managed(*, user: AnyUser) -> QuerySet[Country]:
    """The countries where the user may manage readiness somewhere: their country, or the
    country of an area or duty station they hold the right over."""
    perm = Perm.MANAGE_READINESS
    return Country.objects.filter(
        Q(pk__in=visible(user, perm, Country.objects.all()).values("pk"))
        | Q(pk__in=visible(user, perm, SecurityArea.objects.all()).values("country_id"))
        | Q(pk__in=visible(user, perm, DutyStation.objects.all()).values("country_id"))
    ).order_by("name")


def areas_managed(*, user: AnyUser) -> QuerySet[SecurityArea]:
    return visible(user, Perm.MANAGE_READINESS, SecurityArea.objects.select_related(
        "country")).order_by("country__name", "name")


def stations_managed(*, user: AnyUser) -> QuerySet[DutyStation]:
    return visible(user, Perm.MANAGE_READINESS, DutyStation.objects.filter(
        is_active=True).select_related("country")).order_by("country__name", "name")

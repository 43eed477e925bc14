"""Writes of mission readiness. Each in one transaction, checked against the actor's rights
and scope, audited, and made against the version the actor read.

Who does what: a global holder of the right to configure coordination keeps the requirement
templates (create, edit, copy, take out of use or back, and their requirements: add, edit,
reorder, remove). A holder of the right to manage readiness in a place opens a checklist for a
new mission or operation there from a template in use, edits it (moving its start moves the
due dates of the requirements not yet done), adds requirements of its own, assigns owners,
and starts, closes or cancels it. The owner of a requirement updates its status and evidence
without that right; so does a manager."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from vigil.coordination import accountability_selectors
from vigil.coordination import readiness_rules as rules
from vigil.coordination import readiness_selectors as selectors
from vigil.coordination.models import (
    ChecklistItem,
    ReadinessChecklist,
    RequirementTemplate,
    TemplateItem,
)
from vigil.core import audit
from vigil.core.authz import Perm, account, can, holds_globally, require
from vigil.core.errors import ErrorCode, FieldError, Forbidden, TransitionRefused, ValidationFailed
from vigil.core.services import record_save
from vigil.core.validation import assign, check_version, save_new_version, validate

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

TEMPLATE_FIELDS = {"name", "operation_kind", "description"}
TEMPLATE_ITEM_FIELDS = {"category", "text", "guidance", "owner_function", "due_offset_days",
                        "mandatory"}
OPEN_FIELDS = {"name", "operation_kind", "country", "security_area", "duty_station",
               "template", "starts_on", "lead", "notes"}
EDIT_FIELDS = {"name", "operation_kind", "security_area", "duty_station", "starts_on", "lead",
               "notes"}
ITEM_FIELDS = {"category", "text", "mandatory", "owner", "due_on"}
STATUS_FIELDS = {"status", "done_on", "evidence"}



def _configurer(actor: AnyUser) -> None:
    """Templates are configuration for the whole system: a global right only."""
    if not holds_globally(actor, Perm.CONFIGURE_COORDINATION):
        raise Forbidden()


def _refused_move(action: str, status: str) -> str:
    label = dict(ReadinessChecklist._meta.get_field("status").flatchoices).get(status, status)
    messages = {
        "start": _("Only a checklist being prepared can be started. Its status: %(status)s."),
        "close": _("Only a started checklist can be closed. Its status: %(status)s."),
        "cancel": _("A closed or cancelled checklist cannot be cancelled. Its status: "
                    "%(status)s."),
    }
    return messages[action] % {"status": label}


# --- Templates --------------------------------------------------------------------------------

@transaction.atomic
def template_create(*, actor: AnyUser, data: dict[str, Any]) -> RequirementTemplate:
    _configurer(actor)
    return record_save(actor=actor, obj=RequirementTemplate(), perm=Perm.CONFIGURE_COORDINATION,
                       data=data, allowed=TEMPLATE_FIELDS,
                       action="coordination.readiness_template")


@transaction.atomic
def template_update(*, actor: AnyUser, template: RequirementTemplate, data: dict[str, Any],
                    version: int | None) -> RequirementTemplate:
    _configurer(actor)
    return record_save(actor=actor, obj=template, perm=Perm.CONFIGURE_COORDINATION, data=data,
                       allowed=TEMPLATE_FIELDS, action="coordination.readiness_template",
                       version=version)


@transaction.atomic
def template_copy(*, actor: AnyUser, template: RequirementTemplate,
                  name: str = "") -> RequirementTemplate:
    """A new template with the same requirements, in use, to adapt without touching the
    original (checklists already opened keep their own copies anyway)."""
    _configurer(actor)
    name = name.strip() or _("Copy of %(name)s") % {"name": template.name}
    copy = RequirementTemplate(name=name[:200], operation_kind=template.operation_kind,
                               description=template.description)
    validate(copy)
    copy.save()
    items = [TemplateItem(template=copy, category=i.category, text=i.text, guidance=i.guidance,
                          owner_function=i.owner_function, due_offset_days=i.due_offset_days,
                          mandatory=i.mandatory, order=n)
             for n, i in enumerate(selectors.template_items(template=template), start=1)]
    TemplateItem.objects.bulk_create(items)
    audit.record(actor=actor, action="coordination.readiness_template.copy", obj=copy,
                 changes={"from": template.pk, "name": [None, copy.name],
                          "items": [None, len(items)]})
    return copy


@transaction.atomic
def template_set_active(*, actor: AnyUser, template: RequirementTemplate, active: bool,
                        version: int | None) -> RequirementTemplate:
    """Take a template out of use (no new checklist is opened from it; those opened keep
    their requirements), or put it back."""
    _configurer(actor)
    check_version(template, version)
    if template.active == active:
        return template
    template.active = active
    save_new_version(template, ["active"])
    audit.record(actor=actor, action="coordination.readiness_template."
                 + ("activate" if active else "deactivate"), obj=template,
                 changes={"active": [not active, active]})
    return template


def _template_item_problems(item: TemplateItem) -> list[FieldError]:
    if not item.text.strip():
        return [FieldError("text", _("Say what is required."), code=ErrorCode.REQUIRED)]
    return []


def _touch(template: RequirementTemplate, version: int | None) -> None:
    """A change to a template's requirements is a change to the template: one version."""
    check_version(template, version)
    save_new_version(template, [])


@transaction.atomic
def template_item_add(*, actor: AnyUser, template: RequirementTemplate, data: dict[str, Any],
                      version: int | None) -> TemplateItem:
    _configurer(actor)
    last = template.items.aggregate(n=Max("order"))["n"] or 0
    item = TemplateItem(template=template, order=last + 1)
    assign(item, data, TEMPLATE_ITEM_FIELDS)
    validate(item, extra=_template_item_problems(item))
    _touch(template, version)
    item.save()
    audit.record(actor=actor, action="coordination.readiness_template.item_add", obj=template,
                 changes={"item": item.pk, **audit.diff({}, audit.snapshot(
                     item, TEMPLATE_ITEM_FIELDS | {"order"}))})
    return item


@transaction.atomic
def template_item_update(*, actor: AnyUser, template: RequirementTemplate, item: TemplateItem,
                         data: dict[str, Any], version: int | None) -> TemplateItem:
    _configurer(actor)
    if item.template_id != template.pk:
        raise ValidationFailed([FieldError("item", _("Not a requirement of this template."))])
    before = audit.snapshot(item, TEMPLATE_ITEM_FIELDS)
    assign(item, data, TEMPLATE_ITEM_FIELDS)
    validate(item, extra=_template_item_problems(item))
    _touch(template, version)
    item.save()
    audit.record(actor=actor, action="coordination.readiness_template.item_update",
                 obj=template, changes={"item": item.pk, **audit.diff(
                     before, audit.snapshot(item, TEMPLATE_ITEM_FIELDS))})
    return item


@transaction.atomic
def template_item_remove(*, actor: AnyUser, template: RequirementTemplate, item: TemplateItem,
                         version: int | None) -> None:
    """Remove a requirement from the template. Checklists opened from it keep their copy."""
    _configurer(actor)
    if item.template_id != template.pk:
        raise ValidationFailed([FieldError("item", _("Not a requirement of this template."))])
    _touch(template, version)
    audit.record(actor=actor, action="coordination.readiness_template.item_remove",
                 obj=template, changes={"item": item.pk, "text": [item.text, None]})
    item.delete()
    _renumber(list(selectors.template_items(template=template)))


def _renumber(items: list[TemplateItem]) -> None:
    for n, row in enumerate(items, start=1):
        row.order = n
    TemplateItem.objects.bulk_update(items, ["order"])


@transaction.atomic
def template_item_move(*, actor: AnyUser, template: RequirementTemplate, item: TemplateItem,
                       direction: str, version: int | None) -> TemplateItem:
    """Move a requirement one place up or down in the template's order."""
    _configurer(actor)
    if direction not in {"up", "down"}:
        raise ValidationFailed([FieldError("direction", _("Move up or down."))])
    if item.template_id != template.pk:
        raise ValidationFailed([FieldError("item", _("Not a requirement of this template."))])
    _touch(template, version)
    items = list(selectors.template_items(template=template))
    at = next(n for n, row in enumerate(items) if row.pk == item.pk)
    to = at - 1 if direction == "up" else at + 1
    if 0 <= to < len(items):
        items[at], items[to] = items[to], items[at]
    _renumber(items)
    audit.record(actor=actor, action="coordination.readiness_template.item_move",
                 obj=template, changes={"item": item.pk, "order": [at + 1, to + 1
                                                                  if 0 <= to < len(items)
                                                                  else at + 1]})
    item.refresh_from_db()
    return item


# --- Checklists -------------------------------------------------------------------------------

def _place_problems(checklist: ReadinessChecklist) -> list[FieldError]:
    errors = []
    area = checklist.security_area if checklist.security_area_id else None
    station = checklist.duty_station if checklist.duty_station_id else None
    if area is not None and checklist.country_id and area.country_id != checklist.country_id:
        errors.append(FieldError("security_area", _("%(area)s is not in %(country)s.") % {
            "area": area, "country": checklist.country}))
    if station is not None and checklist.country_id and \
            station.country_id != checklist.country_id:
        errors.append(FieldError("duty_station", _("%(station)s is not in %(country)s.") % {
            "station": station, "country": checklist.country}))
    elif station is not None and area is not None and station.security_area_id != area.pk:
        errors.append(FieldError("duty_station", _("%(station)s is not in %(area)s.") % {
            "station": station, "area": area}))
    if checklist.lead_id is not None and not checklist.lead.is_active:
        errors.append(FieldError("lead", _("The lead's account is not active.")))
    return errors


def _open_problems(checklist: ReadinessChecklist) -> list[FieldError]:
    errors = _place_problems(checklist)
    template = checklist.template if checklist.template_id else None
    if template is not None and not template.active:
        errors.append(FieldError("template", _("This template is not in use.")))
    return errors


def _copy_items(checklist: ReadinessChecklist) -> dict[str, Any]:
    """The template's requirements, each due its offset from the start, owned by a current
    holder of its usual function in the place, or else by the lead."""
    appointments = accountability_selectors.holders(country_id=checklist.country_id,
                                                  on=selectors.today())
    rows = []
    for item in selectors.template_items(template=checklist.template):
        owner = selectors.holder_of(item.owner_function, appointments,
                                    security_area_id=checklist.security_area_id,
                                    duty_station_id=checklist.duty_station_id) \
            if item.owner_function else None
        rows.append(ChecklistItem(checklist=checklist, template_item=item,
                                  category=item.category, text=item.text,
                                  mandatory=item.mandatory, owner=owner or checklist.lead,
                                  due_on=rules.due_date(checklist.starts_on,
                                                        item.due_offset_days)))
    ChecklistItem.objects.bulk_create(rows)
    return {"items": [None, len(rows)]}


@transaction.atomic
def checklist_open(*, actor: AnyUser, data: dict[str, Any]) -> ReadinessChecklist:
    """Open the checklist of a new mission or operation from a template in use. Its kind is
    the template's unless given; its lead is the actor unless another is named."""
    data = dict(data)
    template = data.get("template")
    if not data.get("operation_kind") and isinstance(template, RequirementTemplate):
        data["operation_kind"] = template.operation_kind
    if data.get("lead") is None:
        data["lead"] = account(actor)
    return record_save(actor=actor, obj=ReadinessChecklist(), perm=Perm.MANAGE_READINESS,
                       data=data, allowed=OPEN_FIELDS,
                       action="coordination.readiness_checklist", check=_open_problems,
                       then=_copy_items)


def _live(checklist: ReadinessChecklist) -> None:
    if checklist.status not in rules.LIVE_STATES:
        raise TransitionRefused(_("This checklist is %(status)s: it is no longer worked on.")
                                % {"status": checklist.get_status_display()})


@transaction.atomic
def checklist_update(*, actor: AnyUser, checklist: ReadinessChecklist, data: dict[str, Any],
                     version: int | None) -> ReadinessChecklist:
    """Edit a checklist still worked on. Moving the start moves the due date of every
    requirement not yet done or set aside by as many days."""
    require(actor, Perm.MANAGE_READINESS, checklist)
    _live(checklist)
    data = dict(data)
    if "lead" in data and data["lead"] is None:
        data.pop("lead")
    old_start = checklist.starts_on

    def move_dates(saved: ReadinessChecklist) -> dict[str, Any]:
        shift = (saved.starts_on - old_start).days
        if not shift:
            return {}
        rows = list(saved.items.filter(status__in=selectors.OPEN_STATES))
        for row in rows:
            row.due_on += dt.timedelta(days=shift)
            row.version += 1
        ChecklistItem.objects.bulk_update(rows, ["due_on", "version"])
        return {"due_dates_moved": [None, {"days": shift, "items": len(rows)}]}

    return record_save(actor=actor, obj=checklist, perm=Perm.MANAGE_READINESS, data=data,
                       allowed=EDIT_FIELDS, action="coordination.readiness_checklist",
                       version=version, check=_place_problems, then=move_dates)


def may_move(user: AnyUser, checklist: ReadinessChecklist, action: str) -> bool:
    return rules.next_state(rules.CHECKLIST_TRANSITIONS, action, checklist.status) is not None \
        and can(user, Perm.MANAGE_READINESS, checklist)


@transaction.atomic
def checklist_transition(*, actor: AnyUser, checklist: ReadinessChecklist, action: str,
                         version: int | None) -> ReadinessChecklist:
    """Start, close or cancel. Closing needs every mandatory requirement done or not
    applicable; the refusal names those that are not."""
    if action not in rules.CHECKLIST_TRANSITIONS:
        raise ValidationFailed([FieldError("action", _("Not a step of a checklist's "
                                                       "workflow."))])
    require(actor, Perm.MANAGE_READINESS, checklist)
    check_version(checklist, version)
    target = rules.next_state(rules.CHECKLIST_TRANSITIONS, action, checklist.status)
    if target is None:
        raise TransitionRefused(_refused_move(action, checklist.status))
    if action == "close":
        blockers = rules.close_blockers(selectors.item_facts(checklist))
        if blockers:
            raise TransitionRefused(_(
                "A checklist closes once every mandatory requirement is done or not "
                "applicable. Still open: %(items)s.") % {"items": "; ".join(blockers)})
    before = checklist.status
    checklist.status = target
    save_new_version(checklist, ["status"])
    audit.record(actor=actor, action=f"coordination.readiness_checklist.{action}",
                 obj=checklist, changes={"status": [before, target]})
    return checklist


# --- Requirements -----------------------------------------------------------------------------

def _item_problems(item: ChecklistItem) -> list[FieldError]:
    errors = [FieldError(field, message) for field, message in rules.item_problems(
        status=item.status, done_on=item.done_on, evidence=item.evidence,
        mandatory=item.mandatory, today=selectors.today())]
    if not item.text.strip():
        errors.append(FieldError("text", _("Say what is required."), code=ErrorCode.REQUIRED))
    if item.owner is not None and not item.owner.is_active:
        errors.append(FieldError("owner", _("The owner's account is not active.")))
    return errors


@transaction.atomic
def checklist_item_add(*, actor: AnyUser, checklist: ReadinessChecklist,
                       data: dict[str, Any]) -> ChecklistItem:
    """A requirement of this mission's own, beyond its template's. Its owner is the lead
    unless another is named."""
    require(actor, Perm.MANAGE_READINESS, checklist)
    _live(checklist)
    data = dict(data)
    if data.get("owner") is None:
        data["owner"] = checklist.lead
    return record_save(actor=actor, obj=ChecklistItem(checklist=checklist),
                       perm=Perm.MANAGE_READINESS, data=data, allowed=ITEM_FIELDS,
                       action="coordination.readiness_item", check=_item_problems)


def may_update_status(user: AnyUser, item: ChecklistItem) -> bool:
    """The owner of a requirement, or a manager of readiness in its place."""
    return (item.owner_id is not None and item.owner_id == user.pk) or \
        can(user, Perm.MANAGE_READINESS, item)


@transaction.atomic
def checklist_item_update(*, actor: AnyUser, item: ChecklistItem, data: dict[str, Any],
                          version: int | None) -> ChecklistItem:
    """Update a requirement. Its status, done date and evidence: its owner or a manager. What
    is required, by whom and by when: a manager. "Done" without a date keeps the day it was
    done, or is today; any other status has no done date."""
    unknown = sorted(set(data) - ITEM_FIELDS - STATUS_FIELDS)
    if unknown:
        raise ValidationFailed([FieldError(k, _("This field cannot be set here."))
                                for k in unknown])
    if set(data) & ITEM_FIELDS:
        require(actor, Perm.MANAGE_READINESS, item)
    elif not may_update_status(actor, item):
        raise Forbidden()
    _live(item.checklist)
    check_version(item, version)
    data = dict(data)
    status = data.get("status", item.status)
    if status == rules.DONE and data.get("done_on") is None:
        kept = item.done_on if item.status == rules.DONE else None
        data["done_on"] = kept or selectors.today()
    if status != rules.DONE:
        data["done_on"] = None
    if "owner" in data and data["owner"] is None:
        raise ValidationFailed([FieldError("owner", _("Name the owner."),
                                           code=ErrorCode.REQUIRED)])
    before = audit.snapshot(item)
    assign(item, data, ITEM_FIELDS | STATUS_FIELDS)
    validate(item, extra=_item_problems(item))
    save_new_version(item, sorted(set(data)))
    audit.record(actor=actor, action="coordination.readiness_item.update", obj=item,
                 changes=audit.diff(before, audit.snapshot(item)))
    return item


"""Minimum operating security standards: a country's MOSS derived from its SRA in force (or
H-MOSS for a headquarters duty station), seeded with the standard items, edited as a draft and
approved by DRO; and compliance assessments of duty stations, premises and residences against
approved MOSS."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.authz import Perm, account, can, require
from vigil.core.errors import (
    ErrorCode,
    FieldError,
    Forbidden,
    ValidationFailed,
)
from vigil.core.validation import save_new_version, validate
from vigil.risk import rules
from vigil.risk.models import (
    ComplianceAssessment,
    ComplianceResult,
    MossDocument,
    MossItem,
    SecurityRiskAssessment,
)
from vigil.risk.services.common import remove_row, require_draft, save_row

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

MOSS_ITEM_FIELDS = {"category", "standard", "requirement", "remarks", "applies_to"}
STANDARD_ITEMS = Path(__file__).parent.parent / "data" / "moss_standard.json"


def standard_moss_items() -> list[dict[str, str]]:
    rows = json.loads(STANDARD_ITEMS.read_text(encoding="utf-8"))["items"]
    return [{"category": c, "standard": s, "requirement": r, "applies_to": a}
            for c, s, r, a in rows]


@transaction.atomic
def moss_document_create(*, actor: AnyUser, country: Any, title: str,
                         kind: str = MossDocument.Kind.COUNTRY,
                         sra: SecurityRiskAssessment | None = None,
                         duty_station: Any = None) -> MossDocument:
    """Start a MOSS document, seeded with the standard items. A country MOSS derives from an
    SRA of that country that the DO has approved; H-MOSS covers the premises of one
    headquarters duty station."""
    if duty_station is not None:
        country = duty_station.country
    document = MossDocument(country=country, kind=kind, sra=sra, title=title.strip(),
                            duty_station=duty_station)
    require(actor, Perm.EDIT_MOSS, document)
    errors = []
    if kind == MossDocument.Kind.COUNTRY and duty_station is not None:
        errors.append(FieldError(field="duty_station", message=_(
            "A country MOSS covers the whole country; only H-MOSS names a duty station.")))
    if kind == MossDocument.Kind.HQ and (duty_station is None
                                         or duty_station.kind != "hq"):
        errors.append(FieldError(field="duty_station", code=ErrorCode.REQUIRED, message=_(
            "H-MOSS belongs to a headquarters duty station: choose it.")))
    if kind == MossDocument.Kind.COUNTRY:
        if sra is None:
            errors.append(FieldError(field="sra", code=ErrorCode.REQUIRED, message=_(
                "A country MOSS derives from the SRA in force: choose it.")))
        elif sra.country_id != document.country_id:
            errors.append(FieldError(field="sra", message=_(
                "This SRA assesses another country.")))
        elif sra.status not in rules.APPROVED_STATES:
            errors.append(FieldError(field="sra", message=_(
                "Derive MOSS from an SRA the designated official has approved.")))
    validate(document, extra=errors)
    document.save()
    items = [i for i in standard_moss_items()
             if kind == MossDocument.Kind.COUNTRY or i["applies_to"] in {"all", "premises"}]
    MossItem.objects.bulk_create([MossItem(document=document, position=n, **item)
                                  for n, item in enumerate(items, start=1)])
    audit.record(actor=actor, action="risk.moss.create", obj=document,
                 changes={**audit.diff({}, audit.snapshot(document)), "items": len(items)})
    return document


def _moss_editable(actor: AnyUser, document: MossDocument, version: int | None) -> None:
    require_draft(actor, Perm.EDIT_MOSS, document, version, _(
        "An approved MOSS document does not change; start a new one from the SRA in force."))


@transaction.atomic
def moss_item_save(*, actor: AnyUser, document: MossDocument, data: dict[str, Any],
                   version: int | None, item: MossItem | None = None) -> MossItem:
    _moss_editable(actor, document, version)
    row = save_row(actor=actor, parent=document, link="document", fields=MOSS_ITEM_FIELDS,
                   data=data, action="risk.moss.item_save", key="item",
                   row=item or MossItem(document=document,
                                        position=document.items.count() + 1))
    save_new_version(document, ["title"])
    return row


@transaction.atomic
def moss_item_remove(*, actor: AnyUser, document: MossDocument, item: MossItem,
                     version: int | None) -> MossDocument:
    _moss_editable(actor, document, version)
    remove_row(actor=actor, parent=document, row=item, link="document",
               fields=MOSS_ITEM_FIELDS, action="risk.moss.item_remove", key="item")
    save_new_version(document, ["title"])
    return document


@transaction.atomic
def moss_document_approve(*, actor: AnyUser, document: MossDocument,
                          version: int | None) -> MossDocument:
    """DSS approval, given by the DRO desk."""
    require_draft(actor, Perm.APPROVE_MOSS, document, version,
                  _("This MOSS document is approved already."))
    if not document.items.exists():
        raise ValidationFailed([FieldError(field="items", message=_(
            "A MOSS document without items cannot be approved."))])
    before = audit.snapshot(document)
    document.status = MossDocument.Status.APPROVED
    document.approved_by, document.approved_at = account(actor), timezone.now()
    save_new_version(document, ["status", "approved_by", "approved_at"])
    audit.record(actor=actor, action="risk.moss.approve", obj=document,
                 changes=audit.diff(before, audit.snapshot(document)))
    return document


@transaction.atomic
def compliance_assessment_start(*, actor: AnyUser, document: MossDocument, duty_station: Any,
                                premises: Any = None, residence_of: Any = None,
                                assessed_on: dt.date | None = None) -> ComplianceAssessment:
    """Open an assessment of one duty station, premises or residence against approved MOSS,
    with one result to rate for every item that applies there."""
    if premises is not None:
        duty_station = premises.duty_station
    if residence_of is not None:
        duty_station = residence_of.duty_station
    assessment = ComplianceAssessment(document=document, duty_station=duty_station,
                                      premises=premises, residence_of=residence_of,
                                      assessed_on=assessed_on or timezone.localdate(),
                                      assessor_id=cast(int, actor.pk))
    require(actor, Perm.ASSESS_MOSS, assessment)
    if residence_of is not None and not can(actor, Perm.VIEW_PERSONAL_DATA, residence_of):
        raise Forbidden(_("A residence is personal data: you may not assess this one."))
    errors = []
    if document.status != MossDocument.Status.APPROVED:
        errors.append(FieldError(field="document", message=_(
            "Assess against approved MOSS only.")))
    if duty_station is not None and duty_station.country_id != document.country_id:
        errors.append(FieldError(field="duty_station", message=_(
            "This place is in another country than the MOSS document.")))
    if premises is not None and residence_of is not None:
        errors.append(FieldError(field="premises", message=_(
            "Assess a premises or a residence, not both at once.")))
    if errors:
        raise ValidationFailed(errors)
    validate(assessment)
    assessment.save()
    kind = assessment.target_kind
    items = [i for i in document.items.all() if rules.applies(i.applies_to, kind)]
    ComplianceResult.objects.bulk_create([ComplianceResult(assessment=assessment, item=i)
                                          for i in items])
    audit.record(actor=actor, action="risk.moss.assessment_start", obj=assessment,
                 changes={**audit.diff({}, audit.snapshot(assessment)), "items": len(items)})
    return assessment


@transaction.atomic
def compliance_assessment_record(*, actor: AnyUser, assessment: ComplianceAssessment,
                                 results: dict[int, dict[str, Any]], version: int | None,
                                 final: bool = False) -> ComplianceAssessment:
    """Record the state, evidence and corrective action of each item; make it final when
    every item is rated. Every fault is named by its item."""
    require_draft(actor, Perm.ASSESS_MOSS, assessment, version,
                  _("A final assessment does not change; start a new one."))
    rows = {r.item_id: r for r in assessment.results.select_related("item")}
    unknown = sorted(set(results) - set(rows))
    errors = [FieldError(field=f"item-{i}", message=_("Not an item of this assessment."))
              for i in unknown]
    for item_id, row in rows.items():
        given = results.get(item_id, {})
        for key in ("state", "evidence", "corrective_action", "action_owner", "action_due"):
            if key in given:
                setattr(row, key, given[key] if given[key] is not None else (
                    None if key == "action_due" else ""))
        errors += [FieldError(field=f"item-{item_id}-{field}", message=_(message))
                   for field, message in rules.result_problems(
                       row.state, row.corrective_action, row.action_owner, row.action_due,
                       final=final)]
    if errors:
        raise ValidationFailed(errors)
    before = audit.snapshot(assessment)
    ComplianceResult.objects.bulk_update(rows.values(), ["state", "evidence",
                                                         "corrective_action", "action_owner",
                                                         "action_due"])
    assessment.compliance = rules.compliance_percent(r.state for r in rows.values()
                                                     if r.state)
    if final:
        assessment.status = ComplianceAssessment.Status.FINAL
    save_new_version(assessment, ["compliance", "status"])
    audit.record(actor=actor, action="risk.moss.assessment_record", obj=assessment,
                 changes={**audit.diff(before, audit.snapshot(assessment)),
                          "results": {str(k): v for k, v in results.items()}})
    return assessment

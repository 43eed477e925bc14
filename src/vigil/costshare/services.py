"""Writes of cost-sharing: bienniums and their thresholds, censuses, apportionments. Each
checks the budget officer's permission, validates, writes and records one audit event."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.authz import Perm, account, require
from vigil.core.errors import ErrorCode, FieldError, TransitionRefused, ValidationFailed
from vigil.core.importing import ImportReport, RowError, read_rows, settle
from vigil.core.services import record_save
from vigil.core.validation import check_version, save_new_version
from vigil.costshare import rules, selectors
from vigil.costshare.models import (
    Apportionment,
    ApportionmentLine,
    Biennium,
    Census,
    CensusLine,
    ShareThreshold,
)
from vigil.places.models import Country

if TYPE_CHECKING:
    from datetime import date

    from vigil.core.authz import AnyUser

CENSUS_COLUMNS = ("organization", "country", "headcount")


def _locked(biennium: Biennium) -> bool:
    return Apportionment.objects.filter(biennium=biennium,
                                        status=Apportionment.Status.APPROVED).exists()


def _refuse_if_locked(biennium: Biennium) -> None:
    if _locked(biennium):
        raise TransitionRefused(_(
            "The apportionment of %(biennium)s is approved: its budget, thresholds and "
            "censuses are locked.") % {"biennium": biennium.label})


@transaction.atomic
def biennium_save(*, actor: AnyUser, biennium: Biennium | None, data: dict[str, Any],
                  version: int | None = None) -> Biennium:
    """Create a biennium or change its budget and note (not once its apportionment is
    approved)."""
    obj = biennium or Biennium()
    if obj.pk is not None:
        require(actor, Perm.MANAGE_COSTSHARE, obj)
        _refuse_if_locked(obj)
        if "start_year" in data and data["start_year"] != obj.start_year:
            raise ValidationFailed([FieldError("start_year", _(
                "A biennium's years do not change; create another biennium."))])

    def check(b: Biennium) -> list[FieldError]:
        return [FieldError("start_year", m) for m in rules.biennium_faults(int(b.start_year))]

    saved = record_save(actor=actor, obj=obj, perm=Perm.MANAGE_COSTSHARE, data=data,
                        allowed={"start_year", "budget", "note"}, action="costshare.biennium",
                        version=version, check=check)
    if biennium is None and not saved.thresholds.exists():
        ShareThreshold.objects.bulk_create(
            ShareThreshold(biennium=saved, below_percent=p, flat_amount=a)
            for p, a in rules.HISTORICAL_THRESHOLDS)
    return saved


def _decimal(raw: Any, field: str, errors: list[FieldError]) -> Decimal | None:
    try:
        return Decimal(str(raw).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        errors.append(FieldError(field, _("Enter a number."), code=ErrorCode.INVALID))
        return None


@transaction.atomic
def thresholds_set(*, actor: AnyUser, biennium: Biennium,
                   rows: list[tuple[Any, Any]]) -> list[ShareThreshold]:
    """Replace a biennium's threshold table with ``rows`` of (share below %, flat amount).
    An empty table apportions purely pro rata."""
    require(actor, Perm.MANAGE_COSTSHARE, biennium)
    _refuse_if_locked(biennium)
    errors: list[FieldError] = []
    table: list[rules.Threshold] = []
    for i, (percent, amount) in enumerate(rows):
        p = _decimal(percent, f"thresholds.{i}.below_percent", errors)
        a = _decimal(amount, f"thresholds.{i}.flat_amount", errors)
        if p is not None and a is not None:
            table.append(rules.Threshold(p, a))
    if not errors:
        errors = [FieldError(f"thresholds.{i}", m) for i, m in rules.threshold_faults(table)]
    if errors:
        raise ValidationFailed(errors)
    before = [[str(t.below_percent), str(t.flat_amount)] for t in selectors.thresholds_of(biennium)]
    ShareThreshold.objects.filter(biennium=biennium).delete()
    saved = ShareThreshold.objects.bulk_create(
        ShareThreshold(biennium=biennium, below_percent=t.below_percent,
                       flat_amount=t.flat_amount)
        for t in sorted(table, key=lambda t: t.below_percent))
    after = [[str(t.below_percent), str(t.flat_amount)] for t in saved]
    audit.record(actor=actor, action="costshare.thresholds.set", obj=biennium,
                 changes={"thresholds": [before, after]})
    return saved


@transaction.atomic
def census_take(*, actor: AnyUser, biennium: Biennium, note: str = "") -> Census:
    """A draft census from the people registry, dated today: field personnel by organization
    and country."""
    require(actor, Perm.MANAGE_COSTSHARE, biennium)
    _refuse_if_locked(biennium)
    census = Census.objects.create(biennium=biennium, census_date=timezone.localdate(),
                                   source=Census.Source.REGISTRY, note=note,
                                   taken_by=account(actor))
    rows = selectors.registry_field_headcounts()
    CensusLine.objects.bulk_create(
        CensusLine(census=census, organization_id=org, country_id=country, headcount=n)
        for org, country, n in rows)
    audit.record(actor=actor, action="costshare.census.take", obj=census,
                 changes={"lines": len(rows), "headcount": sum(n for _o, _c, n in rows)})
    return census


@transaction.atomic
def census_import(*, actor: AnyUser, biennium: Biennium, data: bytes | str,
                  census: Census | None = None, census_date: date | None = None,
                  skip_invalid: bool = False) -> tuple[Census, ImportReport]:
    """Lines of a census from CSV (organization code, country ISO alpha-2 or alpha-3,
    headcount), into a new draft census on ``census_date`` or into a draft imported census.
    Idempotent: a line already there is updated, so importing a file twice changes nothing.
    Every bad row is named; one bad row refuses the file unless ``skip_invalid``."""
    require(actor, Perm.MANAGE_COSTSHARE, biennium)
    _refuse_if_locked(biennium)
    if census is not None:
        if census.biennium_id != biennium.pk:
            raise ValidationFailed([FieldError("census", _(
                "This census belongs to another biennium."))])
        if census.status != Census.Status.DRAFT or census.source != Census.Source.IMPORT:
            raise TransitionRefused(_("Lines are imported only into a draft imported census."))
    elif census_date is None:
        raise ValidationFailed([FieldError("census_date", _("Give the census date."),
                                           code=ErrorCode.REQUIRED)])
    csv_rows = read_rows(data, required=CENSUS_COLUMNS, optional=())
    organizations = selectors.organizations_by_code()
    countries: dict[str, Country] = {}
    for c in Country.objects.all():
        countries[c.iso2.upper()] = c
        countries[c.iso3.upper()] = c
    report = ImportReport(rows=len(csv_rows.rows) + len(csv_rows.errors),
                          errors=list(csv_rows.errors))
    parsed: dict[tuple[int, int], tuple[int, int]] = {}  # (org, country) -> (row, headcount)
    for number, row in csv_rows.rows:
        try:
            key, headcount = _census_row(number, row, organizations, countries)
        except RowError as exc:
            report.errors.extend(exc.errors)
            continue
        if key in parsed:
            report.errors.append(FieldError("organization", _(
                "This organization and country are already in row %(row)d of this file.")
                % {"row": parsed[key][0]}, code=ErrorCode.DUPLICATE, row=number))
            continue
        parsed[key] = (number, headcount)
    report.errors.sort(key=lambda e: e.row or 0)
    settle(report, skip_invalid=skip_invalid)
    if census is None:
        assert census_date is not None  # checked above  # noqa: S101
        census = Census.objects.create(biennium=biennium, census_date=census_date,
                                       source=Census.Source.IMPORT, taken_by=account(actor))
    existing = {(x.organization_id, x.country_id): x for x in census.lines.all()}
    new, changed = [], []
    for (org, country), (_row, headcount) in parsed.items():
        line = existing.get((org, country))
        if line is None:
            new.append(CensusLine(census=census, organization_id=org, country_id=country,
                                  headcount=headcount))
        elif line.headcount != headcount:
            line.headcount = headcount
            changed.append(line)
    CensusLine.objects.bulk_create(new)
    CensusLine.objects.bulk_update(changed, ["headcount"])
    report.created, report.updated = len(new), len(changed)
    census.version += 1
    census.save(update_fields=["version", "updated_at"])
    audit.record(actor=actor, action="costshare.census.import", obj=census,
                 changes=report.as_dict())
    return census, report


def _census_row(number: int, row: dict[str, str], organizations: dict[str, Any],
                countries: dict[str, Country]) -> tuple[tuple[int, int], int]:
    errors: list[FieldError] = []
    code = row.get("organization", "").strip().upper()
    org = organizations.get(code)
    if org is None:
        errors.append(FieldError("organization", _("No organization has the code “%(code)s”.")
                                 % {"code": code}, code=ErrorCode.UNKNOWN_REFERENCE, row=number))
    iso = row.get("country", "").strip().upper()
    country = countries.get(iso)
    if country is None:
        errors.append(FieldError("country", _(
            "“%(value)s” is not an ISO 3166 country code (two or three letters).")
            % {"value": iso}, code=ErrorCode.UNKNOWN_REFERENCE, row=number))
    raw = row.get("headcount", "").strip()
    headcount = int(raw) if raw.isdigit() and len(raw) <= 7 else None
    if headcount is None:
        errors.append(FieldError("headcount", _("A headcount is a whole number, 0 or more."),
                                 row=number))
    if errors or org is None or country is None or headcount is None:
        raise RowError(errors)
    return (org.pk, country.pk), headcount


@transaction.atomic
def census_move(*, actor: AnyUser, census: Census, status: str,
                version: int | None = None) -> Census:
    """Make a census final (it can then be apportioned), or open a final one again. Opening
    a census again removes a draft apportionment computed from it; an approved one refuses."""
    require(actor, Perm.MANAGE_COSTSHARE, census)
    check_version(census, version)
    labels = dict(Census.Status.choices)
    if not rules.may_move(rules.CENSUS_MOVES, census.status, status):
        raise TransitionRefused(_("A census that is %(status)s cannot become %(target)s.") % {
            "status": labels.get(census.status, census.status),
            "target": labels.get(status, status)})
    changes: dict[str, Any] = {"status": [census.status, status]}
    if status == Census.Status.FINAL:
        if not census.lines.exists():
            raise ValidationFailed([FieldError("census", _(
                "A census without lines cannot be made final."))])
        census.finalized_at = timezone.now()
    else:
        _refuse_if_locked(census.biennium)
        removed = Apportionment.objects.filter(census=census).delete()[0]
        if removed:
            changes["apportionment_removed"] = True
        census.finalized_at = None
    census.status = status
    save_new_version(census, ["status", "finalized_at"])
    audit.record(actor=actor, action="costshare.census.move", obj=census, changes=changes)
    return census


@transaction.atomic
def census_delete(*, actor: AnyUser, census: Census) -> None:
    """Delete a draft census (a final one is opened again first)."""
    require(actor, Perm.MANAGE_COSTSHARE, census)
    if census.status != Census.Status.DRAFT:
        raise TransitionRefused(_("Only a draft census can be deleted."))
    audit.record(actor=actor, action="costshare.census.delete", obj=census,
                 changes={"census_date": [census.census_date.isoformat(), None]})
    census.delete()


@transaction.atomic
def apportionment_compute(*, actor: AnyUser, biennium: Biennium,
                          census: Census) -> Apportionment:
    """Apportion the biennium's budget from a final census of it, by the rule in rules.py;
    computing again replaces a draft apportionment. An approved one is locked."""
    require(actor, Perm.MANAGE_COSTSHARE, biennium)
    _refuse_if_locked(biennium)
    if census.biennium_id != biennium.pk:
        raise ValidationFailed([FieldError("census", _(
            "This census belongs to another biennium."))])
    if census.status != Census.Status.FINAL:
        raise ValidationFailed([FieldError("census", _(
            "Only a final census can be apportioned; make it final first."))])
    table = selectors.thresholds_of(biennium)
    headcounts = selectors.census_by_organization(census)
    try:
        shares = rules.apportion(headcounts, biennium.budget, table)
    except rules.ApportionmentRefused as exc:
        raise ValidationFailed([FieldError(exc.field, exc.message)]) from exc
    organizations = selectors.organizations_by_code()
    apportionment = Apportionment.objects.filter(biennium=biennium).first()
    before = None if apportionment is None else {
        "census": apportionment.census_id, "budget": str(apportionment.budget)}
    if apportionment is None:
        apportionment = Apportionment(biennium=biennium)
    else:
        apportionment.version += 1
    apportionment.census = census
    apportionment.budget = biennium.budget
    apportionment.thresholds = [[str(t.below_percent), str(t.flat_amount)] for t in table]
    apportionment.total_headcount = sum(headcounts.values())
    apportionment.computed_at = timezone.now()
    apportionment.computed_by = account(actor)
    apportionment.save()
    apportionment.lines.all().delete()
    ApportionmentLine.objects.bulk_create(
        ApportionmentLine(apportionment=apportionment,
                          organization=organizations[s.organization.upper()],
                          headcount=s.headcount, share_percent=s.share_percent,
                          basis=s.basis.value, threshold_percent=s.threshold_percent,
                          amount=s.amount) for s in shares)
    audit.record(actor=actor, action="costshare.apportionment.compute", obj=apportionment,
                 changes={"before": before, "census": census.pk, "budget": str(biennium.budget),
                          "organizations": len(shares)})
    return apportionment


@transaction.atomic
def apportionment_approve(*, actor: AnyUser, apportionment: Apportionment,
                          version: int | None = None) -> Apportionment:
    """Approve an apportionment: it, its census, the budget and thresholds are then locked."""
    require(actor, Perm.MANAGE_COSTSHARE, apportionment)
    check_version(apportionment, version)
    labels = dict(Apportionment.Status.choices)
    target = Apportionment.Status.APPROVED
    if not rules.may_move(rules.APPORTIONMENT_MOVES, apportionment.status, target):
        raise TransitionRefused(_("An apportionment that is %(status)s cannot be approved.")
                                % {"status": labels.get(apportionment.status)})
    table = [[str(t.below_percent), str(t.flat_amount)]
             for t in selectors.thresholds_of(apportionment.biennium)]
    if apportionment.budget != apportionment.biennium.budget or apportionment.thresholds != table:
        raise ValidationFailed([FieldError("budget", _(
            "The budget or the thresholds changed since the apportionment was computed; "
            "compute it again."))])
    apportionment.status = target
    apportionment.approved_at = timezone.now()
    apportionment.approved_by = account(actor)
    save_new_version(apportionment, ["status", "approved_at", "approved_by"])
    audit.record(actor=actor, action="costshare.apportionment.approve", obj=apportionment,
                 changes={"status": ["draft", "approved"]})
    return apportionment

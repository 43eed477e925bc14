"""Writes of programme performance: an indicator's baseline and target for a biennium, and its
settings. Only a programme manager holding SET_TARGETS for the whole system may write them,
since a target is the same for every slice. Each write is checked field by field, versioned
and audited in one transaction."""

from __future__ import annotations

import logging
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.authz import Perm, account_or_none, holds_globally
from vigil.core.errors import ErrorCode, FieldError, Forbidden, StaleVersion, ValidationFailed
from vigil.core.slices import Slice
from vigil.core.validation import check_version, save_new_version
from vigil.performance import figures, registry, rules
from vigil.performance.definitions import Indicator, Setting
from vigil.performance.models import IndicatorSetting, Target
from vigil.performance.rules import Unit
from vigil.performance.selectors import targets_and_settings

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

FIRST_BIENNIUM, LAST_BIENNIUM = 2000, 2100
LARGEST = Decimal("99999999999.9")


def _require_setter(actor: AnyUser) -> None:
    if not holds_globally(actor, Perm.SET_TARGETS):
        raise Forbidden(_("Only a programme manager responsible for the whole system may set "
                          "targets and settings."))


def _indicator(indicator_id: str, faults: list[FieldError]) -> Indicator | None:
    found = registry.get(str(indicator_id or ""))
    if found is None:
        faults.append(FieldError("indicator", _("No indicator has this id."),
                                 ErrorCode.UNKNOWN_REFERENCE))
    return found


def _biennium(value: Any, faults: list[FieldError]) -> int | None:
    try:
        start = int(value)
    except (TypeError, ValueError):
        faults.append(FieldError("biennium_start", _("Give the first year of the biennium."),
                                 ErrorCode.REQUIRED if value in (None, "") else ErrorCode.INVALID))
        return None
    if not FIRST_BIENNIUM <= start <= LAST_BIENNIUM:
        faults.append(FieldError("biennium_start", _("A biennium between 2000 and 2101."),
                                 ErrorCode.OUT_OF_RANGE))
        return None
    if start % 2:
        faults.append(FieldError("biennium_start", _(
            "A United Nations biennium starts in an even year (2026-2027, not 2027-2028)."),
            ErrorCode.INVALID))
        return None
    return start


def _figure(name: str, value: Any, unit: Unit | None,
            faults: list[FieldError]) -> Decimal | None:
    """A baseline or target: empty, or a number ≥ 0 (≤ 100 for a percentage), one decimal."""
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        faults.append(FieldError(name, _("Give a number."), ErrorCode.INVALID))
        return None
    if not number.is_finite():
        faults.append(FieldError(name, _("Give a number."), ErrorCode.INVALID))
        return None
    if number < 0:
        faults.append(FieldError(name, _("A figure cannot be below 0."), ErrorCode.OUT_OF_RANGE))
        return None
    if unit in (Unit.PERCENT, Unit.TIMELINESS) and number > 100:
        faults.append(FieldError(name, _("A percentage cannot be above 100."),
                                 ErrorCode.OUT_OF_RANGE))
        return None
    if number > LARGEST:
        faults.append(FieldError(name, _("This number is too large."), ErrorCode.OUT_OF_RANGE))
        return None
    if number != number.quantize(Decimal("0.1")):
        faults.append(FieldError(name, _("Give at most one decimal."), ErrorCode.INVALID))
        return None
    return number


@transaction.atomic
def target_set(*, actor: AnyUser, indicator_id: str, biennium_start: Any,
               baseline: Any = None, target: Any = None, note: str = "",
               version: int | None = None) -> Target:
    """Set (create or replace) the baseline and target of an indicator for one biennium.
    ``version`` is the one read when the target already exists."""
    _require_setter(actor)
    faults: list[FieldError] = []
    indicator = _indicator(indicator_id, faults)
    start = _biennium(biennium_start, faults)
    unit = indicator.unit if indicator is not None else None
    baseline_value = _figure("baseline", baseline, unit, faults)
    target_value = _figure("target", target, unit, faults)
    if faults:
        raise ValidationFailed(faults)
    assert indicator is not None  # noqa: S101 (narrowed by faults)
    assert start is not None  # noqa: S101
    note = (note or "").strip()
    existing = Target.objects.select_for_update().filter(
        indicator=indicator.id, biennium_start=start).first()
    if existing is None:
        if version not in (None, 0, 1):
            # A version sent for a row that is gone: someone cleared it in between.
            raise StaleVersion()
        row = Target.objects.create(indicator=indicator.id, biennium_start=start,
                                    baseline=baseline_value, target=target_value, note=note,
                                    set_by=account_or_none(actor))
        audit.record(actor=actor, action="performance.target.create", obj=row,
                     changes={"baseline": [None, baseline_value],
                              "target": [None, target_value], "note": [None, note]})
        return row
    check_version(existing, version)
    before = audit.snapshot(existing, ["baseline", "target", "note"])
    existing.baseline, existing.target, existing.note = baseline_value, target_value, note
    existing.set_by = account_or_none(actor)
    save_new_version(existing, ["baseline", "target", "note", "set_by"])
    audit.record(actor=actor, action="performance.target.update", obj=existing,
                 changes=audit.diff(before, audit.snapshot(existing,
                                                           ["baseline", "target", "note"])))
    return existing


@transaction.atomic
def target_clear(*, actor: AnyUser, target: Target, version: int | None = None) -> None:
    """Remove a biennium's baseline and target (the indicator then shows "no target")."""
    _require_setter(actor)
    check_version(target, version)
    audit.record(actor=actor, action="performance.target.clear", obj=target,
                 changes={"baseline": [target.baseline, None], "target": [target.target, None]})
    Target.objects.filter(pk=target.pk).delete()


def _setting(indicator: Indicator | None, key: str, faults: list[FieldError]) -> Setting | None:
    if indicator is None:
        return None
    for setting in indicator.settings:
        if setting.key == key:
            return setting
    faults.append(FieldError("key", _("This indicator has no such setting."),
                             ErrorCode.UNKNOWN_REFERENCE))
    return None


@transaction.atomic
def setting_set(*, actor: AnyUser, indicator_id: str, key: str, value: Any,
                version: int | None = None) -> IndicatorSetting:
    """Give an indicator's setting a value within the setting's minimum and maximum."""
    _require_setter(actor)
    faults: list[FieldError] = []
    indicator = _indicator(indicator_id, faults)
    setting = _setting(indicator, key, faults)
    number: Decimal | None = None
    if setting is not None:
        try:
            number = Decimal(str(value)) if value not in (None, "") else None
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            faults.append(FieldError("value", _("Give a number."),
                                     ErrorCode.REQUIRED if value in (None, "")
                                     else ErrorCode.INVALID))
        elif not Decimal(setting.minimum) <= number <= Decimal(setting.maximum):
            faults.append(FieldError("value", _("Give a value from %(low)s to %(high)s.") % {
                "low": setting.minimum, "high": setting.maximum}, ErrorCode.OUT_OF_RANGE))
        elif number != number.quantize(Decimal("0.01")):
            faults.append(FieldError("value", _("Give at most two decimals."),
                                     ErrorCode.INVALID))
    if faults:
        raise ValidationFailed(faults)
    assert indicator is not None  # noqa: S101 (narrowed by faults)
    assert number is not None  # noqa: S101
    existing = IndicatorSetting.objects.select_for_update().filter(
        indicator=indicator.id, key=key).first()
    if existing is None:
        row = IndicatorSetting.objects.create(indicator=indicator.id, key=key, value=number,
                                              set_by=account_or_none(actor))
        audit.record(actor=actor, action="performance.setting.set", obj=row,
                     changes={"value": [None, number]})
        return row
    check_version(existing, version)
    before = existing.value
    existing.value, existing.set_by = number, account_or_none(actor)
    save_new_version(existing, ["value", "set_by"])
    audit.record(actor=actor, action="performance.setting.set", obj=existing,
                 changes={"value": [before, number]})
    return existing


@transaction.atomic
def setting_reset(*, actor: AnyUser, indicator_id: str, key: str) -> None:
    """Back to the setting's default (the stored value is removed)."""
    _require_setter(actor)
    faults: list[FieldError] = []
    indicator = _indicator(indicator_id, faults)
    _setting(indicator, key, faults)
    if faults:
        raise ValidationFailed(faults)
    assert indicator is not None  # noqa: S101 (narrowed by faults)
    existing = IndicatorSetting.objects.filter(indicator=indicator.id, key=key).first()
    if existing is None:
        return
    audit.record(actor=actor, action="performance.setting.reset", obj=existing,
                 changes={"value": [existing.value, None]})
    existing.delete()


# --- Figures kept for the home panel (performance.figures) --------------------------------

def figures_ask_refresh(period: rules.Period, where: Slice) -> None:
    """Ask the worker to compute the figures (once per figures.ASKED_SECONDS and key). Without a
    broker, Celery runs the task here and now."""
    from kombu.exceptions import OperationalError

    from vigil.performance import tasks

    _targets, settings = targets_and_settings(period)
    asked = figures.key_of(period, where, settings) + ":asked"
    if not cache.add(asked, 1, timeout=figures.ASKED_SECONDS):
        return
    try:
        tasks.refresh_figures.delay(period.key, where.kind.value,
                                    None if where.value is None else str(where.value))
    except OperationalError:  # the broker is down: the next visit asks again
        cache.delete(asked)
        log.warning("performance figures: the refresh could not be queued", exc_info=True)


def figures_for_panel(period: rules.Period, where: Slice) -> figures.Figures | None:
    """The home panel's figures: those kept (None when there are none), never computed here;
    the worker is asked for new ones when there are none or they are older than
    figures.REFRESH_AFTER."""
    found = figures.kept(period, where)
    if found is None or found.stale:
        figures_ask_refresh(period, where)
        # Without a broker the task has just run here: its figures, else those kept.
        found = figures.kept(period, where) or found
    return found

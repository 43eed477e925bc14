"""Writes of the evidence app: its settings, set by hand by a global administrator of risk,
or applied by the back-test (``vigil evidence backtest --apply``)."""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from vigil.core import audit
from vigil.core.authz import Perm, holds_globally
from vigil.core.errors import ErrorCode, FieldError, Forbidden, ValidationFailed
from vigil.core.validation import check_version
from vigil.evidence import rules
from vigil.evidence.models import EvidenceSettings

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

NUMBERS = ("half_life_years", "severity_weight", "neighbour_weight", "horizon_years",
           "prior_years")
LISTS = {"step_bounds": len(rules.DEFAULT_STEP_BOUNDS),
         "level_prior": len(rules.DEFAULT_LEVEL_PRIOR)}
FIELDS = [*NUMBERS, *LISTS, "chosen_by"]

# Params.problems() speaks of each parameter in English words; this finds the field each one
# names, and says it in the reader's language.
PROBLEM_FIELDS = (("half-life", "half_life_years"), ("severity", "severity_weight"),
                  ("neighbour", "neighbour_weight"), ("horizon", "horizon_years"),
                  ("prior's weight", "prior_years"), ("step bounds", "step_bounds"),
                  ("prior rates", "level_prior"))
PROBLEM_MESSAGES = {
    "half_life_years": _lazy("The half-life must be between 0.25 and 50 years."),
    "severity_weight": _lazy("The severity weight must be between 0 and 5."),
    "neighbour_weight": _lazy("The neighbour weight must be between 0 and 1."),
    "horizon_years": _lazy("The horizon must be between 1 and 100 years."),
    "prior_years": _lazy("The prior's weight must be above 0 and at most 10 years."),
    "step_bounds": _lazy("Give four step bounds, rising, each between 0 and 1."),
    "level_prior": _lazy("Give six prior rates, one per security level, above 0 and not "
                         "falling."),
}


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _numbers(value: Any) -> list[float] | None:
    if isinstance(value, str):
        value = [part for part in value.replace(";", ",").split(",") if part.strip()]
    if not isinstance(value, list | tuple):
        return None
    numbers = [_number(v) for v in value]
    return None if any(n is None for n in numbers) else [n for n in numbers if n is not None]


def _problems(params: rules.Params) -> list[FieldError]:
    """The parameters' faults, each naming its field."""
    found = []
    for problem in params.problems():
        name = next((n for words, n in PROBLEM_FIELDS if words in problem), "")
        found.append(FieldError(name, str(PROBLEM_MESSAGES.get(name, problem)),
                                code=ErrorCode.OUT_OF_RANGE))
    return found


def parsed_params(current: rules.Params, data: dict[str, Any]) -> rules.Params:
    """``current`` changed by ``data`` (numbers, and lists of numbers given as lists or as
    text separated by commas); each fault names its field."""
    errors: list[FieldError] = []
    values: dict[str, Any] = {}
    for name in NUMBERS:
        if name in data:
            number = _number(data[name])
            if number is None:
                errors.append(FieldError(name, _("Give a number."), code=ErrorCode.INVALID))
            else:
                values[name] = number
    for name, length in LISTS.items():
        if name in data:
            numbers = _numbers(data[name])
            if numbers is None or len(numbers) != length:
                errors.append(FieldError(name, _("Give %(count)d numbers, separated by "
                                                 "commas.") % {"count": length},
                                         code=ErrorCode.INVALID))
            else:
                values[name] = tuple(numbers)
    unknown = sorted(set(data) - set(NUMBERS) - set(LISTS))
    errors += [FieldError(name, _("Not a setting of the method."), code=ErrorCode.INVALID)
               for name in unknown]
    if errors:
        raise ValidationFailed(errors)
    params = dataclasses.replace(current, **values)
    problems = _problems(params)
    if problems:
        raise ValidationFailed(problems)
    return params


def _write(row: EvidenceSettings, params: rules.Params, chosen_by: str, actor: AnyUser | None,
           action: str) -> EvidenceSettings:
    before = audit.snapshot(row, FIELDS)
    for name in NUMBERS:
        setattr(row, name, getattr(params, name))
    row.step_bounds = list(params.step_bounds)
    row.level_prior = list(params.level_prior)
    row.chosen_by = chosen_by[:200]
    row.version += 1
    row.save()
    audit.record(actor=actor, action=action, obj=row,
                 changes=audit.diff(before, audit.snapshot(row, FIELDS)))
    return row


def _row() -> EvidenceSettings:
    EvidenceSettings.objects.get_or_create(pk=1)
    return EvidenceSettings.objects.select_for_update().get(pk=1)


@transaction.atomic
def settings_update(*, actor: AnyUser, data: dict[str, Any],
                    version: int | None) -> EvidenceSettings:
    """A global administrator of risk sets the method's parameters by hand."""
    if not holds_globally(actor, Perm.CONFIGURE_RISK):
        raise Forbidden()
    row = _row()
    check_version(row, version)
    params = parsed_params(row.params, data)
    return _write(row, params, "", actor, "evidence.settings.update")


@transaction.atomic
def settings_apply(*, params: rules.Params, chosen_by: str,
                   actor: AnyUser | None = None) -> EvidenceSettings:
    """The back-test's choice applied (``actor`` None: Vigil's own act, from the command);
    a person applying it must be a global administrator of risk."""
    if actor is not None and not holds_globally(actor, Perm.CONFIGURE_RISK):
        raise Forbidden()
    problems = _problems(params)
    if problems:
        raise ValidationFailed(problems)
    return _write(_row(), params, chosen_by, actor, "evidence.settings.apply")

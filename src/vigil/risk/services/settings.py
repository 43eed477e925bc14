"""Configuration of risk management, global administrators only: the risk matrix, the level
thresholds, and the audit of what the admin site changes (questionnaires)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models, transaction

from vigil.core import audit
from vigil.core.authz import Perm, holds_globally
from vigil.core.errors import FieldError, Forbidden, ValidationFailed
from vigil.core.validation import check_version
from vigil.risk import rules
from vigil.risk.models import RiskSettings

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

SETTINGS_FIELDS = ["matrix", "level_thresholds"]


@transaction.atomic
def risk_settings_update(*, actor: AnyUser, matrix: Any = None, level_thresholds: Any = None,
                         version: int | None) -> RiskSettings:
    """An administrator changes the risk matrix or the level thresholds (global only)."""
    if not holds_globally(actor, Perm.CONFIGURE_RISK):
        raise Forbidden()
    current = RiskSettings.objects.select_for_update().get(pk=1)
    check_version(current, version)
    errors = []
    if matrix is not None:
        errors += [FieldError(field="matrix", message=p) for p in rules.matrix_problems(matrix)]
    if level_thresholds is not None:
        errors += [FieldError(field="level_thresholds", message=p)
                   for p in rules.threshold_problems(level_thresholds)]
    if errors:
        raise ValidationFailed(errors)
    before = audit.snapshot(current, SETTINGS_FIELDS)
    if matrix is not None:
        current.matrix = {li: {im: matrix[li][im] for im in rules.IMPACTS}
                          for li in rules.LIKELIHOODS}
    if level_thresholds is not None:
        current.level_thresholds = sorted([int(a), int(b)] for a, b in level_thresholds)
    current.version += 1
    current.save()
    audit.record(actor=actor, action="risk.settings.update", obj=current,
                 changes=audit.diff(before, audit.snapshot(current, SETTINGS_FIELDS)))
    return current


def config_saved(*, actor: AnyUser, obj: models.Model, created: bool,
                 before: dict[str, Any]) -> None:
    """Audit a configuration change made in the admin site (questionnaires)."""
    if not holds_globally(actor, Perm.CONFIGURE_RISK):
        raise Forbidden()
    audit.record(actor=actor, action=f"risk.config.{'create' if created else 'update'}",
                 obj=obj, changes=audit.diff(before, audit.snapshot(obj)))

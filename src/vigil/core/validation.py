"""Helpers that services use to validate a model instance and report every fault by field."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from vigil.core.errors import ErrorCode, FieldError, StaleVersion, ValidationFailed


def field_errors(exc: DjangoValidationError, *, row: int | None = None) -> list[FieldError]:
    errors: list[FieldError] = []
    for field, messages in exc.message_dict.items():
        name = "" if field == NON_FIELD_ERRORS else field
        errors.extend(FieldError(field=name, message=m, row=row) for m in messages)
    return errors


def validate(obj: models.Model, *, exclude: list[str] | None = None,
             extra: list[FieldError] | None = None, validate_unique: bool = True) -> None:
    """Run the model's own validation (fields, choices, constraints) and raise every fault."""
    errors = list(extra or [])
    try:
        obj.full_clean(exclude=exclude, validate_unique=validate_unique)
    except DjangoValidationError as exc:
        errors.extend(field_errors(exc))
    if errors:
        raise ValidationFailed(errors)


def assign(obj: models.Model, data: dict[str, Any], allowed: set[str]) -> None:
    """Set fields from ``data``; a key that is not an editable field is a fault, not ignored."""
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationFailed([FieldError(field=k, message=_("This field cannot be set here."),
                                           code=ErrorCode.INVALID) for k in unknown])
    for key, value in data.items():
        setattr(obj, key, value)


def check_version(obj: models.Model, expected: int | None) -> None:
    """Refuse an edit made against an older version than the one stored."""
    current = getattr(obj, "version", None)
    if expected is not None and current is not None and int(expected) != current:
        raise StaleVersion()


def save_new_version(obj: models.Model, fields: list[str]) -> None:
    """Save with version+1, but only if nobody saved in between (compare-and-set)."""
    model = type(obj)
    current: int = obj.version  # type: ignore[attr-defined]
    concrete = {f.name: f for f in obj._meta.concrete_fields}
    values = {concrete[f].attname: getattr(obj, concrete[f].attname) for f in fields}
    if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
        values["updated_at"] = timezone.now()
    updated = model._default_manager.filter(pk=obj.pk, version=current).update(
        version=current + 1, **values)
    if updated != 1:
        raise StaleVersion()
    obj.version = current + 1  # type: ignore[attr-defined]

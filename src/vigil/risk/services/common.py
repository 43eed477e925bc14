"""What the services of risk share: the draft a change needs, and the rows of a document (an
SRA's register and activities, the items of a MOSS document, the parts of a plan)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.utils.translation import gettext as _

from vigil.core import audit
from vigil.core.authz import Perm, require
from vigil.core.errors import FieldError, TransitionRefused, ValidationFailed
from vigil.core.validation import assign, check_version, validate
from vigil.risk.models import (
    ComplianceAssessment,
    MossDocument,
    SecurityPlan,
    SecurityRiskAssessment,
)

if TYPE_CHECKING:
    from vigil.core.authz import AnyUser

Row = TypeVar("Row", bound=models.Model)
Drafted = SecurityRiskAssessment | MossDocument | SecurityPlan | ComplianceAssessment


def require_draft(actor: AnyUser, perm: Perm, document: Drafted, version: int | None,
                  refusal: str) -> None:
    """A change of a document: the actor holds ``perm`` over it, changes the version stored,
    and the document is still a draft; else ``refusal`` says why it does not change."""
    require(actor, perm, document)
    check_version(document, version)
    if document.status != type(document).Status.DRAFT:
        raise TransitionRefused(refusal)


def _check_belongs(*, parent: models.Model, row: models.Model, link: str, key: str) -> None:
    """A row changed or removed through a document must be one of that document's rows."""
    if getattr(row, f"{link}_id") != parent.pk:
        raise ValidationFailed([FieldError(field=key, message=_(
            "This row belongs to another document."))])


def save_row(*, actor: AnyUser, parent: models.Model, row: Row, link: str, fields: set[str],
             data: dict[str, Any], action: str, key: str,
             check: Callable[[Row], list[FieldError]] | None = None,
             derive: Callable[[Row], set[str]] | None = None) -> Row:
    """Add or change one row of a document: the row must belong to the document; its fields
    are validated, with ``check`` for the rules of that kind of row; ``derive`` sets the
    fields Vigil computes from the others (never from ``data``) and names them; one audit
    event names the row under ``key`` and holds what changed, the derived fields too."""
    _check_belongs(parent=parent, row=row, link=link, key=key)
    before = {} if row.pk is None else audit.snapshot(row)
    assign(row, data, fields)
    derived = derive(row) if derive is not None else set()
    validate(row, exclude=[link], extra=check(row) if check is not None else [])
    row.save()
    shown = fields | derived
    before = {k: v for k, v in before.items() if k in shown}
    audit.record(actor=actor, action=action, obj=parent,
                 changes={key: row.pk, **audit.diff(before, audit.snapshot(row, shown))})
    return row


def remove_row(*, actor: AnyUser, parent: models.Model, row: models.Model, link: str,
               fields: set[str], action: str, key: str) -> None:
    _check_belongs(parent=parent, row=row, link=link, key=key)
    audit.record(actor=actor, action=action, obj=parent,
                 changes={key: row.pk, **audit.diff(audit.snapshot(row, fields), {})})
    row.delete()

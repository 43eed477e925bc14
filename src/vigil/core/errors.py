"""Domain errors with stable codes. The API and the UI turn them into 400/403/404/409 answers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.translation import gettext_lazy as _


class ErrorCode(StrEnum):
    INVALID = "invalid"
    REQUIRED = "required"
    NOT_FOUND = "not_found"
    FORBIDDEN = "forbidden"
    STALE_VERSION = "stale_version"
    DUPLICATE = "duplicate"
    OUT_OF_RANGE = "out_of_range"
    UNKNOWN_REFERENCE = "unknown_reference"
    IMPORT_INVALID = "import_invalid"
    BAD_FILE = "bad_file"


@dataclass(frozen=True)
class FieldError:
    """One fault in the input: which field (and row, for imports) and why."""

    field: str
    message: str
    code: str = ErrorCode.INVALID
    row: int | None = None

    def as_dict(self) -> dict[str, object]:
        data: dict[str, object] = {"field": self.field, "code": self.code,
                                   "message": str(self.message)}
        if self.row is not None:
            data["row"] = self.row
        return data

    def __str__(self) -> str:
        place = ", ".join(p for p in (f"row {self.row}" if self.row is not None else "",
                                       self.field) if p)
        return f"{place}: {self.message}" if place else str(self.message)


class DomainError(Exception):
    status = 400
    code: str = ErrorCode.INVALID

    def __init__(self, message: object = "", *, code: str | None = None) -> None:
        self.message = message
        if code is not None:
            self.code = code
        super().__init__(str(message))

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": str(self.message)}


class TransitionRefused(DomainError):
    """The record's state does not allow this action."""

    status = 409
    code = "transition_refused"


class ValidationFailed(DomainError):
    """Input that breaks a rule. Carries every fault found, each naming its field."""

    def __init__(self, errors: list[FieldError], message: object = "") -> None:
        self.errors = errors
        super().__init__(message or _("The input is not valid."), code=ErrorCode.INVALID)

    def as_dict(self) -> dict[str, object]:
        data = super().as_dict()
        data["errors"] = [e.as_dict() for e in self.errors]
        return data

    def for_field(self, field: str) -> list[str]:
        return [str(e.message) for e in self.errors if e.field == field]


class NotFound(DomainError):
    """Missing, or not yours: both look the same from outside."""

    status = 404
    code = ErrorCode.NOT_FOUND

    def __init__(self, message: object = "") -> None:
        super().__init__(message or _("Not found."))


class Forbidden(DomainError):
    status = 403
    code = ErrorCode.FORBIDDEN

    def __init__(self, message: object = "") -> None:
        super().__init__(message or _("You may not do this."))


class StaleVersion(DomainError):
    status = 409
    code = ErrorCode.STALE_VERSION

    def __init__(self, message: object = "") -> None:
        super().__init__(message or _(
            "Someone else changed this record after you opened it. "
            "Reload it, check their change, and make yours again."))

"""Per-request context that code deep in a call can read without being handed the request.

Services take their actor explicitly; this is for the audit's request id, and for the few
framework hooks (Django admin forms) that are built without the request.
"""

from contextvars import ContextVar
from typing import Any

request_id: ContextVar[str] = ContextVar("vigil_request_id", default="")
request: ContextVar[Any] = ContextVar("vigil_request", default=None)


def request_user() -> Any:
    """The signed-in user of the request being served, or None outside a request."""
    current = request.get()
    return getattr(current, "user", None) if current is not None else None

"""Per-request context that services read without being handed the request."""

from contextvars import ContextVar

request_id: ContextVar[str] = ContextVar("vigil_request_id", default="")

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from vigil.core import context

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Gives each request an id, taken from X-Request-ID when the proxy sent a sane one.

    The audit log stores it, so one user action can be traced across the events it wrote.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        rid = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        token = context.request_id.set(rid)
        request_token = context.request.set(request)
        try:
            response = self.get_response(request)
        finally:
            context.request.reset(request_token)
            context.request_id.reset(token)
        response["X-Request-ID"] = rid
        return response

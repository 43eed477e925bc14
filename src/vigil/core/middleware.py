import ipaddress
import re
import uuid
from collections.abc import Callable, Sequence

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

from vigil.core import account, context

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(specs: Sequence[str]) -> list[Network]:
    """The proxies' addresses or networks (``10.0.0.5``, ``10.0.0.0/24``, ``::1``). A value that
    is not one raises ValueError naming it, so a mistyped setting stops the start, not the
    lockouts."""
    networks = []
    for spec in specs:
        try:
            networks.append(ipaddress.ip_network(spec.strip(), strict=False))
        except ValueError as exc:
            raise ValueError(f"VIGIL_TRUSTED_PROXIES: {spec!r} is not an address or a "
                             "network") from exc
    return networks


def forwarded_client(remote: str, forwarded_for: str, trusted: Sequence[Network]) -> str:
    """The client's address behind trusted proxies: when the connection comes from one of
    them, the X-Forwarded-For list read from the right, past every trusted proxy, to the first
    address that is not one. Anything left of it was written by the client and is not believed.
    A malformed entry stops the walk at the last address known good."""

    def is_trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in trusted)

    if not trusted or not forwarded_for or not is_trusted(remote):
        return remote
    client = remote
    for entry in reversed(forwarded_for.split(",")):
        address = entry.strip()
        try:
            ipaddress.ip_address(address)
        except ValueError:
            break
        client = address
        if not is_trusted(address):
            break
    return client


class TrustedProxyMiddleware:
    """Behind a reverse proxy, the client's address in REMOTE_ADDR, where the sign-in lockout,
    the reset limits, sessions and the audit log read it. Only the proxies named in
    VIGIL_TRUSTED_PROXIES are believed; with none (the default) X-Forwarded-For is ignored, so
    a client cannot choose the address its failures are counted against. The proxy's own
    address is kept in META["VIGIL_PROXY_ADDR"]."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.trusted = trusted_networks(settings.VIGIL_TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        remote = request.META.get("REMOTE_ADDR", "")
        client = forwarded_client(remote, request.META.get("HTTP_X_FORWARDED_FOR", ""),
                                  self.trusted)
        if client != remote:
            request.META["VIGIL_PROXY_ADDR"] = remote
            request.META["REMOTE_ADDR"] = client
        return self.get_response(request)


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


class RequestSizeMiddleware:
    """A request larger than Vigil takes is answered 400, with the limit, in the user's
    language: as JSON for the API, as a page for people. It runs before any view or the CSRF
    check reads the body, since Django refuses an oversize body only when it is first read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in {"POST", "PUT", "PATCH"} and self._too_big(request):
            return self._refuse(request)
        return self.get_response(request)

    @staticmethod
    def _too_big(request: HttpRequest) -> bool:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length <= settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return False
        if request.content_type != "multipart/form-data":
            return True
        # A multipart form may carry a large file (attachments have their own limit); only
        # its text fields count, and reading them is what finds out.
        try:
            request.POST  # noqa: B018 - parses the form once; later readers get the result
        except RequestDataTooBig:
            return True
        return False

    @staticmethod
    def _refuse(request: HttpRequest) -> HttpResponse:
        size = settings.VIGIL_MAX_UPLOAD_BYTES // (1024 * 1024)
        message = _("The request is larger than Vigil accepts: a file or pasted text may be "
                    "at most %(size)d MB.") % {"size": size}
        if request.path.startswith("/api/"):
            return JsonResponse({"code": "too_large", "message": message}, status=400)
        return render(request, "core/error.html", {
            "title": _("Too large"), "status": 400, "message": message}, status=400)


class SessionActivityMiddleware:
    """Ends a signed-in session that was idle longer than VIGIL_SESSION_IDLE_MINUTES, or that
    its owner ended from the account page; notes the session's use for that page; and marks
    every response to a signed-in person (or an API token) ``Cache-Control: no-store``, so that
    no browser or proxy keeps a copy of what it showed."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            if account.session_idle_expired(request=request):
                self._sign_out(request, _("You were signed out after %(minutes)d minutes "
                                          "without activity.") % {
                    "minutes": settings.VIGIL_SESSION_IDLE_MINUTES})
            elif not account.session_still_open(request=request):
                self._sign_out(request, _("This session was ended. Sign in again."))
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (user is not None and user.is_authenticated) or "Authorization" in request.headers:
            add_never_cache_headers(response)
        return response

    @staticmethod
    def _sign_out(request: HttpRequest, message: str) -> None:
        logout(request)
        if not request.path.startswith("/api/"):
            messages.info(request, message)

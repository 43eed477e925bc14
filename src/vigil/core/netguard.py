"""Server-side request forgery guard (ASVS V12.6): Vigil fetches CAP feeds and posts webhooks
only to public addresses.

``require_public(url)`` resolves the host once and refuses the address when any of the IP
addresses it resolves to is loopback, private, link-local, multicast, reserved, unspecified or
otherwise not global. ``urlopen`` opens a request through the same check, at the moment of
connecting (so a name cannot resolve to a public address for the check and to a private one
for the connection), and checks every redirect as well. ``validate_public_url`` is the model
field validator of the addresses administrators save.

The setting ``VIGIL_ALLOW_PRIVATE_FETCH`` (default False) turns the guard off, for an
operator whose gateway or feed sits on a private network.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

AddrInfo = tuple[Any, ...]


class NotPublic(ValueError):
    """The address is not a public one, or its host cannot be read."""


def allowed_private() -> bool:
    return bool(getattr(settings, "VIGIL_ALLOW_PRIVATE_FETCH", False))


# The kinds of address refused, named in the reader's language.
KINDS = {"loopback": gettext_lazy("loopback"), "unspecified": gettext_lazy("unspecified"),
         "link-local": gettext_lazy("link-local"), "multicast": gettext_lazy("multicast"),
         "reserved": gettext_lazy("reserved"), "private": gettext_lazy("private")}


def _kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Why an IP address is refused; empty when it is public."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return _kind(ip.ipv4_mapped)
    for kind, flag in (("loopback", ip.is_loopback), ("unspecified", ip.is_unspecified),
                       ("link-local", ip.is_link_local), ("multicast", ip.is_multicast),
                       ("reserved", ip.is_reserved), ("private", ip.is_private)):
        if flag:
            return kind
    return "" if ip.is_global else "reserved"


def check_addresses(host: str, infos: list[AddrInfo]) -> None:
    """Refuse when any address ``host`` resolved to is not public."""
    if not infos:
        raise NotPublic(_("%(host)s resolves to no address.") % {"host": host})
    for info in infos:
        address = str(info[4][0]).split("%", 1)[0]  # an IPv6 scope id: fe80::1%eth0
        kind = _kind(ipaddress.ip_address(address))
        if kind:
            raise NotPublic(_(
                "%(host)s resolves to %(address)s, a %(kind)s address: Vigil connects only "
                "to public addresses (the setting VIGIL_ALLOW_PRIVATE_FETCH allows others).")
                % {"host": host, "address": address, "kind": KINDS[kind]})


def resolve(host: str, port: int) -> list[AddrInfo]:
    """Resolve once; every address is checked unless the operator allows private ones."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise NotPublic(_("%(host)s cannot be resolved: %(error)s")
                        % {"host": host, "error": exc}) from exc
    if not allowed_private():
        check_addresses(host, infos)
    return infos


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise NotPublic(_("%(url)s is not a valid address.") % {"url": url}) from exc
    if not host:
        raise NotPublic(_("%(url)s names no host.") % {"url": url})
    return host, port or (443 if parts.scheme == "https" else 80)


def require_public(url: str) -> None:
    """Refuse ``url`` (NotPublic, a ValueError naming the address) unless its host resolves
    only to public IP addresses, or the setting VIGIL_ALLOW_PRIVATE_FETCH is on."""
    if allowed_private():
        return
    resolve(*_host_port(url))


def validate_public_url(value: str) -> None:
    """Model field validator: refuse an address on loopback, private or reserved networks.
    A name that does not resolve now is let through: the check at fetch time refuses it then."""
    if allowed_private():
        return
    try:
        host, port = _host_port(value)
    except NotPublic:
        return  # URLValidator says what is wrong with the address
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return
    try:
        check_addresses(host, infos)
    except NotPublic as exc:
        raise ValidationError(str(exc), code="not_public") from exc


# --- Opening a request: checked when connecting, and at each redirect --------------------------

def _connect(address: tuple[str, int], timeout: Any = socket._GLOBAL_DEFAULT_TIMEOUT,  # type: ignore[attr-defined]
             source_address: Any = None, **kwargs: Any) -> socket.socket:
    """socket.create_connection to an address checked by ``resolve``: the addresses checked
    are the ones connected to."""
    host, port = address
    error: OSError | None = None
    for family, kind, proto, _name, sockaddr in resolve(host, port):
        sock = socket.socket(family, kind, proto)
        try:
            if timeout is not socket._GLOBAL_DEFAULT_TIMEOUT:  # type: ignore[attr-defined]
                sock.settimeout(timeout)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            error = exc
            sock.close()
    raise error or OSError(_("%(host)s: no address answered.") % {"host": host})


class _HTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect


class _HTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect


def _proxied(req: urllib.request.Request) -> bool:
    """Through an operator's proxy (http_proxy, https_proxy): the connection goes to the proxy,
    and the address asked for was checked by ``require_public`` before."""
    return bool(req.has_proxy() or getattr(req, "_tunnel_host", None))


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        if _proxied(req):
            return self.do_open(http.client.HTTPConnection, req)
        return self.do_open(_HTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        context = self._context  # type: ignore[attr-defined]
        if _proxied(req):
            return self.do_open(http.client.HTTPSConnection, req, context=context)
        return self.do_open(_HTTPSConnection, req, context=context)


class _RedirectHandler(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str,
                         headers: Any, newurl: str) -> urllib.request.Request | None:
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise NotPublic(_("Only http and https addresses are fetched, not %(url)s.")
                            % {"url": newurl})
        require_public(newurl)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def urlopen(request: urllib.request.Request, timeout: float) -> Any:
    """urllib.request.urlopen that refuses an address that is not public (``require_public``
    before, the same check on the addresses connected to, and on each redirect)."""
    require_public(request.full_url)
    if allowed_private():
        return urllib.request.urlopen(request, timeout=timeout)  # noqa: S310  # nosec B310
    opener = urllib.request.build_opener(_HTTPHandler, _HTTPSHandler, _RedirectHandler)
    return opener.open(request, timeout=timeout)

"""The first thing every HTTP request and websocket handshake meets.

``Guard`` wraps the whole app (Reflex's own CORS layers included) and refuses,
with a 403 and a plain sentence:
- with ``BOOKGEN_AUTH=off``, every client whose TCP peer is not this machine's
  loopback address (or that came through a proxy: see ``is_local_peer``);
- a request whose ``Origin`` is not an allowed origin (``OriginPolicy``), so
  no other site's page can open the socket or read the API in a browser;
- in local mode, a ``Host`` that is not a loopback name (DNS rebinding).
"""

from __future__ import annotations

import ipaddress
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bookgen.config import Settings
from bookgen.web.origins import OriginPolicy

__all__ = ["Guard", "forwarded", "header", "is_local_peer"]

log = logging.getLogger(__name__)

# Headers a proxy adds; their presence means the TCP peer is not the client.
_FORWARDING_HEADERS = (b"forwarded", b"x-forwarded-for", b"x-real-ip")

LOOPBACK_ONLY = (
    "bookgen runs without accounts (BOOKGEN_AUTH=off), so it serves only this "
    "machine: open it at http://localhost. To share it, turn accounts on."
)
ORIGIN_REFUSED = (
    "This page's origin may not use bookgen. The operator lists the app's "
    "public address in BOOKGEN_ORIGINS."
)
HOST_REFUSED = (
    "bookgen serves only http://localhost while BOOKGEN_ORIGINS is blank. To "
    "serve it at another address, set BOOKGEN_ORIGINS to that origin."
)


def header(scope: Scope, name: bytes) -> str | None:
    """The first value of header ``name`` (lower-case bytes), or None."""
    for key, value in scope.get("headers") or ():
        if key == name:
            return value.decode("latin-1")
    return None


def forwarded(scope: Scope) -> bool:
    """The request came through a proxy (it carries forwarding headers)."""
    return any(header(scope, name) is not None for name in _FORWARDING_HEADERS)


def is_local_peer(scope: Scope) -> bool:
    """The TCP peer in the ASGI scope's ``client`` is a loopback address and
    no proxy forwarded the request. Headers never make a client local: a
    forwarding header only makes it not local (a proxy on this machine would
    otherwise pass every visitor off as local)."""
    client = scope.get("client")
    if not client or forwarded(scope):
        return False
    try:
        address = ipaddress.ip_address(str(client[0]).split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback


async def _deny(scope: Scope, receive: Receive, send: Send, text: str) -> None:
    """403 with ``text``, as an HTTP response or as a refused handshake."""
    body = text.encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"cache-control", b"no-store"),
    ]
    if scope["type"] == "http":
        await send({"type": "http.response.start", "status": 403, "headers": headers})
        await send({"type": "http.response.body", "body": body})
        return
    await receive()  # websocket.connect
    if "websocket.http.response" in (scope.get("extensions") or {}):
        start: Message = {
            "type": "websocket.http.response.start",
            "status": 403,
            "headers": headers,
        }
        await send(start)
        await send({"type": "websocket.http.response.body", "body": body})
    else:  # the server answers a close before accept with a bare 403
        await send({"type": "websocket.close", "code": 1008, "reason": text[:120]})


class Guard:
    """ASGI middleware: the checks above, then the app."""

    def __init__(self, app: ASGIApp, *, policy: OriginPolicy, loopback_only: bool):
        self.app = app
        self.policy = policy
        self.loopback_only = loopback_only
        self._reported: set[str] = set()

    @classmethod
    def for_settings(cls, app: ASGIApp, settings: Settings) -> Guard:
        return cls(
            app,
            policy=OriginPolicy.from_settings(settings),
            loopback_only=not settings.auth_enabled,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            refusal = self.refusal(scope)
            if refusal is not None:
                await _deny(scope, receive, send, refusal)
                return
        await self.app(scope, receive, send)

    def refusal(self, scope: Scope) -> str | None:
        """Why this request is refused, or None to let it through."""
        if self.loopback_only and not is_local_peer(scope):
            self._report("client", str((scope.get("client") or ("?",))[0]))
            return LOOPBACK_ONLY
        origin = header(scope, b"origin")
        if origin is not None and not self.policy.allows(origin):
            self._report("origin", origin)
            return ORIGIN_REFUSED
        host = header(scope, b"host")
        if not self.policy.allows_host(host):
            self._report("host", host or "")
            return HOST_REFUSED
        return None

    def _report(self, what: str, value: str) -> None:
        """Log each refused client, origin or host once per process (an
        operator who forgot BOOKGEN_ORIGINS sees why the page cannot connect)."""
        key = f"{what}={value[:200]}"
        if key in self._reported or len(self._reported) > 1000:
            return
        self._reported.add(key)
        log.warning("refused a request: %s not allowed", key)

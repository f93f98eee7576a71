"""Which web origins may use the app, from ``BOOKGEN_ORIGINS``.

A browser names the page that makes a request in its ``Origin`` header (always
on a websocket handshake and on cross-origin fetches). Configured origins are
matched exactly; with none configured (a laptop) only pages served from this
machine's loopback names, on any port, are allowed: ``http(s)://localhost``,
``127.0.0.1`` and ``[::1]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from bookgen.config import Settings

__all__ = ["LOOPBACK_HOSTS", "OriginPolicy", "normalise_origin"]

# Host names that always mean this machine (urlsplit drops IPv6 brackets).
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise_origin(raw: str) -> str | None:
    """``scheme://host[:port]`` in lower case without a default port, or None
    when ``raw`` is not an http(s) origin (a path, a query, ``null``, junk)."""
    try:
        parts = urlsplit(raw.strip())
        port = parts.port
    except ValueError:
        return None
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if scheme not in _DEFAULT_PORTS or not host or parts.username is not None:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return None
    shown = f"[{host}]" if ":" in host else host
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{shown}"
    return f"{scheme}://{shown}:{port}"


def _host_name(raw: str) -> str:
    """The host of a ``Host`` header value (``name[:port]`` or ``[v6][:port]``)."""
    raw = raw.strip().lower()
    if raw.startswith("["):
        return raw[1 : raw.find("]")] if "]" in raw else ""
    return raw.rsplit(":", 1)[0] if raw.count(":") == 1 else raw


@dataclass(frozen=True)
class OriginPolicy:
    """The origins allowed to drive the app; empty ``origins`` = local mode."""

    origins: frozenset[str] = frozenset()

    @classmethod
    def from_settings(cls, settings: Settings) -> OriginPolicy:
        """Read ``BOOKGEN_ORIGINS``; a value that is not an origin stops the start."""
        accepted: set[str] = set()
        for raw in settings.allowed_origins:
            origin = normalise_origin(raw)
            if origin is None:
                raise ValueError(
                    f"BOOKGEN_ORIGINS: {raw!r} is not an origin; write the app's "
                    "public address as scheme://host[:port], e.g. "
                    "https://books.example.com"
                )
            accepted.add(origin)
        return cls(frozenset(accepted))

    @property
    def local(self) -> bool:
        """No public origin is configured: the app serves this machine only."""
        return not self.origins

    def allows(self, raw_origin: str) -> bool:
        """May a page from ``raw_origin`` call the app?"""
        origin = normalise_origin(raw_origin)
        if origin is None:
            return False
        if self.local:
            return (urlsplit(origin).hostname or "") in LOOPBACK_HOSTS
        return origin in self.origins

    def allows_host(self, host_header: str | None) -> bool:
        """May a request name this ``Host``? In local mode only loopback names,
        so a hostile page cannot reach the app through a name it controls that
        resolves to 127.0.0.1 (DNS rebinding); with public origins, any (the
        proxy in front decides which names reach the app)."""
        if not self.local:
            return True
        return _host_name(host_header or "") in LOOPBACK_HOSTS

    def reflex_cors_origins(self) -> tuple[str, ...]:
        """What Reflex's ``cors_allowed_origins`` gets (its HTTP CORS layers and
        socket.io's origin check): the exact list when origins are configured.
        Reflex matches exact strings only and cannot say "localhost on any
        port", so in local mode it gets ``*`` and the app's guard, which runs
        before Reflex sees a request, refuses every other origin."""
        return tuple(sorted(self.origins)) if self.origins else ("*",)

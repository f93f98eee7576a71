"""The guard in front of the whole app, driven with ASGI scopes directly: the
loopback-only rule of BOOKGEN_AUTH=off (peer address from the scope's
``client``), foreign origins, and rebound host names. (The same rules against
the running app, through a real non-loopback address: test_edge_live.py.)"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from starlette.types import Message, Receive, Scope, Send

from bookgen.config import Settings
from bookgen.web.guards import (
    HOST_REFUSED,
    LOOPBACK_ONLY,
    ORIGIN_REFUSED,
    Guard,
    is_local_peer,
)

LAN_PEER = ("192.0.2.9", 50000)
LOOPBACK_PEER = ("127.0.0.1", 50000)


@dataclass
class Inner:
    """The app behind the guard: records that it was reached."""

    scopes: list[Scope] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.scopes.append(scope)
        if scope["type"] == "http":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"inner"})
        else:
            await receive()
            await send({"type": "websocket.accept"})


def scope(
    kind: str = "http",
    *,
    client: tuple[str, int] | None = LOOPBACK_PEER,
    headers: dict[str, str] | None = None,
    denial_extension: bool = True,
) -> Scope:
    result: dict[str, Any] = {
        "type": kind,
        "path": "/_event/" if kind == "websocket" else "/api/health",
        "client": client,
        "headers": [
            (k.lower().encode(), v.encode())
            for k, v in {"host": "127.0.0.1:3000", **(headers or {})}.items()
        ],
    }
    if kind == "http":
        result["method"] = "GET"
    if kind == "websocket" and denial_extension:
        result["extensions"] = {"websocket.http.response": {}}
    return result


async def call(guard: Guard, s: Scope) -> list[Message]:
    sent: list[Message] = []
    incoming = [{"type": "websocket.connect"}]

    async def receive() -> Message:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await guard(s, receive, send)
    return sent


def status_and_body(sent: list[Message]) -> tuple[int, str]:
    start = next(m for m in sent if m["type"].endswith("response.start"))
    body = b"".join(m.get("body", b"") for m in sent if m["type"].endswith(".body"))
    return start["status"], body.decode()


def guard_for(inner: Inner, **settings: Any) -> Guard:
    return Guard.for_settings(inner, Settings(**settings))


@pytest.mark.parametrize("kind", ["http", "websocket"])
async def test_auth_off_refuses_a_client_off_this_machine(kind: str) -> None:
    inner = Inner()
    sent = await call(guard_for(inner, auth="off"), scope(kind, client=LAN_PEER))
    assert status_and_body(sent) == (403, LOOPBACK_ONLY)
    assert inner.scopes == []


async def test_a_refused_handshake_without_the_denial_extension_is_closed() -> None:
    inner = Inner()
    s = scope("websocket", client=LAN_PEER, denial_extension=False)
    sent = await call(guard_for(inner, auth="off"), s)
    assert [m["type"] for m in sent] == ["websocket.close"]
    assert inner.scopes == []


@pytest.mark.parametrize(
    ("client", "headers"),
    [
        (None, {}),  # peer unknown: not provably local
        (("::ffff:192.0.2.9", 1), {}),
        (("not-an-address", 1), {}),
        # A proxy on this machine: the peer is loopback, the client is not.
        (LOOPBACK_PEER, {"x-forwarded-for": "198.51.100.7"}),
        (LOOPBACK_PEER, {"forwarded": "for=198.51.100.7"}),
        (LOOPBACK_PEER, {"x-real-ip": "198.51.100.7"}),
    ],
)
async def test_auth_off_trusts_only_the_peer_address_and_never_a_header(
    client: tuple[str, int] | None, headers: dict[str, str]
) -> None:
    inner = Inner()
    s = scope(client=client, headers=headers)
    assert status_and_body(await call(guard_for(inner, auth="off"), s))[0] == 403
    assert inner.scopes == []


@pytest.mark.parametrize(
    "client", [LOOPBACK_PEER, ("::1", 1), ("::ffff:127.0.0.1", 1), ("127.8.9.10", 1)]
)
@pytest.mark.parametrize("kind", ["http", "websocket"])
async def test_auth_off_serves_loopback_clients(
    client: tuple[str, int], kind: str
) -> None:
    inner = Inner()
    sent = await call(guard_for(inner, auth="off"), scope(kind, client=client))
    assert len(inner.scopes) == 1
    assert sent[0]["type"] in ("http.response.start", "websocket.accept")


async def test_with_accounts_on_clients_elsewhere_are_served() -> None:
    inner = Inner()
    s = scope(client=LAN_PEER, headers={"host": "books.example.com"})
    await call(guard_for(inner, auth="on", origins="https://books.example.com"), s)
    assert len(inner.scopes) == 1


@pytest.mark.parametrize("kind", ["http", "websocket"])
@pytest.mark.parametrize(
    ("origins", "origin"),
    [
        ("", "https://evil.example"),
        ("", "http://127.0.0.2:3000"),
        ("", "null"),
        ("https://books.example.com", "https://evil.example"),
        ("https://books.example.com", "http://localhost:3000"),
    ],
)
async def test_a_foreign_origin_is_refused_even_from_loopback(
    kind: str, origins: str, origin: str
) -> None:
    inner = Inner()
    headers = {"origin": origin}
    if origins:
        headers["host"] = "books.example.com"
    sent = await call(guard_for(inner, origins=origins), scope(kind, headers=headers))
    assert status_and_body(sent) == (403, ORIGIN_REFUSED)
    assert inner.scopes == []


@pytest.mark.parametrize(
    ("origins", "origin", "host"),
    [
        ("", "http://localhost:5173", "localhost:3000"),
        ("", "http://127.0.0.1:3000", "127.0.0.1:3000"),
        ("https://books.example.com", "https://books.example.com", "books.example.com"),
        ("", None, "127.0.0.1:3000"),  # no Origin: not a browser page's request
    ],
)
async def test_allowed_origins_reach_the_app(
    origins: str, origin: str | None, host: str
) -> None:
    inner = Inner()
    headers = {"host": host} | ({"origin": origin} if origin else {})
    await call(guard_for(inner, origins=origins), scope("websocket", headers=headers))
    assert len(inner.scopes) == 1


async def test_local_mode_refuses_a_rebound_host_name() -> None:
    inner = Inner()
    s = scope(headers={"host": "rebound.evil.example:3000"})
    sent = await call(guard_for(inner), s)
    assert status_and_body(sent) == (403, HOST_REFUSED)
    assert inner.scopes == []


async def test_lifespan_passes_through() -> None:
    reached: list[str] = []

    async def app(s: Scope, receive: Receive, send: Send) -> None:
        reached.append(s["type"])

    await Guard.for_settings(app, Settings(auth="off"))({"type": "lifespan"}, *_io())
    assert reached == ["lifespan"]


def _io() -> tuple[Receive, Send]:
    async def receive() -> Message:
        return {"type": "lifespan.startup"}

    async def send(message: Message) -> None:
        return None

    return receive, send


def test_is_local_peer_reads_the_scope_client() -> None:
    assert is_local_peer(scope(client=LOOPBACK_PEER))
    assert not is_local_peer(scope(client=LAN_PEER))
    assert not is_local_peer(
        scope(client=LAN_PEER, headers={"x-forwarded-for": "127.0.0.1"})
    )

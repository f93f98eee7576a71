"""A headless viewer that speaks Reflex's websocket protocol, as a browser would.

Engine.IO v4 over a raw websocket (aiohttp), Socket.IO namespace ``/_event``.
It counts the bytes received on the wire (after permessage-deflate, as a
browser receives them) and keeps the page's state from the deltas it gets.
State and var names come from the app's classes and its Reflex adapter.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import aiohttp
import reflex as rx

from bookgen.state.book import BookState
from bookgen.state.dashboard import DashboardState
from bookgen.state.reflex_bridge import delta_key

__all__ = ["BOOK_STATE", "DASHBOARD_STATE", "ROOT_STATE", "ReflexClient"]

# Full state names, as events and deltas carry them.
ROOT_STATE = rx.State.get_full_name()
BOOK_STATE = BookState.get_full_name()
DASHBOARD_STATE = DashboardState.get_full_name()
NS = "/_event"


class ReflexClient:
    def __init__(
        self,
        base_url: str,
        *,
        compress: bool = True,
        headers: dict[str, str] | None = None,
        cookies: dict[str, str] | None = None,
        keep_frames: bool = False,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        # Extra handshake headers (e.g. a whole Cookie header, or an Origin).
        self.headers = headers or {}
        # Sent with the websocket handshake, as a browser sends its cookies.
        self.cookies = dict(cookies or {})
        # Every text frame received, when asked (tests that look for leaks).
        self.frames: list[str] | None = [] if keep_frames else None
        self.path = "/"
        self.token = str(uuid.uuid4())
        self.compress = compress
        self.state: dict[str, dict[str, Any]] = {}
        self.wire_bytes = 0  # bytes of websocket payload as received (compressed)
        self.text_bytes = 0  # the same payloads, decompressed
        self.updates = 0
        self.on_delta: Callable[[dict[str, dict[str, Any]], float], None] | None = None
        self._session: aiohttp.ClientSession | None = None
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._reader: asyncio.Task | None = None
        self._connected = asyncio.Event()

    # --- lifecycle -------------------------------------------------------
    async def open(self, path: str) -> None:
        """Connect and hydrate ``path`` (runs its on_load), like a page load."""
        self.path = path
        url = self.base_url.replace("http", "ws", 1)
        self._session = aiohttp.ClientSession()
        self._ws = await self._session.ws_connect(
            f"{url}{NS}/?EIO=4&transport=websocket&token={self.token}",
            compress=15 if self.compress else 0,
            max_msg_size=0,
            headers={**self.headers, **self._cookie_header()},
        )
        _patch_byte_counter(self)
        opening = await self._ws.receive()
        if not str(opening.data).startswith("0"):
            raise RuntimeError(f"unexpected engine.io open: {opening.data!r}")
        boot = self._event(f"{ROOT_STATE}.hydrate_and_load", {}, path)
        await self._ws.send_str(f"40{NS},{json.dumps({'event': boot})}")
        self._reader = asyncio.create_task(self._read())
        await asyncio.wait_for(self._connected.wait(), 30)

    def _cookie_header(self) -> dict[str, str]:
        if not self.cookies:
            return {}
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}

    async def close(self) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(BaseException):
                await self._reader
        if self._ws is not None:
            await self._ws.close()
        if self._session is not None:
            await self._session.close()

    # --- sending ---------------------------------------------------------
    def _event(self, name: str, payload: dict, path: str) -> dict:
        return {
            "name": name,
            "payload": payload,
            "router_data": {"pathname": path, "asPath": path, "query": {}},
        }

    async def emit(
        self, handler: str, payload: dict | None = None, path: str = "/"
    ) -> None:
        """Call a state handler, e.g. ``f"{BOOK_STATE}.approve"``."""
        assert self._ws is not None
        event = self._event(handler, payload or {}, path or self.path)
        await self._ws.send_str(f"42{NS},{json.dumps(['event', event])}")

    # --- receiving -------------------------------------------------------
    def var(self, state: str, name: str, default: Any = None) -> Any:
        return self.state.get(state, {}).get(delta_key(name), default)

    async def wait_for(self, predicate: Callable[[], object], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError("condition not met in time")
            await asyncio.sleep(0.02)

    async def _read(self) -> None:
        assert self._ws is not None
        async for msg in self._ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            data: str = msg.data
            self.text_bytes += len(data.encode())
            if self.frames is not None:
                self.frames.append(data)
            if data == "2":  # engine.io ping
                await self._ws.send_str("3")
            elif data.startswith(f"40{NS}"):
                self._connected.set()
            elif data.startswith(f"42{NS},"):
                name, *args = json.loads(data[len(NS) + 3 :])
                if name == "event" and args:
                    self._apply(args[0])
                    await self._chain(args[0].get("events") or [])

    async def _chain(self, events: list[dict]) -> None:
        """Send back the backend events a handler returned, as the browser does.

        Names starting with ``_`` (redirect, scripts) are browser-only: skipped.
        """
        for ev in events:
            name = ev.get("name", "")
            if name and not name.startswith("_"):
                await self.emit(name, ev.get("payload") or {}, self.path)

    def _apply(self, update: dict) -> None:
        now = time.monotonic()
        delta = update.get("delta") or {}
        for state, values in delta.items():
            self.state.setdefault(state, {}).update(values)
        self.updates += 1
        if self.on_delta is not None and delta:
            self.on_delta(delta, now)


def _patch_byte_counter(client: ReflexClient) -> None:
    """Count bytes as they come off the TCP socket (frames, compressed)."""
    ws = client._ws
    assert ws is not None and ws._conn is not None
    protocol = ws._conn.protocol
    assert protocol is not None
    original = protocol.data_received

    def data_received(data: bytes) -> None:
        client.wire_bytes += len(data)
        original(data)

    protocol.data_received = data_received

"""Contract of bookgen/state/reflex_bridge.py with the installed Reflex.

The adapter reaches under Reflex's public API; each test here pins one thing
it relies on, against the real classes, so a Reflex upgrade that changes any of
them fails here with a message saying what to re-check.
"""

from __future__ import annotations

import dataclasses
import inspect
import json
from importlib.metadata import version
from typing import Any

import pytest
import reflex as rx
from reflex.app import App, EventNamespace
from reflex.state import State, StateUpdate
from reflex.utils.token_manager import SocketRecord, TokenManager
from reflex_base.utils.serializers import serialize

from bookgen.state.book import BookState
from bookgen.state.reflex_bridge import (
    WRITTEN_FOR,
    SocketRooms,
    delta_key,
    state_update,
)

NS = "/_event"


def test_the_adapter_was_written_for_the_installed_reflex():
    assert version("reflex") == WRITTEN_FOR, (
        f"Reflex {version('reflex')} is installed; reflex_bridge.py was checked "
        f"against {WRITTEN_FOR}. Run this file, re-check the module, bump WRITTEN_FOR."
    )


def test_a_hand_built_update_equals_the_one_reflex_sends():
    """The delta shape of one var: state full name -> {var + marker: value}."""
    make_root: Any = State  # as Reflex's state managers build a tab's state
    root = make_root(_reflex_internal_init=True)
    book = root.get_substate(BookState.get_full_name().split("."))
    root._clean()
    book.live = "m1:0:hello"
    reflex_sends = serialize(StateUpdate(delta=root.get_delta()))
    assert isinstance(reflex_sends, dict)
    assert state_update(BookState, {"live": "m1:0:hello"}) == reflex_sends
    assert delta_key("live") in reflex_sends["delta"][BookState.get_full_name()]


def test_the_event_namespace_offers_what_the_rooms_use():
    assert isinstance(inspect.getattr_static(App, "event_namespace"), property)
    tokens = TokenManager.create()
    assert isinstance(tokens.token_to_socket, dict) and tokens.instance_id
    assert {f.name for f in dataclasses.fields(SocketRecord)} >= {"sid", "instance_id"}
    for name in ("enter_room", "leave_room", "emit", "link_token_to_sid"):
        assert inspect.iscoroutinefunction(getattr(EventNamespace, name)), name


@pytest.fixture
async def mounted_app(tmp_path, monkeypatch):
    """An app with its socket server and namespace, as Reflex mounts it."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'app.db'}")
    app = rx.App()
    app._enable_state()
    assert app.sio is not None and app.event_namespace is not None
    return app


async def test_rooms_reach_exactly_the_sockets_of_a_book(mounted_app: App):
    sio, namespace = mounted_app.sio, mounted_app.event_namespace
    assert sio is not None and namespace is not None
    wire: list[tuple[str, str]] = []

    async def capture(eio_sid: str, packet) -> None:  # what goes on the socket
        wire.append((eio_sid, packet.data))

    sio._send_eio_packet = capture  # type: ignore[method-assign]
    manager: Any = sio.manager  # python-socketio types it as the sync base class
    sids = [await manager.connect(f"eio-{n}", NS) for n in range(2)]
    for n, sid in enumerate(sids):
        await namespace.link_token_to_sid(sid, f"tab-{n}", update_state=False)

    rooms = SocketRooms(mounted_app, BookState, "live")
    assert rooms.connected("tab-0") and not rooms.connected("no-such-tab")
    # A tab whose socket lives on another worker (Redis deployments list those
    # too) is not connected here, and joins no room here.
    tokens = namespace._token_manager
    tokens.token_to_socket["tab-elsewhere"] = SocketRecord(
        instance_id="another-worker", sid="sid-elsewhere"
    )
    assert not rooms.connected("tab-elsewhere")
    assert await rooms.add(7, "tab-elsewhere") is None
    member = await rooms.add(7, "tab-0")
    assert member == sids[0]
    assert await rooms.add(7, "no-such-tab") is None

    await rooms.send(7, "m1:0:hi")
    assert len(wire) == 1 and wire[0][0] == "eio-0"
    prefix = f"2{NS},"  # socket.io EVENT packet on the namespace
    assert wire[0][1].startswith(prefix)
    name, update = json.loads(wire[0][1][len(prefix) :])
    assert (name, update) == ("event", state_update(BookState, {"live": "m1:0:hi"}))

    await rooms.remove(7, sids[0])
    await rooms.send(7, "m1:2:!")
    assert len(wire) == 1, "a socket that left the room still got pushes"


def test_the_handshake_cookie_reaches_handlers_but_never_the_browser():
    """``request_cookie_header`` reads the websocket handshake's Cookie header
    from the router; Reflex must fill it server-side and leave it out of the
    router it serializes for the page (the session token is in it)."""
    from reflex.istate.data import RouterData
    from reflex_base.utils.format import json_dumps

    from bookgen.state.reflex_bridge import (
        client_address,
        page_origin,
        request_cookie_header,
    )

    router_data = {
        "headers": {
            "cookie": "bookgen_session=tok123",
            "origin": "https://books.example",
        },
        "ip": "10.1.2.3",
        "pathname": "/",
    }
    state = State(_reflex_internal_init=True)  # pyright: ignore[reportCallIssue]
    state.router_data = router_data
    state.router = RouterData.from_router_data(router_data)
    assert request_cookie_header(state) == "bookgen_session=tok123"
    assert page_origin(state) == "https://books.example"
    assert client_address(state) == "10.1.2.3"
    sent = json_dumps(state.router)
    assert "books.example" in sent  # headers are serialized...
    assert "tok123" not in sent  # ...but not the cookie

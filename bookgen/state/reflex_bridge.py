"""The one module that reaches under Reflex's public API.

Written for Reflex 0.10.1 (``WRITTEN_FOR``). It relies on:
- ``reflex_base.constants.state.FIELD_MARKER``: the suffix of a var's name in
  the deltas the browser applies (``live`` travels as ``live_rx_state_``);
- the shape of a state update on the socket: ``{"delta": {<full state name>:
  {<var + marker>: value}}}`` emitted as socket.io event ``"event"``;
- ``App.event_namespace`` (the socket.io namespace), its token manager's
  ``token_to_socket`` records (``sid``, ``instance_id``) and ``instance_id``
  (the public ``token_to_sid`` copies the whole map on every read, and in a
  Redis deployment lists other workers' sockets too), plus python-socketio's
  ``enter_room`` / ``leave_room`` / ``emit``;
- ``state.router.headers.cookie``: the ``Cookie`` header of the tab's
  websocket handshake, filled by the server from the connection (a client's
  event cannot override it) and left out when the router is serialized for the
  browser; ``.origin`` (the page's origin) and ``session.client_ip`` likewise.

tests/state/test_reflex_bridge.py checks each of these against the installed
Reflex, so an upgrade that changes one fails there, loudly, not in production.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from reflex_base.constants.state import FIELD_MARKER

if TYPE_CHECKING:
    import reflex as rx
    from reflex.app import EventNamespace

__all__ = [
    "WRITTEN_FOR",
    "SocketRooms",
    "client_address",
    "delta_key",
    "page_origin",
    "request_cookie_header",
    "state_update",
]

WRITTEN_FOR = "0.10.1"


def delta_key(var_name: str) -> str:
    """A var's name as it appears in a delta (and in the browser's state)."""
    return var_name + FIELD_MARKER


def state_update(state: type[rx.State], values: dict[str, Any]) -> dict[str, Any]:
    """The socket message Reflex itself sends when ``values`` change on ``state``."""
    return {
        "delta": {state.get_full_name(): {delta_key(k): v for k, v in values.items()}}
    }


def request_cookie_header(state: rx.State) -> str:
    """The ``Cookie`` header the tab's websocket was opened with (server-only)."""
    return state.router.headers.cookie


def page_origin(state: rx.State) -> str:
    """The origin of the page the tab runs in (the handshake's Origin header)."""
    return state.router.headers.origin


def client_address(state: rx.State) -> str:
    """The client's IP address as the server saw the connection."""
    return state.router.session.client_ip


class SocketRooms:
    """A LiveTransport over Reflex's socket.io namespace: one room per book.

    A push is encoded once and sent to every socket in the room, skipping the
    per-tab state machinery; the message is a delta of one var of ``state``.
    """

    def __init__(self, app: rx.App, state: type[rx.State], var_name: str) -> None:
        self._app = app
        self._state = state
        self._var_name = var_name

    @staticmethod
    def room(book_id: int) -> str:
        return f"bookgen-book-{book_id}"

    def _namespace(self) -> EventNamespace | None:
        # Set once the app is mounted; None while it compiles or in unit tests.
        return self._app.event_namespace

    @staticmethod
    def _local_sid(namespace: EventNamespace, token: str) -> str | None:
        """The socket id of the tab if its socket is on this worker: one dict
        lookup (hundreds of watchers ask every few seconds)."""
        tokens = namespace._token_manager
        record = tokens.token_to_socket.get(token)
        if record is None or record.instance_id != tokens.instance_id:
            return None
        return record.sid

    def connected(self, token: str) -> bool:
        """The tab with this client token has a socket on this worker."""
        namespace = self._namespace()
        return namespace is None or self._local_sid(namespace, token) is not None

    async def add(self, book_id: int, token: str) -> str | None:
        namespace = self._namespace()
        if namespace is None:
            return None
        sid = self._local_sid(namespace, token)
        if sid is not None:
            await namespace.enter_room(sid, self.room(book_id))
        return sid

    async def remove(self, book_id: int, member: str) -> None:
        namespace = self._namespace()
        if namespace is not None:
            await namespace.leave_room(member, self.room(book_id))

    async def send(self, book_id: int, value: str) -> None:
        namespace = self._namespace()
        if namespace is not None:
            update = state_update(self._state, {self._var_name: value})
            await namespace.emit("event", update, to=self.room(book_id))

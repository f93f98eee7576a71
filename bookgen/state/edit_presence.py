"""Who is editing: the tab side of presence (rows in ``edit_presence``).

Design: one SQL row per tab with an open editor, holding an ``until`` time
(storage/edits.py). Every worker reads the same table, so a viewer on any
worker sees every editor; each change of presence publishes a ChangeEvent, so
every tab's overview (which carries the editors) reloads at once. The row is
renewed every RENEW_S by the editing tab's own watcher (book.py), which runs in
the worker serving that tab, and removed on save, cancel, or when the watcher
ends (the tab closed or left the book). If a worker dies, its rows expire
after TTL_S; each live channel reloads at the earliest expiry (live.py), so
the note goes away without anyone having to publish.

The set of tabs editing in this process lets a watcher know, without a query,
whether it has anything to renew. Nothing here imports Reflex.
"""

from __future__ import annotations

import logging
import time

from bookgen.generation.hub import ChangeEvent, Hub
from bookgen.state.edit_views import tab_key
from bookgen.storage.store import Store

__all__ = [
    "RENEW_S",
    "TTL_S",
    "editing_closed",
    "editing_opened",
    "keep_alive",
    "tab_left",
]

log = logging.getLogger(__name__)

# A presence row lives this long without a heartbeat; the watcher renews it
# well before (its loop wakes at least every couple of seconds).
TTL_S = 30.0
RENEW_S = 10.0

# Tab key -> when this process last renewed its row (monotonic seconds).
_renewed: dict[str, float] = {}


async def editing_opened(
    store: Store,
    hub: Hub,
    client_token: str,
    *,
    book_id: int,
    message_id: int,
    name: str,
) -> None:
    tab = tab_key(client_token)
    await store.edits.enter(
        tab, book_id=book_id, message_id=message_id, name=name, ttl_s=TTL_S
    )
    _renewed[tab] = time.monotonic()
    await hub.publish(ChangeEvent(book_id))


async def editing_closed(store: Store, hub: Hub, client_token: str) -> None:
    """Saved or cancelled: the others stop seeing the note now."""
    tab = tab_key(client_token)
    _renewed.pop(tab, None)
    book_id = await store.edits.leave(tab)
    if book_id is not None:
        await hub.publish(ChangeEvent(book_id))


async def keep_alive(store: Store, client_token: str) -> None:
    """The watcher's heartbeat: renew this tab's row if it is editing."""
    tab = tab_key(client_token)
    last = _renewed.get(tab)
    if last is None or time.monotonic() - last < RENEW_S:
        return
    _renewed[tab] = time.monotonic()
    try:
        await store.edits.renew(tab, TTL_S)
    except Exception:  # a database hiccup must not end the tab's watcher
        log.exception("could not renew an editor's presence")


async def tab_left(store: Store, hub: Hub, client_token: str) -> None:
    """The tab's watcher ended (closed, navigated away): it edits no more."""
    if tab_key(client_token) not in _renewed:
        return
    try:
        await editing_closed(store, hub, client_token)
    except Exception:  # the row expires on its own (TTL_S)
        log.exception("could not clear an editor's presence")

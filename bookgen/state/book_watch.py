"""Keeping one tab of a book live: its watcher, a background event of BookState.

Each tab joins its worker's channel for the book (live.py) and applies every
overview the channel reads, the version of the book shown included (a branch
switch in any tab reaches every tab); it re-checks the session and the book's
sharing every few seconds, and clears the tab when either is gone.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from bookgen.accounts import Viewer
from bookgen.runtime import get_channels, get_service, viewer_for
from bookgen.state.edit_presence import keep_alive, tab_left
from bookgen.state.history import HISTORY_MAX
from bookgen.storage.store import ThreadPage

if TYPE_CHECKING:
    from bookgen.state.book import BookState

__all__ = ["ACCESS_CHECK_S", "follow_book", "older_page"]

# How often a watcher re-checks the session and the book's sharing.
ACCESS_CHECK_S = 2.0


async def older_page(book_id: int, since: int, before: int) -> ThreadPage:
    """The older messages a tab loaded by scrolling back, read again."""
    return await get_service().store.thread_page(
        book_id, since=since, before=before, limit=HISTORY_MAX
    )


async def follow_book(tab: BookState):
    """The watcher's loop; returns what the background event returns."""
    async with tab:
        book_id, watch_id = tab._book_id, tab._watch_id
        if not book_id or not watch_id or tab._watching == watch_id:
            return None
        tab._watching = watch_id
        token = tab.router.session.client_token
        session = tab._session_token()
    viewer = await viewer_for(session)
    book = await get_service().store.get_book(book_id)
    if viewer is None or book is None or not viewer.can_view(book):
        return await _leave(tab, watch_id, viewer)
    channels = get_channels()
    channel, member = await channels.join(book_id, token)
    try:
        seen, checked = 0, time.monotonic()
        while True:
            change = await channel.wait_change(seen, ACCESS_CHECK_S)
            if time.monotonic() - checked >= ACCESS_CHECK_S:
                viewer, checked = await viewer_for(session), time.monotonic()
                if viewer is None:
                    break
                await keep_alive(get_service().store, token)
            if change is None:
                # Idle: checked against this worker's memory, not the
                # database or the state store (hundreds of tabs do this).
                if not channels.transport.connected(token):
                    return None
                if not channels.is_watching(token, watch_id):
                    return None  # the tab moved on to another book
                current = channel.overview
                if current is None or not viewer.can_view(current.book):
                    break
                continue
            seen, overview = change
            if not viewer.can_view(overview.book):
                break
            async with tab:
                if tab._watch_id != watch_id or tab._book_id != book_id:
                    return None
                tab._apply(overview, viewer)
                older = (tab._older_from, tab._thread_from)
            if older[0]:  # this tab scrolled back: its older bubbles too
                page = await older_page(book_id, *older)
                async with tab:
                    if tab._watch_id != watch_id:
                        return None
                    if (tab._older_from, tab._thread_from) == older:
                        tab._set_older(page, viewer)
    finally:
        channels.done_watching(token, watch_id)
        await channels.leave(book_id, member)
        await tab_left(get_service().store, get_service().hub, token)
        async with tab:
            if tab._watching == watch_id:
                tab._watching = ""
    return await _leave(tab, watch_id, viewer)


async def _leave(tab: BookState, watch_id: str, viewer: Viewer | None):
    """The watcher lost its viewer or their access: clear the tab."""
    async with tab:
        if tab._watching == watch_id:
            tab._watching = ""
        if tab._watch_id != watch_id:
            return None
        if viewer is None:
            tab.signed_in = False
            return tab._signed_out()
        tab._forget()
        tab.notice = ""
    return None

"""Book page state: one tab's view of one book, kept live by a watcher task.

Every tab subscribes to the book's hub channel; the generation itself runs in
the service, not in any tab, so closing tabs never stops it. Live text travels
as (message key, offset, chunk): only new text crosses the websocket.
"""

from __future__ import annotations

import asyncio
import uuid

import reflex as rx
from reflex_base.registry import RegistrationContext

from bookgen.config import get_settings
from bookgen.generation.hub import ChangeEvent, Event, TextEvent
from bookgen.runtime import get_service
from bookgen.state.views import chapter_views, outline_view, thread_views

__all__ = ["BookState"]

# How often an idle watcher checks that its tab is still there.
IDLE_CHECK_S = 5.0


def _coalesce(events: list[Event]) -> tuple[bool, TextEvent | None]:
    """Merge a burst of events: reload once, and join contiguous text."""
    reload, text = False, None
    for ev in events:
        if isinstance(ev, ChangeEvent):
            reload = True
        elif (
            text is not None
            and ev.message_id == text.message_id
            and ev.offset == text.offset + len(text.text)
        ):
            text = TextEvent(
                ev.book_id, ev.message_id, text.offset, text.text + ev.text
            )
        else:
            text = ev
    return reload, text


def _tab_connected(token: str) -> bool:
    try:
        namespace = RegistrationContext.get().app.event_namespace
    except Exception:
        return True
    return namespace is None or token in namespace.token_to_sid


class BookState(rx.State):
    book_id: int = 0
    found: bool = True
    title: str = ""
    status: str = ""
    version: int = 0
    chapter_count: int = 0
    chapters_done: int = 0
    model: str = ""
    thread: list[dict[str, str]] = []
    outline: dict[str, str] = {}
    chapters: list[dict[str, str]] = []
    # The live tail: text of message ``live_key`` starting at ``live_offset``.
    live_key: str = ""
    live_offset: int = 0
    live_chunk: str = ""
    feedback: str = ""
    notice: str = ""
    # Random id of the worker process serving this tab (shows up in tests/ops).
    served_by: str = ""
    _watch_id: str = ""

    @rx.var
    def offline(self) -> bool:
        return get_settings().offline

    @rx.var
    def progress(self) -> int:
        return round(100 * self.chapters_done / max(self.chapter_count, 1))

    # --- loading and watching -------------------------------------------
    @rx.event
    async def load_book(self):
        raw = self.router.url.path.rstrip("/").rsplit("/", 1)[-1]
        try:
            self.book_id = int(raw)
        except (TypeError, ValueError):
            self.book_id, self.found = 0, False
            return None
        self._watch_id = uuid.uuid4().hex
        self.notice = ""
        self.served_by = get_service().owner
        if not await self._refresh():
            return None
        return [BookState.watch, BookState.run_book(self.book_id)]

    async def _refresh(self) -> bool:
        snap = await get_service().store.snapshot(self.book_id)
        self._apply_snapshot(snap)
        return snap is not None

    def _apply_snapshot(self, snap) -> None:
        if snap is None:
            self.found = False
            return
        book = snap.book
        self.found = True
        self.title, self.status, self.version = book.title, book.status, book.version
        self.chapter_count, self.chapters_done = book.chapter_count, book.chapters_done
        self.model = book.model
        self.thread = thread_views(snap)
        self.outline = outline_view(snap)
        self.chapters = chapter_views(snap)
        self.live_key, self.live_offset, self.live_chunk = "", 0, ""

    @rx.event(background=True)
    async def watch(self):
        """Follow the book's hub channel for as long as this tab shows it."""
        async with self:
            book_id, watch_id = self.book_id, self._watch_id
            token = self.router.session.client_token
        service = get_service()
        async with service.hub.subscribe(book_id) as queue:
            # Subscribed first, then re-read: nothing between the two is missed.
            snap = await service.store.snapshot(book_id)
            async with self:
                if self._watch_id != watch_id:
                    return
                self._apply_snapshot(snap)
            while True:
                try:
                    first = await asyncio.wait_for(queue.get(), IDLE_CHECK_S)
                except TimeoutError:
                    if not _tab_connected(token):
                        return
                    continue
                events = [first]
                while not queue.empty():
                    events.append(queue.get_nowait())
                reload, text = _coalesce(events)
                snap = await service.store.snapshot(book_id) if reload else None
                async with self:
                    if self._watch_id != watch_id or self.book_id != book_id:
                        return
                    if snap is not None:
                        self._apply_snapshot(snap)
                    if text is not None:
                        self.live_key = f"m{text.message_id}"
                        self.live_offset = text.offset
                        self.live_chunk = text.text

    @rx.event(background=True)
    async def run_book(self, book_id: int):
        """Host the runner for a book that should be writing; no-op if one runs."""
        await get_service().run(int(book_id))

    @rx.event
    async def resync(self, _length: int):
        """The client saw a gap in the live text: send the full text once."""
        await self._refresh()

    # --- author actions --------------------------------------------------
    @rx.event
    def set_feedback(self, value: str):
        self.feedback = value

    @rx.event
    async def approve(self):
        result = await get_service().approve(self.book_id, self.version)
        return await self._after_action(result.ok, result.reason)

    @rx.event
    async def reject(self):
        result = await get_service().reject(self.book_id, self.feedback, self.version)
        if result.ok:
            self.feedback = ""
        return await self._after_action(result.ok, result.reason)

    @rx.event
    async def stop(self):
        result = await get_service().stop(self.book_id)
        return await self._after_action(result.ok, result.reason, run=False)

    @rx.event
    async def resume(self):
        result = await get_service().resume(self.book_id)
        return await self._after_action(result.ok, result.reason)

    async def _after_action(self, ok: bool, reason: str, run: bool = True):
        self.notice = "" if ok else reason
        await self._refresh()
        if ok and run:
            return BookState.run_book(self.book_id)
        return None

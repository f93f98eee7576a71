"""Book page state: one tab's view of one book.

The generation runs in the service, not in any tab, so closing tabs never
stops it. Each tab joins its worker's live channel for the book (see live.py):
chunks reach it as (message key, offset, chunk) deltas, and other changes as a
fresh overview. Message text itself is fetched over HTTP by the page.
"""

from __future__ import annotations

import os
import uuid

import reflex as rx
from reflex_base.registry import RegistrationContext

from bookgen.config import get_settings
from bookgen.runtime import get_service
from bookgen.state.live import Channels
from bookgen.state.views import chapter_views, outline_view, thread_views
from bookgen.storage.store import BookOverview

__all__ = ["BookState"]

# How often an idle watcher checks that its tab is still there.
IDLE_CHECK_S = 5.0
_channels: Channels | None = None


def _namespace():
    try:
        return RegistrationContext.get().app.event_namespace
    except Exception:
        return None


class SocketRooms:
    """LiveTransport over Reflex's socket.io namespace: one room per book.

    A push is encoded once and sent to every socket in the room, skipping the
    per-tab state machinery; the delta has the shape Reflex itself sends.
    """

    @staticmethod
    def room(book_id: int) -> str:
        return f"bookgen-book-{book_id}"

    async def add(self, book_id: int, token: str) -> str | None:
        namespace = _namespace()
        sid = namespace.token_to_sid.get(token) if namespace is not None else None
        if sid is not None:
            await namespace.enter_room(sid, self.room(book_id))
        return sid

    async def remove(self, book_id: int, member: str) -> None:
        namespace = _namespace()
        if namespace is not None:
            await namespace.leave_room(member, self.room(book_id))

    async def send(self, book_id: int, delta: dict[str, object]) -> None:
        namespace = _namespace()
        if namespace is not None:
            update = {"delta": {BookState.get_full_name(): delta}}
            await namespace.emit("event", update, to=self.room(book_id))


def channels() -> Channels:
    global _channels
    if _channels is None:
        service = get_service()
        _channels = Channels(
            hub=service.hub,
            store=service.store,
            transport=SocketRooms(),
            timestamps=os.environ.get("BOOKGEN_BENCH_TIMESTAMPS") == "1",
        )
    return _channels


def _tab_connected(token: str) -> bool:
    namespace = _namespace()
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
    # The live tail, pushed by the channel as "m<id>:<offset>:<text>" (see
    # live.py). ``live_at`` (ms) is pushed in benchmark mode only.
    live: str = ""
    live_at: int = 0
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
        overview = await get_service().store.overview(self.book_id)
        self._apply(overview)
        if overview is None:
            return None
        if get_service().needs_runner(overview.book):
            return [BookState.watch, BookState.run_book(self.book_id)]
        return BookState.watch

    async def _refresh(self) -> bool:
        overview = await get_service().store.overview(self.book_id)
        self._apply(overview)
        return overview is not None

    def _apply(self, ov: BookOverview | None) -> None:
        if ov is None:
            self.found = False
            return
        book = ov.book
        self.found = True
        self.title, self.status, self.version = book.title, book.status, book.version
        self.chapter_count, self.chapters_done = book.chapter_count, book.chapters_done
        self.model = book.model
        self.thread = thread_views(ov)
        self.outline = outline_view(ov)
        self.chapters = chapter_views(ov)

    @rx.event(background=True)
    async def watch(self):
        """Apply the book's changes to this tab for as long as it shows the book."""
        async with self:
            book_id, watch_id = self.book_id, self._watch_id
            token = self.router.session.client_token
        channel, member = await channels().join(book_id, token)
        try:
            seen = 0
            while True:
                change = await channel.wait_change(seen, IDLE_CHECK_S)
                if change is None:
                    if not _tab_connected(token):
                        return
                    async with self:
                        if self._watch_id != watch_id:
                            return
                    continue
                seen, overview = change
                async with self:
                    if self._watch_id != watch_id or self.book_id != book_id:
                        return
                    self._apply(overview)
        finally:
            await channels().leave(book_id, member)

    @rx.event(background=True)
    async def run_book(self, book_id: int):
        """Host the runner for a book that should be writing; no-op if one runs."""
        await get_service().run(int(book_id))

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

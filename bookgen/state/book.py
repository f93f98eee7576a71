"""Book page state: one tab's view of one book.

The generation runs in the service, not in any tab, so closing tabs never
stops it. Each tab joins its worker's live channel for the book (see live.py):
chunks reach it as (message key, offset, chunk) values of ``live``, and other
changes as a fresh overview. Message text itself is fetched over HTTP.

Handlers act on the book the page loaded (``_book_id``, from the URL): none
takes a book id from the client.
"""

from __future__ import annotations

import uuid

import reflex as rx

from bookgen import routes
from bookgen.config import get_settings
from bookgen.generation.outline import count_notice
from bookgen.generation.service import FEEDBACK_TOO_LONG, ActionResult
from bookgen.runtime import get_channels, get_service
from bookgen.state.views import (
    ChapterView,
    TextView,
    ThreadEntry,
    chapter_views,
    outline_view,
    percent_done,
    thread_views,
)
from bookgen.storage.models import ACTIVE_STATUSES, FEEDBACK_CHARS, BookStatus
from bookgen.storage.store import BookOverview

__all__ = ["BookState"]

# How often an idle watcher checks that its tab is still there.
IDLE_CHECK_S = 5.0
FEEDBACK_NOT_TEXT = "Feedback must be text."


class BookState(rx.State):
    found: rx.Field[bool] = rx.field(True)
    title: rx.Field[str] = rx.field("")
    status: rx.Field[BookStatus | None] = rx.field(None)
    chapter_count: rx.Field[int] = rx.field(0)
    chapters_done: rx.Field[int] = rx.field(0)
    percent_done: rx.Field[int] = rx.field(0)
    model: rx.Field[str] = rx.field("")
    thread: rx.Field[list[ThreadEntry]] = rx.field(default_factory=list)
    outline: rx.Field[TextView | None] = rx.field(None)
    chapters: rx.Field[list[ChapterView]] = rx.field(default_factory=list)
    # The live tail, pushed by the channel as "m<id>:<offset>:<text>" (live.py).
    live: rx.Field[str] = rx.field("")
    feedback: rx.Field[str] = rx.field("")
    notice: rx.Field[str] = rx.field("")
    # When the outline awaiting approval lists a different number of chapters.
    outline_notice: rx.Field[str] = rx.field("")
    # Random id of the worker process serving this tab (shows up in tests/ops).
    served_by: rx.Field[str] = rx.field("")
    _book_id: int = 0
    _version: int = 0
    _watch_id: str = ""

    # --- what the page shows ---------------------------------------------
    @rx.var
    def offline(self) -> bool:
        return get_settings().offline

    @rx.var
    def is_active(self) -> bool:
        """A runner should be writing: Stop is offered."""
        return self.status in ACTIVE_STATUSES

    @rx.var
    def awaiting_approval(self) -> bool:
        return self.status == BookStatus.AWAITING_APPROVAL

    @rx.var
    def is_stopped(self) -> bool:
        return self.status == BookStatus.STOPPED

    @rx.var
    def has_failed(self) -> bool:
        return self.status == BookStatus.ERROR

    @rx.var
    def waiting_for_reply(self) -> bool:
        """Active, and the author spoke last: the reply has not started yet."""
        return (
            self.status in ACTIVE_STATUSES
            and bool(self.thread)
            and self.thread[-1].is_user
        )

    # --- loading and watching -------------------------------------------
    @rx.event
    async def load_book(self):
        """on_load: show the book named by the URL, and keep it live."""
        self._watch_id = uuid.uuid4().hex
        self.notice = ""
        self.served_by = get_service().owner
        book_id = routes.book_id_from_path(self.router.url.path)
        overview = await get_service().store.overview(book_id) if book_id else None
        self._book_id = book_id or 0
        self._apply(overview)
        if overview is None:
            return None
        if get_service().needs_runner(overview.book):
            get_service().start(self._book_id)
        return BookState.watch

    async def _refresh(self) -> None:
        self._apply(await get_service().store.overview(self._book_id))

    def _apply(self, ov: BookOverview | None) -> None:
        if ov is None:
            self.found = False
            return
        book = ov.book
        self.found = True
        self.title, self.status = book.title, BookStatus(book.status)
        self._version = book.version
        self.chapter_count, self.chapters_done = book.chapter_count, book.chapters_done
        self.percent_done = percent_done(book.chapters_done, book.chapter_count)
        self.model = book.model
        self.thread = thread_views(ov)
        self.outline = outline_view(ov)
        self.chapters = chapter_views(ov)
        awaiting = book.status == BookStatus.AWAITING_APPROVAL
        self.outline_notice = (
            count_notice(ov.outline_text, book.chapter_count) if awaiting else ""
        )

    @rx.event(background=True)
    async def watch(self):
        """Apply the book's changes to this tab for as long as it shows the book."""
        async with self:
            book_id, watch_id = self._book_id, self._watch_id
            token = self.router.session.client_token
        if not book_id:
            return
        channels = get_channels()
        channel, member = await channels.join(book_id, token)
        try:
            seen = 0
            while True:
                change = await channel.wait_change(seen, IDLE_CHECK_S)
                if change is None:
                    if not channels.transport.connected(token):
                        return
                    async with self:
                        if self._watch_id != watch_id:
                            return
                    continue
                seen, overview = change
                async with self:
                    if self._watch_id != watch_id or self._book_id != book_id:
                        return
                    self._apply(overview)
        finally:
            await channels.leave(book_id, member)

    # --- author actions --------------------------------------------------
    @rx.event
    def set_feedback(self, value: str):
        """Keep what the author types; the client may send anything, though."""
        if not isinstance(value, str):
            self.notice = FEEDBACK_NOT_TEXT
        elif len(value) > FEEDBACK_CHARS.high:
            self.notice = FEEDBACK_TOO_LONG
        else:
            self.feedback = value
            if self.notice in (FEEDBACK_NOT_TEXT, FEEDBACK_TOO_LONG):
                self.notice = ""

    @rx.event
    async def approve(self):
        if not self._book_id:
            return
        result = await get_service().approve(self._book_id, self._version)
        await self._after_action(result)

    @rx.event
    async def reject(self):
        if not self._book_id:
            return
        service = get_service()
        result = await service.reject(self._book_id, self.feedback, self._version)
        if result.ok:
            self.feedback = ""
        await self._after_action(result)

    @rx.event
    async def stop(self):
        if not self._book_id:
            return
        result = await get_service().stop(self._book_id)
        await self._after_action(result, start_runner=False)

    @rx.event
    async def resume(self):
        """Continue a stopped book, or retry a failed one."""
        if not self._book_id:
            return
        result = await get_service().resume(self._book_id)
        await self._after_action(result)

    async def _after_action(self, result: ActionResult, start_runner: bool = True):
        self.notice = result.reason
        await self._refresh()
        if result.ok and start_runner:
            get_service().start(self._book_id)

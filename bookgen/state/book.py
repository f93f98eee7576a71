"""Book page state: one tab's view of one book.

The generation runs in the service, not in any tab, so closing tabs never
stops it. Each tab joins its worker's live channel for the book (see live.py):
chunks reach it as (message key, offset, chunk) values of ``live``, and other
changes as a fresh overview. Message text itself is fetched over HTTP.

Handlers act on the book the page loaded (``_book_id``, from the URL): none
takes a book id from the client. Every one of them resolves the viewer from
the session cookie and checks, against the book as stored, that the viewer
may see it (and act on it, for actions); a book the viewer may not see is
answered exactly like one that does not exist. The watcher re-checks both
every few seconds, so a revoked session or a book made private leaves the
tab, and its live room, within seconds.
"""

from __future__ import annotations

import uuid

import reflex as rx
from reflex.event import EventSpec

from bookgen import routes
from bookgen.accounts import Viewer
from bookgen.config import get_settings
from bookgen.generation.hub import ChangeEvent
from bookgen.generation.service import FEEDBACK_TOO_LONG, ActionResult
from bookgen.runtime import get_channels, get_service
from bookgen.state.auth import AuthState
from bookgen.state.book_view import forget_book, show_overview
from bookgen.state.book_watch import follow_book, older_page
from bookgen.state.edit_views import EditorView
from bookgen.state.history import (
    MESSAGE_NOT_FOUND,
    UNKNOWN_REACTION,
    older_entries,
    parse_message_id,
    parse_reaction,
    reactor_id,
)
from bookgen.state.views import (
    BranchView,
    ChapterView,
    RedraftView,
    Sharing,
    TextView,
    ThreadEntry,
)
from bookgen.storage.models import (
    ACTIVE_STATUSES,
    FEEDBACK_CHARS,
    THREAD_PAGE,
    Book,
    BookStatus,
)
from bookgen.storage.store import BookOverview, ThreadPage

__all__ = ["NOT_FOUND", "BookState"]

FEEDBACK_NOT_TEXT = "Feedback must be text."
# The one answer for a book that does not exist or that the viewer may not see.
NOT_FOUND = "Book not found."
READ_ONLY = "Only the author can change this book."
AUTHOR_ONLY = "Only the author can change who sees this book."


class BookState(AuthState):
    found: rx.Field[bool] = rx.field(True)
    # The book shown (0: none); its files' URLs are built from it.
    book_id: rx.Field[int] = rx.field(0)
    title: rx.Field[str] = rx.field("")
    status: rx.Field[BookStatus | None] = rx.field(None)
    chapter_count: rx.Field[int] = rx.field(0)
    chapters_done: rx.Field[int] = rx.field(0)
    percent_done: rx.Field[int] = rx.field(0)
    model: rx.Field[str] = rx.field("")
    thread: rx.Field[list[ThreadEntry]] = rx.field(default_factory=list)
    outline: rx.Field[TextView | None] = rx.field(None)
    chapters: rx.Field[list[ChapterView]] = rx.field(default_factory=list)
    # The new version of a chapter, until the author keeps one (state/redraft.py).
    redraft: rx.Field[RedraftView | None] = rx.field(None)
    # The live tail, pushed by the channel as "m<id>:<offset>:<text>" (live.py).
    live: rx.Field[str] = rx.field("")
    feedback: rx.Field[str] = rx.field("")
    notice: rx.Field[str] = rx.field("")
    # This viewer may approve, reject, stop, continue.
    can_act: rx.Field[bool] = rx.field(False)
    # This viewer is the author: may change who sees and drives the book.
    is_author: rx.Field[bool] = rx.field(False)
    sharing: rx.Field[Sharing] = rx.field(Sharing.PRIVATE)
    # Others with an editor open on this book ("Ana is editing chapter 3").
    editors: rx.Field[list[EditorView]] = rx.field(default_factory=list)
    # "12,345 tokens in · 6,789 out · est. $0.01" (generation/usage.py).
    usage: rx.Field[str] = rx.field("")
    # The painted cover's ETag ("" for the drawn one): in the cover's URL.
    cover_version: rx.Field[str] = rx.field("")
    # When the outline awaiting approval lists a different number of chapters.
    outline_notice: rx.Field[str] = rx.field("")
    # Random id of the worker process serving this tab (shows up in tests/ops).
    served_by: rx.Field[str] = rx.field("")
    # The thread has messages before those shown (loaded as the panel scrolls up).
    has_older: rx.Field[bool] = rx.field(False)
    # The book's versions (branches), listed once there are two (state/branches.py).
    branches: rx.Field[list[BranchView]] = rx.field(default_factory=list)
    # The version shown (its thread id): bubbles loaded of another are dropped.
    _branch_id: int = 0
    _book_id: int = 0
    # The overview's window starts at _thread_from; this tab also shows the
    # older messages it loaded, from _older_from (0: none), and more remain
    # before those when _older_more.
    _thread_from: int = 0
    _older_from: int = 0
    _older_more: bool = False
    _version: int = 0
    _watch_id: str = ""
    # The watch id whose watcher is running (one watcher per tab at most).
    _watching: str = ""

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
    def can_regenerate(self) -> bool:
        """A finished book, no new version waiting: a chapter may be rewritten."""
        return (
            self.can_act and self.status == BookStatus.COMPLETE and self.redraft is None
        )

    @rx.var
    def redraft_chapter(self) -> int:
        """The chapter whose new version is shown (0: none)."""
        return self.redraft.number if self.redraft is not None else 0

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

    # --- access -------------------------------------------------------------
    def _forget(self) -> None:
        """Show nothing of the book: it is gone, or not this viewer's to see."""
        forget_book(self)

    def _signed_out(self):
        self._forget()
        self._book_id = 0
        return rx.redirect(routes.SIGN_IN)

    async def _visible_book(self) -> tuple[Viewer, Book] | str | None:
        """The viewer and the tab's book, if they may see it; else the notice
        to give (None: signed out, redirect)."""
        viewer = await self._viewer()
        if viewer is None:
            return None
        book = await get_service().store.get_book(self._book_id)
        if book is None or not viewer.can_view(book):
            self._forget()
            return NOT_FOUND
        return viewer, book

    async def _seen_or_refused(self) -> tuple[Viewer, Book] | EventSpec | None:
        """The viewer and the book for a handler, or what the handler returns
        instead: the redirect of a signed-out tab, or None with the notice set."""
        found = await self._visible_book()
        if found is None:
            return self._signed_out()
        if isinstance(found, str):
            self.notice = found
            return None
        return found

    async def _actable_book(self) -> tuple[Viewer, Book] | str | None:
        found = await self._visible_book()
        if isinstance(found, tuple) and not found[0].can_act(found[1]):
            return READ_ONLY
        return found

    # --- loading and watching -------------------------------------------
    @rx.event
    async def load_book(self):
        """on_load: show the book named by the URL, and keep it live."""
        self._watch_id = uuid.uuid4().hex
        get_channels().watching(self.router.session.client_token, self._watch_id)
        self.notice = ""
        self.served_by = get_service().owner
        viewer = await self._viewer()
        if viewer is None:
            return self._signed_out()
        self._book_id = routes.book_id_from_path(self.router.url.path) or 0
        self._older_from = 0
        overview = await get_service().store.overview(self._book_id)
        if overview is None or not viewer.can_view(overview.book):
            self._forget()
            return None
        self._apply(overview, viewer)
        if get_service().needs_runner(overview.book):
            get_service().start(self._book_id)
        return BookState.watch

    async def _refresh(self, viewer: Viewer) -> None:
        overview = await get_service().store.overview(self._book_id)
        if overview is None or not viewer.can_view(overview.book):
            self._forget()
        else:
            self._apply(overview, viewer)
            if self._older_from:
                page = await older_page(
                    self._book_id, self._older_from, self._thread_from
                )
                self._set_older(page, viewer)

    def _apply(self, ov: BookOverview, viewer: Viewer) -> None:
        show_overview(self, ov, viewer)

    @rx.event(background=True)
    async def watch(self):
        """Apply the book's changes to this tab for as long as it shows the book
        and the viewer may see it (state/book_watch.py)."""
        return await follow_book(self)

    # --- history and reactions --------------------------------------------
    def _set_older(self, page: ThreadPage, viewer: Viewer) -> None:
        window = [e for e in self.thread if e.id >= self._thread_from]
        self.thread = older_entries(page, viewer) + window

    @rx.event
    async def load_older(self):
        """The panel scrolled to its top: show the page before the oldest shown."""
        found = await self._seen_or_refused()
        if not isinstance(found, tuple):
            return found
        if not self.has_older or not self.thread:
            return None
        page = await get_service().store.thread_page(
            self._book_id, before=self.thread[0].id, limit=THREAD_PAGE
        )
        if page.messages:
            self.thread = older_entries(page, found[0]) + list(self.thread)
            self._older_from = page.messages[0].id
        self._older_more = self.has_older = page.has_older
        return None

    @rx.event
    async def react(self, message_id: int, name: str):
        """Add or remove the viewer's reaction to a message of this book.

        Anyone who may see the book may react. A message that does not exist,
        or is not in this page's book, gets the same answer.
        """
        found = await self._seen_or_refused()
        if not isinstance(found, tuple):
            return found
        viewer = found[0]
        reaction, mid = parse_reaction(name), parse_message_id(message_id)
        if reaction is None:
            self.notice = UNKNOWN_REACTION
            return None
        service = get_service()
        book = await service.store.book_of_message(mid) if mid else None
        if mid is None or book is None or book.id != self._book_id:
            self.notice = MESSAGE_NOT_FOUND
            return None
        user = reactor_id(viewer)
        if await service.store.reactions.toggle(mid, user, reaction) is None:
            self.notice = MESSAGE_NOT_FOUND
            return None
        await service.hub.publish(ChangeEvent(self._book_id))
        if self.notice in (MESSAGE_NOT_FOUND, UNKNOWN_REACTION):
            self.notice = ""  # another notice (an action's) stays
        await self._refresh(viewer)
        return None

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

    async def _actor_or_refused(self) -> Viewer | EventSpec | None:
        """Before an action: the viewer if they may act, else what the handler
        returns (a signed-out tab's redirect, or None with the notice set)."""
        found = await self._actable_book()
        if isinstance(found, tuple):
            return found[0]
        if isinstance(found, str):
            self.notice = found
            return None
        return self._signed_out()

    @rx.event
    async def approve(self):
        viewer = await self._actor_or_refused()
        if not isinstance(viewer, Viewer):
            return viewer
        result = await get_service().approve(self._book_id, self._version)
        await self._after_action(viewer, result)
        return None

    @rx.event
    async def reject(self):
        viewer = await self._actor_or_refused()
        if not isinstance(viewer, Viewer):
            return viewer
        service = get_service()
        result = await service.reject(self._book_id, self.feedback, self._version)
        if result.ok:
            self.feedback = ""
        await self._after_action(viewer, result)
        return None

    @rx.event
    async def stop(self):
        viewer = await self._actor_or_refused()
        if not isinstance(viewer, Viewer):
            return viewer
        result = await get_service().stop(self._book_id)
        await self._after_action(viewer, result, start_runner=False)
        return None

    @rx.event
    async def resume(self):
        """Continue a stopped book, or retry a failed one."""
        viewer = await self._actor_or_refused()
        if not isinstance(viewer, Viewer):
            return viewer
        result = await get_service().resume(self._book_id)
        await self._after_action(viewer, result)
        return None

    @rx.event
    async def change_sharing(self, value: str):
        """The author chooses who sees the book and who may act on it."""
        found = await self._seen_or_refused()
        if not isinstance(found, tuple):
            return found
        viewer, book = found
        if not viewer.is_author(book) or viewer.user is None:
            self.notice = AUTHOR_ONLY
            return None
        try:
            sharing = Sharing(value)
        except ValueError:
            self.notice = "Choose who may see the book from the list."
            return None
        service = get_service()
        await service.store.set_sharing(
            self._book_id,
            owner_id=viewer.user.id,
            visibility=sharing.visibility,
            action_policy=sharing.action_policy,
        )
        await service.hub.publish(ChangeEvent(self._book_id))
        self.notice = ""
        await self._refresh(viewer)
        return None

    async def _after_action(
        self, viewer: Viewer, result: ActionResult, start_runner: bool = True
    ) -> None:
        self.notice = result.reason
        await self._refresh(viewer)
        if result.ok and start_runner:
            get_service().start(self._book_id)

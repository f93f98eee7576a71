"""Every query the app makes, as small async functions over one engine.

Status changes are conditional updates (``WHERE status IN ... AND version = ...``)
so concurrent clicks and several workers can never both win. An id that cannot
name a row (negative, or beyond SQL's 64-bit integers) is simply not found.
Every reader of a book's thread reads the path of its shown branch
(storage/branches.py); the page's readers live in storage/overview.py, the
guarded starts in storage/starts.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bookgen.storage.book_search import BookSearch
from bookgen.storage.branches import (
    BranchInfo,
    Fork,
    Moved,
    NewMessage,
    PathRow,
    add_to_thread,
    current_path,
    list_branches,
    path_of,
    switch_branch,
)
from bookgen.storage.chunk_log import ChunkLog
from bookgen.storage.db import make_sessionmaker
from bookgen.storage.edits import MessageEdits, editor_rows
from bookgen.storage.models import (
    MAX_ROW_ID,
    THREAD_PAGE,
    ActionPolicy,
    Book,
    Message,
    MessageStatus,
    Thread,
    Visibility,
    utcnow,
)
from bookgen.storage.overview import (
    BookOverview,
    MessageMeta,
    ThreadPage,
    TokenUsage,
    chunk_texts,
    read_overview,
    read_page,
)
from bookgen.storage.reactions import Reactions
from bookgen.storage.redrafts import Redrafts
from bookgen.storage.runner_writes import RunnerWrites
from bookgen.storage.starts import (
    Counter,
    GuardedStarts,
    Started,
    first_thread,
    fits_int,
    is_row_id,
)

__all__ = [
    "BookOverview",
    "BookSnapshot",
    "BranchInfo",
    "Counter",
    "Fork",
    "MessageMeta",
    "Moved",
    "NewMessage",
    "PathRow",
    "Started",
    "Store",
    "ThreadPage",
    "TokenUsage",
    "is_row_id",
]


@dataclass
class BookSnapshot:
    """A book with its shown branch, each message's full text so far included."""

    book: Book
    messages: list[Message] = field(default_factory=list)

    def text_of(self, message_id: int) -> str:
        for m in self.messages:
            if m.id == message_id:
                return m.content
        raise KeyError(message_id)


class Store(GuardedStarts, RunnerWrites):
    """Async queries over one engine; owns no state besides the session factory."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = make_sessionmaker(engine)
        self.chunk_log = ChunkLog(self._sessions)
        self.reactions = Reactions(self._sessions)
        self.book_search = BookSearch(self._sessions)
        self.edits = MessageEdits(self._sessions)
        self.redrafts = Redrafts(self._sessions, self.edits)

    # --- books -----------------------------------------------------------
    async def create_book(self, book: Book, request: NewMessage) -> Book:
        """Insert a book, its thread and the author's first request, atomically."""
        async with self._sessions() as s, s.begin():
            s.add(book)
            await s.flush()
            await first_thread(s, book)
            await add_to_thread(s, book.id or 0, request)
        return book

    async def list_books(self, limit: int = 200) -> list[Book]:
        """Every book, newest first (single-author mode, tools)."""
        async with self._sessions() as s:
            rows = await s.exec(
                select(Book).order_by(col(Book.created_at).desc()).limit(limit)
            )
            return list(rows.all())

    async def list_books_visible_to(self, user_id: int, limit: int = 200) -> list[Book]:
        """The books a user may see, newest first: their own and the team's.

        The same rule as ``accounts.access.can_view``, as SQL, so nothing the
        user may not see ever leaves the database for their page.
        """
        async with self._sessions() as s:
            rows = await s.exec(
                select(Book)
                .where(
                    or_(
                        col(Book.owner_id) == user_id,
                        col(Book.visibility) == Visibility.TEAM,
                    )
                )
                .order_by(col(Book.created_at).desc())
                .limit(limit)
            )
            return list(rows.all())

    async def book_of_message(self, message_id: int) -> Book | None:
        """The book a message belongs to (for access checks on its text)."""
        if not is_row_id(message_id):
            return None
        async with self._sessions() as s:
            row = await s.exec(
                select(Book)
                .join(Message, col(Message.book_id) == col(Book.id))
                .where(col(Message.id) == message_id)
            )
            return row.first()

    async def set_sharing(
        self,
        book_id: int,
        *,
        owner_id: int,
        visibility: Visibility,
        action_policy: ActionPolicy,
    ) -> bool:
        """Change who sees and drives a book; only if ``owner_id`` is its author.

        The version is left alone: sharing is not a status change, and an
        approval racing it must not fail because of it.
        """
        if not is_row_id(book_id):
            return False
        stmt = (
            update(Book)
            .where(col(Book.id) == book_id)
            .where(col(Book.owner_id) == owner_id)
            .values(
                visibility=visibility, action_policy=action_policy, updated_at=utcnow()
            )
        )
        async with self._sessions() as s, s.begin():
            return (await s.exec(stmt)).rowcount == 1

    async def get_book(self, book_id: int) -> Book | None:
        if not is_row_id(book_id):
            return None
        async with self._sessions() as s:
            return await s.get(Book, book_id)

    async def snapshot(self, book_id: int) -> BookSnapshot | None:
        """The book and its shown branch's messages with chunk text folded in."""
        if not is_row_id(book_id):
            return None
        async with self._sessions() as s:
            book = await s.get(Book, book_id)
            if book is None:
                return None
            # The leaf first, then the messages: each read sees the latest
            # commit, and messages are only ever added, so the leaf is among
            # them. (Read the other way, a message added in between made the
            # leaf unknown and the thread came back empty.)
            leaf = None
            if book.thread_id is not None:
                thread = await s.get(Thread, book.thread_id)
                leaf = thread.leaf_message_id if thread else None
            every = list(
                (
                    await s.exec(
                        select(Message)
                        .where(Message.book_id == book_id)
                        .order_by(col(Message.id))
                    )
                ).all()
            )
            on_path = {r.id for r in path_of([_row(m) for m in every], leaf)}
            msgs = [m for m in every if m.id in on_path]
            live = [m.id for m in msgs if m.id and m.status == MessageStatus.STREAMING]
            pending = await chunk_texts(s, live) if live else {}
        for m in msgs:
            if m.id in pending:
                m.content = m.content + pending[m.id]
        return BookSnapshot(book=book, messages=msgs)

    async def overview(
        self, book_id: int, limit: int = THREAD_PAGE
    ) -> BookOverview | None:
        """Everything but the message texts: cheap to read on every change
        (storage/overview.py)."""
        if not is_row_id(book_id):
            return None
        async with self._sessions() as s:
            book = await s.get(Book, book_id)
            if book is None:
                return None
            overview = await read_overview(s, book, limit)
            overview.editors = await editor_rows(s, book_id)
        return overview

    async def thread_page(
        self, book_id: int, *, before: int, limit: int, since: int = 0
    ) -> ThreadPage:
        """The newest ``limit`` messages of the shown branch with ids in
        [since, before)."""
        if not (is_row_id(book_id) and 0 <= since <= MAX_ROW_ID and limit > 0):
            return ThreadPage([], False, [], "")
        before = min(before, MAX_ROW_ID)
        async with self._sessions() as s:
            return await read_page(s, book_id, before=before, limit=limit, since=since)

    async def path(self, book_id: int) -> list[PathRow]:
        """The shown branch's messages (ids, kinds, chapters), oldest first."""
        if not is_row_id(book_id):
            return []
        async with self._sessions() as s:
            return await current_path(s, book_id)

    async def branches(self, book_id: int) -> list[BranchInfo]:
        """The book's branches, the shown one marked."""
        if not is_row_id(book_id):
            return []
        async with self._sessions() as s:
            book = await s.get(Book, book_id)
            return [] if book is None else await list_branches(s, book)

    async def switch_branch(
        self, book_id: int, thread_id: int, *, version: int | None = None
    ) -> Moved:
        """Show another branch of the book (storage/branches.py)."""
        if not (is_row_id(book_id) and is_row_id(thread_id) and fits_int(version)):
            return Moved.GONE
        async with self._sessions() as s, s.begin():
            return await switch_branch(s, book_id, thread_id, version=version)

    async def message_text(self, message_id: int, start: int = 0) -> str | None:
        """A message's text from code point ``start``, chunk log included."""
        if not is_row_id(message_id):
            return None
        async with self._sessions() as s:
            msg = await s.get(Message, message_id)
            if msg is None:
                return None
            text = msg.content
            if msg.status == MessageStatus.STREAMING:
                text += (await chunk_texts(s, [message_id])).get(message_id, "")
        return text[max(start, 0) :]

    async def transition(
        self,
        book_id: int,
        *,
        from_statuses: Iterable[str],
        to_status: str,
        version: int | None = None,
        chapters_done: int | None = None,
        chapter_count: int | None = None,
        message: NewMessage | None = None,
    ) -> bool:
        """Move a book between statuses if it is still where the caller saw it.

        ``message`` (the author's approval or feedback) is added in the same
        transaction, so it exists exactly when the change took effect.
        """
        if not is_row_id(book_id) or not fits_int(version):
            return False
        stmt = (
            update(Book)
            .where(col(Book.id) == book_id)
            .where(col(Book.status).in_(list(from_statuses)))
        )
        if version is not None:
            stmt = stmt.where(col(Book.version) == version)
        stmt = stmt.values(
            status=to_status, version=col(Book.version) + 1, updated_at=utcnow()
        )
        if chapters_done is not None:
            stmt = stmt.values(chapters_done=chapters_done)
        if chapter_count is not None:
            stmt = stmt.values(chapter_count=chapter_count)
        async with self._sessions() as s, s.begin():
            if (await s.exec(stmt)).rowcount != 1:
                return False
            if message is not None:
                await add_to_thread(s, book_id, message)
        return True

    async def set_chapters_done(
        self, book_id: int, done: int, *, owner: str | None = None
    ) -> bool:
        """Set the count; with ``owner``, only while that runner holds the book
        (a runner whose branch was left must not count on the new one)."""
        if owner is None:
            return await self._update_row(Book, book_id, chapters_done=done)
        if not is_row_id(book_id):
            return False
        async with self._sessions() as s, s.begin():
            result = await s.exec(
                update(Book)
                .where(col(Book.id) == book_id, col(Book.lease_owner) == owner)
                .values(chapters_done=done, updated_at=utcnow())
            )
            return result.rowcount == 1

    async def _update_row(
        self, table: type[Book] | type[Message], row_id: int, **values: object
    ) -> bool:
        """Set ``values`` (and ``updated_at``) on one row; False if there is none."""
        if not is_row_id(row_id):
            return False
        async with self._sessions() as s, s.begin():
            result = await s.exec(
                update(table)
                .where(col(table.id) == row_id)
                .values(**values, updated_at=utcnow())
            )
            return result.rowcount == 1


def _row(m: Message) -> PathRow:
    return PathRow(m.id or 0, m.parent_id, m.kind, m.chapter)

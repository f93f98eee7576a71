"""Every query the app makes, as small async functions over one engine.

Status changes are conditional updates (``WHERE status IN ... AND version = ...``)
so concurrent clicks and several workers can never both win. An id that cannot
name a row (negative, or beyond SQL's 64-bit integers) is simply not found.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from sqlalchemy import ColumnElement, Integer, cast, delete, func, or_, update
from sqlalchemy import select as sql_select
from sqlalchemy import text as sql_text
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bookgen.storage.book_search import BookSearch
from bookgen.storage.chunk_log import ChunkLog
from bookgen.storage.db import make_sessionmaker
from bookgen.storage.edits import Editor, MessageEdits
from bookgen.storage.models import (
    ACTIVE_STATUSES,
    MAX_ROW_ID,
    THREAD_PAGE,
    ActionPolicy,
    Book,
    BookCover,
    Chunk,
    CoverArt,
    Message,
    MessageKind,
    MessageStatus,
    Role,
    Thread,
    Visibility,
    utcnow,
)
from bookgen.storage.reaction_models import ReactionRow
from bookgen.storage.reactions import Reactions, reaction_rows
from bookgen.storage.redrafts import Redrafts

__all__ = [
    "BookOverview",
    "BookSnapshot",
    "MessageMeta",
    "NewMessage",
    "Started",
    "Store",
    "ThreadPage",
    "TokenUsage",
    "is_row_id",
]

# Counters are INTEGER columns too (see MAX_ROW_ID).
_INT_MIN, _INT_MAX = -(2**31), MAX_ROW_ID


def is_row_id(value: int) -> bool:
    """Could ``value`` name a row? Anything else is "not found", never an error."""
    return 0 < value <= MAX_ROW_ID


@dataclass(frozen=True)
class NewMessage:
    """A message to add to a book's thread; the store assigns its thread and id."""

    role: Role
    kind: MessageKind
    content: str = ""
    chapter: int | None = None
    status: MessageStatus = MessageStatus.COMPLETE
    error: str = ""


class Started(StrEnum):
    """How a guarded start (``Store.start_transition``) ended."""

    STARTED = "started"
    CONFLICT = "conflict"  # the book was gone, elsewhere, or changed meanwhile
    SPENT = "spent"  # the book's counter (rejections, continues) is at its cap
    BUSY = "busy"  # its owner already has the most books generating at once


# A per-book counter a start may bump (Book columns).
Counter = Literal["rejections", "continues"]
# pg_advisory_xact_lock's first key: "bk" — starts of one owner, serialised.
_START_LOCK_SPACE = 0x626B


class _OverCap(Exception):
    """Roll a start back: its owner is over the cap."""


@dataclass(frozen=True)
class MessageMeta:
    """A message without its text: what a page needs to lay itself out."""

    id: int
    role: str
    kind: str
    chapter: int | None
    status: str
    error: str
    length: int  # code points of text so far, chunk log included
    version: int = 0  # bumped by each edit (storage/edits.py)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    usage_estimated: bool = False  # the stream ended without the provider's usage


@dataclass(frozen=True)
class TokenUsage:
    """Tokens a book (or a message) cost; ``estimated`` if any count is a guess."""

    tokens_in: int = 0
    tokens_out: int = 0
    estimated: bool = False

    def __add__(self, other: TokenUsage) -> TokenUsage:
        return TokenUsage(
            self.tokens_in + other.tokens_in,
            self.tokens_out + other.tokens_out,
            self.estimated or other.estimated,
        )


@dataclass
class BookOverview:
    """A book, its messages' metadata, and the latest outline's text (for titles).

    ``messages`` are the newest ``limit`` of the thread (the chat panel's
    window, from ``thread_from`` on) plus the older ones the manuscript shows
    (the latest outline, the latest attempt at each chapter), in id order.
    """

    book: Book
    messages: list[MessageMeta]
    outline_text: str
    # The first message of the chat panel's window (0: the thread is empty).
    thread_from: int = 0
    # The thread has messages before the window (the panel loads them on demand).
    has_older: bool = False
    # Every reaction to the window's messages.
    reactions: list[ReactionRow] = field(default_factory=list)
    # Tabs with an editor open on a message of the book (storage/edits.py).
    editors: list[Editor] = field(default_factory=list)
    # Tokens of every message of the book (the window above may hold fewer).
    usage: TokenUsage = field(default_factory=lambda: TokenUsage())
    # The painted cover art's ETag ("" while the drawn cover stands): part of
    # the cover's URL, so open tabs fetch the art when it lands.
    cover_version: str = ""


@dataclass
class ThreadPage:
    """Older messages of a thread, for the chat panel scrolling back."""

    messages: list[MessageMeta]
    # There are messages before these (within the range asked for).
    has_older: bool
    reactions: list[ReactionRow]
    # The latest outline's text (chapter titles label the bubbles).
    outline_text: str = ""


@dataclass
class BookSnapshot:
    """A book with its thread, each message's full text so far included."""

    book: Book
    messages: list[Message] = field(default_factory=list)

    def text_of(self, message_id: int) -> str:
        for m in self.messages:
            if m.id == message_id:
                return m.content
        raise KeyError(message_id)


class Store:
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
            assert book.id is not None
            s.add(Thread(book_id=book.id))
            await s.flush()
            await _add_to_thread(s, book.id, request)
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
        """The book and its messages with chunk text folded in: three queries."""
        if not is_row_id(book_id):
            return None
        async with self._sessions() as s:
            book = await s.get(Book, book_id)
            if book is None:
                return None
            msgs = list(
                (
                    await s.exec(
                        select(Message)
                        .where(Message.book_id == book_id)
                        .order_by(col(Message.id))
                    )
                ).all()
            )
            live = [m.id for m in msgs if m.id and m.status == MessageStatus.STREAMING]
            pending = await _chunk_texts(s, live) if live else {}
        for m in msgs:
            if m.id in pending:
                m.content = m.content + pending[m.id]
        return BookSnapshot(book=book, messages=msgs)

    async def overview(
        self, book_id: int, limit: int = THREAD_PAGE
    ) -> BookOverview | None:
        """Everything but the message texts: cheap to read on every change.

        Only the newest ``limit`` messages of the thread and those the
        manuscript needs are read, so a book of hundreds of messages costs
        about what a short one does.
        """
        if not is_row_id(book_id):
            return None
        async with self._sessions() as s:
            book = await s.get(Book, book_id)
            if book is None:
                return None
            newest, has_older = await _newest_ids(s, book_id, before=None, limit=limit)
            ids = sorted(set(newest) | set(await _manuscript_ids(s, book_id)))
            metas = await _metas(s, ids)
            outline_ids = [m.id for m in metas if m.kind == MessageKind.OUTLINE]
            outline = await s.get(Message, outline_ids[-1]) if outline_ids else None
            reactions = await reaction_rows(s, newest)
            usage, cover_version = await _book_totals(s, book_id)
        editors = await self.edits.editors(book_id)
        return BookOverview(
            book,
            metas,
            outline.content if outline else "",
            thread_from=newest[0] if newest else 0,
            has_older=has_older,
            reactions=reactions,
            editors=editors,
            usage=usage,
            cover_version=cover_version,
        )

    async def thread_page(
        self, book_id: int, *, before: int, limit: int, since: int = 0
    ) -> ThreadPage:
        """The newest ``limit`` messages of the book with ids in [since, before)."""
        if not (is_row_id(book_id) and 0 <= since <= MAX_ROW_ID and limit > 0):
            return ThreadPage([], False, [], "")
        before = min(before, MAX_ROW_ID)
        async with self._sessions() as s:
            ids, has_older = await _newest_ids(
                s, book_id, before=before, limit=limit, since=since
            )
            metas = await _metas(s, ids)
            reactions = await reaction_rows(s, ids)
            outline = await _latest_outline(s, book_id) if metas else ""
        return ThreadPage(metas, has_older, reactions, outline)

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
                text += (await _chunk_texts(s, [message_id])).get(message_id, "")
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
        if not is_row_id(book_id) or not _fits_int(version):
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
                await _add_to_thread(s, book_id, message)
        return True

    async def set_chapters_done(self, book_id: int, done: int) -> bool:
        return await self._update_row(Book, book_id, chapters_done=done)

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

    # --- guarded starts (bounded cost) ---------------------------------------
    async def create_book_within(
        self, book: Book, request: NewMessage, *, max_active: int
    ) -> Book | None:
        """``create_book``, unless its owner would then have more than
        ``max_active`` books generating: None, and nothing is stored."""
        try:
            async with self._sessions() as s, s.begin():
                await self._lock_starts_of(s, book.owner_id)
                s.add(book)
                await s.flush()
                assert book.id is not None
                s.add(Thread(book_id=book.id))
                await s.flush()
                await _add_to_thread(s, book.id, request)
                if await _active_count(s, book.owner_id) > max_active:
                    raise _OverCap
        except _OverCap:
            return None
        return book

    async def start_transition(
        self,
        book_id: int,
        *,
        from_statuses: Iterable[str],
        to_status: str,
        max_active: int,
        version: int | None = None,
        message: NewMessage | None = None,
        counter: Counter | None = None,
        counter_cap: int = 0,
        chapter_count: int | None = None,
    ) -> Started:
        """``transition`` into a generating status, within the owner's cap.

        One transaction: the conditional UPDATE (status, version, and the
        book's ``counter`` below ``counter_cap``, bumped by one), then the
        count of the owner's generating books. Starts of one owner are
        serialised (PostgreSQL: an advisory lock; SQLite: the UPDATE takes the
        database's write lock first), so two tabs racing cannot both pass.
        """
        if not is_row_id(book_id) or not _fits_int(version):
            return Started.CONFLICT
        async with self._sessions() as s:  # the owner never changes: read it first
            owner = (
                await s.exec(select(Book.owner_id).where(Book.id == book_id))
            ).first()
        statuses = list(from_statuses)
        stmt = (
            update(Book)
            .where(col(Book.id) == book_id)
            .where(col(Book.status).in_(statuses))
        )
        if version is not None:
            stmt = stmt.where(col(Book.version) == version)
        stmt = stmt.values(
            status=to_status, version=col(Book.version) + 1, updated_at=utcnow()
        )
        if counter is not None:
            column = col(getattr(Book, counter))
            stmt = stmt.where(column < counter_cap).values({counter: column + 1})
        if chapter_count is not None:  # an approved outline sets the book's length
            stmt = stmt.values(chapter_count=chapter_count)
        try:
            async with self._sessions() as s, s.begin():
                await self._lock_starts_of(s, owner)
                if (await s.exec(stmt)).rowcount != 1:
                    book = await s.get(Book, book_id)
                    same = (
                        book is not None
                        and book.status in statuses
                        and (version is None or book.version == version)
                    )
                    return Started.SPENT if same and counter else Started.CONFLICT
                if await _active_count(s, owner) > max_active:
                    raise _OverCap
                if message is not None:
                    await _add_to_thread(s, book_id, message)
        except _OverCap:
            return Started.BUSY
        return Started.STARTED

    async def _lock_starts_of(self, s: AsyncSession, owner_id: int | None) -> None:
        """PostgreSQL: one start per owner at a time, until this transaction ends.

        (SQLite needs no lock: its first write takes the database's.)
        """
        if self.engine.dialect.name == "postgresql":
            connection = await s.connection()
            await connection.execute(
                sql_text("SELECT pg_advisory_xact_lock(:space, :owner)"),
                {"space": _START_LOCK_SPACE, "owner": owner_id or 0},
            )

    async def active_book_count(self, owner_id: int | None) -> int:
        """Books of ``owner_id`` generating now (running, or queued for a runner)."""
        async with self._sessions() as s:
            return await _active_count(s, owner_id)

    async def tokens_since(self, owner_id: int | None, since: datetime) -> int:
        """Prompt + completion tokens of the owner's messages updated since then."""
        async with self._sessions() as s:
            total = (
                await s.exec(
                    select(
                        func.coalesce(
                            func.sum(Message.prompt_tokens + Message.completion_tokens),
                            0,
                        )
                    )
                    .join(Book, col(Book.id) == col(Message.book_id))
                    .where(_owned_by(owner_id))
                    .where(col(Message.updated_at) >= since)
                )
            ).one()
        return int(total or 0)

    # --- leases ----------------------------------------------------------
    async def claim_lease(self, book_id: int, owner: str, lease_s: float) -> bool:
        """Take the right to generate for a book if no runner holds it.

        Only a free or expired lease is granted: a second runner is refused even
        when it has the same owner, so a book never has two.
        """
        if not is_row_id(book_id):
            return False
        now = utcnow()
        stmt = (
            update(Book)
            .where(col(Book.id) == book_id)
            .where(or_(col(Book.lease_owner).is_(None), col(Book.lease_until) < now))
            .values(lease_owner=owner, lease_until=now + timedelta(seconds=lease_s))
        )
        async with self._sessions() as s, s.begin():
            return (await s.exec(stmt)).rowcount == 1

    async def release_lease(self, book_id: int, owner: str) -> bool:
        """Give the book up; False if ``owner`` did not hold it."""
        if not is_row_id(book_id):
            return False
        async with self._sessions() as s, s.begin():
            result = await s.exec(
                update(Book)
                .where(col(Book.id) == book_id, col(Book.lease_owner) == owner)
                .values(lease_owner=None, lease_until=None)
            )
            return result.rowcount == 1

    async def orphaned_books(self) -> list[int]:
        """Books that should be generating but whose runner stopped heartbeating."""
        now = utcnow()
        async with self._sessions() as s:
            rows = await s.exec(
                select(Book.id)
                .where(col(Book.status).in_(ACTIVE_STATUSES))
                .where(
                    or_(col(Book.lease_owner).is_(None), col(Book.lease_until) < now)
                )
                .order_by(col(Book.id))
            )
            return [r for r in rows.all() if r is not None]

    # --- messages --------------------------------------------------------
    async def add_message(self, book_id: int, message: NewMessage) -> Message | None:
        """Append ``message`` to the book's thread; None if there is no such book."""
        if not is_row_id(book_id):
            return None
        async with self._sessions() as s, s.begin():
            return await _add_to_thread(s, book_id, message)

    async def reopen_message(self, message_id: int) -> str | None:
        """Mark a stopped/failed message streaming again; return its text so far."""
        if not is_row_id(message_id):
            return None
        async with self._sessions() as s, s.begin():
            msg = await s.get(Message, message_id)
            if msg is None:
                return None
            msg.content += await _take_chunks(s, message_id)
            msg.status, msg.error = MessageStatus.STREAMING, ""
            msg.updated_at = utcnow()
            return msg.content

    async def set_message_error(self, message_id: int, error: str) -> bool:
        """Show (or clear, with "") a notice on a message, whatever its status."""
        return await self._update_row(Message, message_id, error=error)

    async def append_chunk(
        self, message_id: int, text: str, *, book_id: int, owner: str, lease_s: float
    ) -> bool:
        """Log a flush of text and renew the lease (group-committed, see chunk_log).

        Returns False when the runner no longer owns the book (stopped, or lease
        taken over): the caller must stop generating. The text is kept either way.
        """
        if not (is_row_id(message_id) and is_row_id(book_id)):
            return False
        return await self.chunk_log.append(
            message_id, text, book_id=book_id, owner=owner, lease_s=lease_s
        )

    async def settle_writes(self) -> None:
        """Wait until every queued chunk-log write has reached the database."""
        await self.chunk_log.settled()

    async def finish_message(
        self,
        message_id: int,
        *,
        status: str,
        error: str = "",
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
        usage_estimated: bool = False,
    ) -> str | None:
        """Fold the chunk log into the message and give it a final status.

        Returns the whole text, or None if there is no such message.
        """
        if not is_row_id(message_id):
            return None
        async with self._sessions() as s, s.begin():
            msg = await s.get(Message, message_id)
            if msg is None:
                return None
            msg.content += await _take_chunks(s, message_id)
            msg.status, msg.error = status, error
            msg.prompt_tokens += prompt_tokens
            msg.completion_tokens += completion_tokens
            msg.usage_estimated = msg.usage_estimated or usage_estimated
            msg.updated_at = utcnow()
            return msg.content

    async def chunk_count(self, message_id: int | None = None) -> int:
        """Rows in the chunk log, of one message or of all."""
        if message_id is not None and not is_row_id(message_id):
            return 0
        async with self._sessions() as s:
            stmt = select(func.count()).select_from(Chunk)
            if message_id is not None:
                stmt = stmt.where(Chunk.message_id == message_id)
            return int((await s.exec(stmt)).one())


def _fits_int(value: int | None) -> bool:
    return value is None or _INT_MIN <= value <= _INT_MAX


def _owned_by(owner_id: int | None) -> ColumnElement[bool]:
    """Books of ``owner_id``; None is single-author mode's one author."""
    column = col(Book.owner_id)
    return column.is_(None) if owner_id is None else column == owner_id


async def _active_count(s: AsyncSession, owner_id: int | None) -> int:
    rows = await s.exec(
        select(func.count())
        .select_from(Book)
        .where(_owned_by(owner_id))
        .where(col(Book.status).in_(ACTIVE_STATUSES))
    )
    return int(rows.one())


async def _add_to_thread(
    s: AsyncSession, book_id: int, new: NewMessage
) -> Message | None:
    """The one place a message joins a book: its thread is looked up here."""
    thread_id = (
        await s.exec(select(Thread.id).where(Thread.book_id == book_id))
    ).first()
    if thread_id is None:
        return None
    message = Message(
        book_id=book_id,
        thread_id=thread_id,
        role=new.role,
        kind=new.kind,
        chapter=new.chapter,
        status=new.status,
        content=new.content,
        error=new.error,
    )
    s.add(message)
    await s.flush()
    return message


async def _newest_ids(
    s: AsyncSession, book_id: int, *, before: int | None, limit: int, since: int = 0
) -> tuple[list[int], bool]:
    """The ids of the book's newest ``limit`` messages (below ``before``, from
    ``since``), ascending, and whether older ones exist (index book_id, id)."""
    stmt = select(Message.id).where(col(Message.book_id) == book_id)
    if before is not None:
        stmt = stmt.where(col(Message.id) < before)
    if since:
        stmt = stmt.where(col(Message.id) >= since)
    rows = await s.exec(stmt.order_by(col(Message.id).desc()).limit(limit + 1))
    ids = [i for i in rows.all() if i is not None]
    return sorted(ids[:limit]), len(ids) > limit


_MANUSCRIPT_KINDS = [
    MessageKind.CHAPTER,
    MessageKind.REDRAFT_ASK,
    MessageKind.REDRAFT,
    MessageKind.REDRAFT_KEEP,
    MessageKind.REDRAFT_DROP,
]


async def _manuscript_ids(s: AsyncSession, book_id: int) -> list[int]:
    """The latest outline and the latest attempt at each chapter (and the
    latest of each chapter's regenerating messages: generation/redraft.py)."""
    chapters = await s.exec(
        select(func.max(Message.id))
        .where(col(Message.book_id) == book_id)
        .where(col(Message.kind).in_(_MANUSCRIPT_KINDS))
        .where(col(Message.chapter).is_not(None))
        .group_by(col(Message.kind), col(Message.chapter))
    )
    outline = await s.exec(
        select(func.max(Message.id))
        .where(col(Message.book_id) == book_id)
        .where(col(Message.kind) == MessageKind.OUTLINE)
    )
    return [i for i in [*chapters.all(), *outline.all()] if i is not None]


async def _latest_outline(s: AsyncSession, book_id: int) -> str:
    rows = await s.exec(
        select(Message.content)
        .where(col(Message.book_id) == book_id)
        .where(col(Message.kind) == MessageKind.OUTLINE)
        .order_by(col(Message.id).desc())
        .limit(1)
    )
    return rows.first() or ""


async def _book_totals(s: AsyncSession, book_id: int) -> tuple[TokenUsage, str]:
    """The book's tokens, summed over all its messages, and its cover version
    (the painted art's ETag, or ""), in one query."""
    art_etag = (
        select(BookCover.etag)
        .where(col(BookCover.book_id) == book_id)
        .where(col(BookCover.art) == CoverArt.ART)
        .scalar_subquery()
    )
    rows = await s.exec(
        select(
            func.coalesce(func.sum(Message.prompt_tokens), 0),
            func.coalesce(func.sum(Message.completion_tokens), 0),
            func.max(cast(col(Message.usage_estimated), Integer)),
            art_etag,
        ).where(col(Message.book_id) == book_id)
    )
    tokens_in, tokens_out, estimated, etag = rows.one()
    usage = TokenUsage(int(tokens_in or 0), int(tokens_out or 0), bool(estimated))
    return usage, etag or ""


async def _metas(s: AsyncSession, ids: list[int]) -> list[MessageMeta]:
    """These messages' metadata in id order, lengths including the chunk log."""
    if not ids:
        return []
    # Eleven columns: more than sqlmodel's typed select takes, so Core.
    connection = await s.connection()
    rows = (
        await connection.execute(
            sql_select(
                col(Message.id),
                col(Message.role),
                col(Message.kind),
                col(Message.chapter),
                col(Message.status),
                col(Message.error),
                func.length(Message.content),
                col(Message.version),
                col(Message.prompt_tokens),
                col(Message.completion_tokens),
                col(Message.usage_estimated),
            )
            .where(col(Message.id).in_(ids))
            .order_by(col(Message.id))
        )
    ).all()
    live = [r[0] for r in rows if r[0] and r[4] == MessageStatus.STREAMING]
    tails: dict[int, int] = {}
    if live:
        tail_rows = await s.exec(
            select(Chunk.message_id, func.sum(func.length(Chunk.text)))
            .where(col(Chunk.message_id).in_(live))
            .group_by(col(Chunk.message_id))
        )
        tails = {mid: int(n or 0) for mid, n in tail_rows.all()}
    return [
        MessageMeta(
            mid,
            role,
            kind,
            chapter,
            status,
            error,
            int(n or 0) + tails.get(mid, 0),
            version,
            prompt_tokens=int(tokens_in or 0),
            completion_tokens=int(tokens_out or 0),
            usage_estimated=bool(estimated),
        )
        for mid, role, kind, chapter, status, error, n, version, *usage in rows
        for tokens_in, tokens_out, estimated in (usage,)
        if mid is not None  # a primary key; typed optional only before insert
    ]


async def _chunk_texts(s: AsyncSession, message_ids: list[int]) -> dict[int, str]:
    """Each message's chunk-log text, in flush order."""
    rows = await s.exec(
        select(Chunk.message_id, Chunk.text)
        .where(col(Chunk.message_id).in_(message_ids))
        .order_by(col(Chunk.id))
    )
    out: dict[int, str] = {}
    for mid, text in rows.all():
        out[mid] = out.get(mid, "") + text
    return out


async def _take_chunks(s: AsyncSession, message_id: int) -> str:
    """Remove a message's chunk log and return its text, to fold it in."""
    text = (await _chunk_texts(s, [message_id])).get(message_id, "")
    await s.exec(delete(Chunk).where(col(Chunk.message_id) == message_id))
    return text

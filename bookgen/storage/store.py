"""Every query the app makes, as small async functions over one engine.

Status changes are conditional updates (``WHERE status IN ... AND version = ...``)
so concurrent clicks and several workers can never both win.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import delete, func, or_, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bookgen.storage.chunk_log import ChunkLog
from bookgen.storage.db import make_sessionmaker
from bookgen.storage.models import (
    Book,
    BookStatus,
    Chunk,
    Message,
    MessageKind,
    MessageStatus,
    Thread,
    utcnow,
)

__all__ = ["BookOverview", "BookSnapshot", "MessageMeta", "Store"]


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


@dataclass
class BookOverview:
    """A book, its messages' metadata, and the latest outline's text (for titles)."""

    book: Book
    messages: list[MessageMeta]
    outline_text: str


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

    # A runner keeps its lease only while the book is in one of these.
    active_statuses = (BookStatus.OUTLINING, BookStatus.WRITING)

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = make_sessionmaker(engine)
        self.chunk_log = ChunkLog(self._sessions)

    # --- books -----------------------------------------------------------
    async def create_book(self, book: Book, first_message: Message) -> Book:
        """Insert a book, its thread and the author's first request, atomically."""
        async with self._sessions() as s, s.begin():
            s.add(book)
            await s.flush()
            thread = Thread(book_id=book.id)
            s.add(thread)
            await s.flush()
            first_message.book_id = book.id
            first_message.thread_id = thread.id
            s.add(first_message)
        return book

    async def list_books(self, limit: int = 200) -> list[Book]:
        async with self._sessions() as s:
            rows = await s.exec(
                select(Book).order_by(col(Book.created_at).desc()).limit(limit)
            )
            return list(rows.all())

    async def get_book(self, book_id: int) -> Book | None:
        async with self._sessions() as s:
            return await s.get(Book, book_id)

    async def snapshot(self, book_id: int) -> BookSnapshot | None:
        """The book and its messages with chunk text folded in: three queries."""
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
            live = [m.id for m in msgs if m.status == MessageStatus.STREAMING]
            pending = await self._chunk_texts(s, live) if live else {}
        for m in msgs:
            if m.id in pending:
                m.content = m.content + pending[m.id]
        return BookSnapshot(book=book, messages=msgs)

    async def overview(self, book_id: int) -> BookOverview | None:
        """Everything but the message texts: cheap to read on every change."""
        async with self._sessions() as s:
            book = await s.get(Book, book_id)
            if book is None:
                return None
            rows = (
                await s.exec(
                    select(
                        Message.id,
                        Message.role,
                        Message.kind,
                        Message.chapter,
                        Message.status,
                        Message.error,
                        func.length(Message.content),
                    )
                    .where(Message.book_id == book_id)
                    .order_by(col(Message.id))
                )
            ).all()
            live = [r[0] for r in rows if r[4] == MessageStatus.STREAMING]
            tails: dict[int, int] = {}
            if live:
                tail_rows = await s.exec(
                    select(Chunk.message_id, func.sum(func.length(Chunk.text)))
                    .where(col(Chunk.message_id).in_(live))
                    .group_by(Chunk.message_id)
                )
                tails = {mid: int(n or 0) for mid, n in tail_rows.all()}
            outline_ids = [r[0] for r in rows if r[2] == MessageKind.OUTLINE]
            outline = await s.get(Message, outline_ids[-1]) if outline_ids else None
        metas = [
            MessageMeta(
                mid, role, kind, chapter, status, error, int(n or 0) + tails.get(mid, 0)
            )
            for mid, role, kind, chapter, status, error, n in rows
        ]
        return BookOverview(book, metas, outline.content if outline else "")

    async def message_text(self, message_id: int, start: int = 0) -> str | None:
        """A message's text from code point ``start``, chunk log included."""
        async with self._sessions() as s:
            msg = await s.get(Message, message_id)
            if msg is None:
                return None
            text = msg.content
            if msg.status == MessageStatus.STREAMING:
                text += (await self._chunk_texts(s, [message_id])).get(message_id, "")
        return text[max(start, 0) :]

    async def transition(
        self,
        book_id: int,
        *,
        from_statuses: Iterable[str],
        to_status: str,
        version: int | None = None,
        **values: object,
    ) -> bool:
        """Move a book between statuses if it is still where the caller saw it."""
        stmt = (
            update(Book)
            .where(col(Book.id) == book_id)
            .where(col(Book.status).in_(list(from_statuses)))
        )
        if version is not None:
            stmt = stmt.where(col(Book.version) == version)
        stmt = stmt.values(
            status=to_status, version=Book.version + 1, updated_at=utcnow(), **values
        )
        async with self._sessions() as s, s.begin():
            result = await s.exec(stmt)  # type: ignore[call-overload]
            return result.rowcount == 1

    async def transition_with_message(
        self,
        book_id: int,
        *,
        from_statuses: Iterable[str],
        to_status: str,
        version: int | None,
        message: Message,
    ) -> bool:
        """A status change and the author's message that caused it, atomically."""
        stmt = (
            update(Book)
            .where(col(Book.id) == book_id)
            .where(col(Book.status).in_(list(from_statuses)))
        )
        if version is not None:
            stmt = stmt.where(col(Book.version) == version)
        stmt = stmt.values(
            status=to_status, version=Book.version + 1, updated_at=utcnow()
        )
        async with self._sessions() as s, s.begin():
            result = await s.exec(stmt)  # type: ignore[call-overload]
            if result.rowcount != 1:
                return False
            thread = (
                await s.exec(select(Thread).where(Thread.book_id == book_id))
            ).first()
            message.book_id = book_id
            message.thread_id = thread.id  # type: ignore[union-attr]
            s.add(message)
        return True

    async def set_chapters_done(self, book_id: int, done: int) -> None:
        async with self._sessions() as s, s.begin():
            await s.exec(  # type: ignore[call-overload]
                update(Book)
                .where(col(Book.id) == book_id)
                .values(chapters_done=done, updated_at=utcnow())
            )

    # --- leases ----------------------------------------------------------
    async def claim_lease(self, book_id: int, owner: str, lease_s: float) -> bool:
        """Take the right to generate for a book unless a live runner holds it."""
        now = utcnow()
        stmt = (
            update(Book)
            .where(col(Book.id) == book_id)
            .where(
                or_(
                    col(Book.lease_owner).is_(None),
                    col(Book.lease_until) < now,
                    col(Book.lease_owner) == owner,
                )
            )
            .values(lease_owner=owner, lease_until=now + timedelta(seconds=lease_s))
        )
        async with self._sessions() as s, s.begin():
            return (await s.exec(stmt)).rowcount == 1  # type: ignore[call-overload]

    async def release_lease(self, book_id: int, owner: str) -> None:
        async with self._sessions() as s, s.begin():
            await s.exec(  # type: ignore[call-overload]
                update(Book)
                .where(col(Book.id) == book_id, col(Book.lease_owner) == owner)
                .values(lease_owner=None, lease_until=None)
            )

    async def orphaned_books(self, active: Iterable[str]) -> list[int]:
        """Books that should be generating but whose runner stopped heartbeating."""
        now = utcnow()
        async with self._sessions() as s:
            rows = await s.exec(
                select(Book.id)
                .where(col(Book.status).in_(list(active)))
                .where(
                    or_(col(Book.lease_owner).is_(None), col(Book.lease_until) < now)
                )
                .order_by(col(Book.id))
            )
            return [r for r in rows.all() if r is not None]

    # --- messages --------------------------------------------------------
    async def add_message(self, message: Message) -> Message:
        async with self._sessions() as s, s.begin():
            if not message.thread_id:
                thread = (
                    await s.exec(
                        select(Thread).where(Thread.book_id == message.book_id)
                    )
                ).first()
                message.thread_id = thread.id  # type: ignore[union-attr]
            s.add(message)
        return message

    async def reopen_message(self, message_id: int) -> str:
        """Mark a stopped/failed message streaming again; return its text so far."""
        async with self._sessions() as s, s.begin():
            msg = await s.get(Message, message_id)
            if msg is None:
                raise KeyError(message_id)
            text = msg.content + (await self._chunk_texts(s, [message_id])).get(
                message_id, ""
            )
            await s.exec(delete(Chunk).where(col(Chunk.message_id) == message_id))  # type: ignore[call-overload]
            msg.content, msg.status, msg.error = text, MessageStatus.STREAMING, ""
            msg.updated_at = utcnow()
            return text

    async def append_chunk(
        self, message_id: int, text: str, *, book_id: int, owner: str, lease_s: float
    ) -> bool:
        """Log a flush of text and renew the lease (group-committed, see chunk_log).

        Returns False when the runner no longer owns the book (stopped, or lease
        taken over): the caller must stop generating. The text is kept either way.
        """
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
    ) -> str:
        """Fold the chunk log into the message and give it a final status."""
        async with self._sessions() as s, s.begin():
            msg = await s.get(Message, message_id)
            if msg is None:
                raise KeyError(message_id)
            tail = (await self._chunk_texts(s, [message_id])).get(message_id, "")
            await s.exec(delete(Chunk).where(col(Chunk.message_id) == message_id))  # type: ignore[call-overload]
            msg.content += tail
            msg.status, msg.error = status, error
            msg.prompt_tokens += prompt_tokens
            msg.completion_tokens += completion_tokens
            msg.updated_at = utcnow()
            return msg.content

    async def chunk_count(self, message_id: int | None = None) -> int:
        async with self._sessions() as s:
            stmt = select(func.count()).select_from(Chunk)
            if message_id is not None:
                stmt = stmt.where(Chunk.message_id == message_id)
            return int((await s.exec(stmt)).one())

    @staticmethod
    async def _chunk_texts(s, message_ids: list[int | None]) -> dict[int, str]:
        rows = await s.exec(
            select(Chunk.message_id, Chunk.text)
            .where(col(Chunk.message_id).in_(message_ids))
            .order_by(col(Chunk.id))
        )
        out: dict[int, str] = {}
        for mid, text in rows.all():
            out[mid] = out.get(mid, "") + text
        return out

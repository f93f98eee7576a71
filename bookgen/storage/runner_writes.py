"""The runner's writes: its lease on a book, its messages and their chunk log.

Mixed into ``Store``. A runner that no longer holds its book (stopped, lease
taken over, or its branch left: storage/branches.py) learns it here and stops;
the text it had is kept either way.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, or_, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bookgen.storage.branches import NewMessage, add_to_thread, lock_book
from bookgen.storage.chunk_log import ChunkLog
from bookgen.storage.models import (
    ACTIVE_STATUSES,
    Book,
    Chunk,
    Message,
    MessageStatus,
    utcnow,
)
from bookgen.storage.overview import chunk_texts
from bookgen.storage.starts import is_row_id

__all__ = ["RunnerWrites"]


class RunnerWrites:
    """Leases and message writes (a mixin: ``Store`` supplies the sessions)."""

    _sessions: async_sessionmaker[AsyncSession]
    chunk_log: ChunkLog

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
    async def add_message(
        self, book_id: int, message: NewMessage, *, owner: str | None = None
    ) -> Message | None:
        """Append ``message`` to the book's shown branch; None if there is no
        such book (or, with ``owner``, if that runner no longer holds it)."""
        if not is_row_id(book_id):
            return None
        async with self._sessions() as s, s.begin():
            return await add_to_thread(s, book_id, message, lease_owner=owner)

    async def reopen_message(
        self, message_id: int, *, owner: str | None = None
    ) -> str | None:
        """Mark a stopped/failed message streaming again; return its text so far.

        With ``owner``, only while that runner holds the message's book.
        """
        if not is_row_id(message_id):
            return None
        async with self._sessions() as s, s.begin():
            msg = await s.get(Message, message_id)
            if msg is None:
                return None
            if owner is not None:
                book = await lock_book(s, msg.book_id)
                if book is None or book.lease_owner != owner:
                    return None
            msg.content += await _take_chunks(s, message_id)
            msg.status, msg.error = MessageStatus.STREAMING, ""
            msg.updated_at = utcnow()
            return msg.content

    async def set_message_error(self, message_id: int, error: str) -> bool:
        """Show (or clear, with "") a notice on a message, whatever its status."""
        if not is_row_id(message_id):
            return False
        async with self._sessions() as s, s.begin():
            result = await s.exec(
                update(Message)
                .where(col(Message.id) == message_id)
                .values(error=error, updated_at=utcnow())
            )
            return result.rowcount == 1

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


async def _take_chunks(s: AsyncSession, message_id: int) -> str:
    """Remove a message's chunk log and return its text, to fold it in."""
    text = (await chunk_texts(s, [message_id])).get(message_id, "")
    await s.exec(delete(Chunk).where(col(Chunk.message_id) == message_id))
    return text

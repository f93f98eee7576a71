"""Group commit for the chunk log: every stream's flush, one transaction.

A hundred streams flushing ten times a second would be a thousand small
transactions; instead flushes that arrive while a write is in flight wait and
go together in the next one. Each caller still learns, for its own book,
whether its runner still owns it.

Each stream waits for its write before its next flush, so the commit's latency
paces every stream. On PostgreSQL the batch therefore commits without waiting
for the WAL flush to disk (``synchronous_commit = off``, this transaction
only): the same promise SQLite's ``synchronous=NORMAL`` gives (see db.py), a
commit survives an app crash, and at worst the last fraction of a second of
chunks is lost if the database server itself crashes. Chunks are a temporary
log; the finished message is committed durably as before.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert, text, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bookgen.storage.models import ACTIVE_STATUSES, Book, Chunk, utcnow

__all__ = ["ChunkLog"]

_NO_WAL_WAIT = text("SET LOCAL synchronous_commit TO OFF")


@dataclass(frozen=True)
class _Flush:
    message_id: int
    text: str
    book_id: int
    owner: str
    lease_s: float


class ChunkLog:
    """Queues flushes and writes each batch in one transaction from its own task."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._pending: list[tuple[_Flush, asyncio.Future[bool]]] = []
        self._writer: asyncio.Task[None] | None = None
        self.transactions = 0  # for tests and the benchmark

    async def append(
        self, message_id: int, text: str, *, book_id: int, owner: str, lease_s: float
    ) -> bool:
        """Queue text and a lease heartbeat; True if ``owner`` still holds the book."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._pending.append(
            (_Flush(message_id, text, book_id, owner, lease_s), future)
        )
        if self._writer is None or self._writer.done():
            self._writer = asyncio.get_running_loop().create_task(self._drain())
        return await future

    async def settled(self) -> None:
        """Return once the writer has written everything queued so far."""
        if self._writer is not None and not self._writer.done():
            await asyncio.wait([self._writer])

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending, []
            try:
                owned = await self._write([flush for flush, _ in batch])
            except BaseException as exc:  # every waiter sees the failure
                for _, future in batch + self._pending:
                    if not future.done():
                        future.set_exception(
                            exc if isinstance(exc, Exception) else RuntimeError(exc)
                        )
                if not isinstance(exc, Exception):
                    self._pending = []
                    raise  # cancelled (shutdown): waiters are told, never left hanging
                continue
            for flush, future in batch:
                if not future.done():
                    future.set_result((flush.owner, flush.book_id) in owned)

    async def _write(self, flushes: list[_Flush]) -> set[tuple[str, int]]:
        now = utcnow()
        rows = [{"message_id": f.message_id, "text": f.text} for f in flushes if f.text]
        books: dict[tuple[str, float], set[int]] = defaultdict(set)
        for f in flushes:
            books[(f.owner, f.lease_s)].add(f.book_id)
        owned: set[tuple[str, int]] = set()
        async with self._sessions() as s, s.begin():
            connection = await s.connection()
            if connection.dialect.name == "postgresql":
                await connection.execute(_NO_WAL_WAIT)
            if rows:
                await s.exec(insert(Chunk), params=rows)
            for (owner, lease_s), ids in books.items():
                result = await s.exec(
                    update(Book)
                    .where(col(Book.id).in_(ids), col(Book.lease_owner) == owner)
                    .where(col(Book.status).in_(ACTIVE_STATUSES))
                    .values(lease_until=now + timedelta(seconds=lease_s))
                    .returning(col(Book.id))
                )
                owned |= {(owner, book_id) for (book_id,) in result.all()}
        self.transactions += 1
        return owned

"""Starts that cost money, within their bounds: the owner's concurrent cap,
the book's counters, and forks of a book into a new branch.

Starts of one owner are serialised (PostgreSQL: an advisory lock; SQLite: the
first statement is a write, which takes the database's lock), and the count of
the owner's generating books is read in the same transaction, so two tabs
racing cannot both pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from enum import StrEnum
from typing import Literal

from sqlalchemy import ColumnElement, func, update
from sqlalchemy import text as sql_text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bookgen.storage.branches import Fork, Moved, NewMessage, add_to_thread, fork_branch
from bookgen.storage.models import (
    ACTIVE_STATUSES,
    MAX_ROW_ID,
    Book,
    Message,
    Thread,
    utcnow,
)

__all__ = [
    "Counter",
    "GuardedStarts",
    "Started",
    "first_thread",
    "fits_int",
    "is_row_id",
]

# Counters are INTEGER columns too (see MAX_ROW_ID).
_INT_MIN, _INT_MAX = -(2**31), MAX_ROW_ID


def is_row_id(value: int) -> bool:
    """Could ``value`` name a row? Anything else is "not found", never an error."""
    return 0 < value <= MAX_ROW_ID


def fits_int(value: int | None) -> bool:
    return value is None or _INT_MIN <= value <= _INT_MAX


class Started(StrEnum):
    """How a guarded start (``Store.start_transition``) ended."""

    STARTED = "started"
    CONFLICT = "conflict"  # the book was gone, elsewhere, or changed meanwhile
    SPENT = "spent"  # the book's counter (rejections, continues) is at its cap
    BUSY = "busy"  # its owner already has the most books generating at once
    FULL = "full"  # a fork: the book has as many branches as it may


# A per-book counter a start may bump (Book columns).
Counter = Literal["rejections", "continues"]
# pg_advisory_xact_lock's first key: "bk" — starts of one owner, serialised.
_START_LOCK_SPACE = 0x626B


class _OverCap(Exception):
    """Roll a start back: its owner is over the cap."""


class _Undo(Exception):
    """Roll a fork back: it did not take place."""

    def __init__(self, moved: Moved) -> None:
        self.moved = moved


async def first_thread(s: AsyncSession, book: Book) -> None:
    """A new book's first branch, shown."""
    assert book.id is not None
    thread = Thread(
        book_id=book.id, status=book.status, chapter_count=book.chapter_count
    )
    s.add(thread)
    await s.flush()
    book.thread_id = thread.id
    s.add(book)
    await s.flush()


class GuardedStarts:
    """The store's guarded starts (a mixin: ``Store`` supplies the sessions)."""

    engine: AsyncEngine
    _sessions: async_sessionmaker[AsyncSession]

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
                await first_thread(s, book)
                await add_to_thread(s, book.id, request)
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
        if not is_row_id(book_id) or not fits_int(version):
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
                    await add_to_thread(s, book_id, message)
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

    async def fork(
        self, book_id: int, fork: Fork, *, version: int, max_active: int
    ) -> Started:
        """Open a branch at ``fork.at`` and show it (``branches.fork_branch``),
        within the owner's cap when the branch starts generating."""
        if not is_row_id(book_id) or not fits_int(version):
            return Started.CONFLICT
        async with self._sessions() as s:
            owner = (
                await s.exec(select(Book.owner_id).where(Book.id == book_id))
            ).first()
        try:
            async with self._sessions() as s, s.begin():
                await self._lock_starts_of(s, owner)
                moved, _ = await fork_branch(s, book_id, fork, version=version)
                if moved != Moved.DONE:
                    raise _Undo(moved)
                if await _active_count(s, owner) > max_active:
                    raise _OverCap
        except _OverCap:
            return Started.BUSY
        except _Undo as undo:
            return Started.FULL if undo.moved == Moved.FULL else Started.CONFLICT
        return Started.STARTED


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

"""Editing finished messages in place: versioned saves and who is editing now.

A save is an optimistic-concurrency UPDATE: it names the version the author
started from, and ``UPDATE ... WHERE version = :base AND status = 'complete'``
changes nothing when someone saved meanwhile, so a stale save is reported as a
conflict, never applied. Every text is kept in ``message_version`` (version 0,
the model's, at the first edit). An outline is editable only while its book
awaits approval; its save bumps the book's version in the same transaction, so
an approval made against the old outline fails instead of approving unseen text.

Presence is a row per tab with an ``until`` heartbeat: it works across workers
because every worker reads the same table, and a tab that vanishes without
saying so (a crashed worker) drops out when its row expires. The tab's watcher
renews the row while the editor is open and removes it when the tab leaves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bookgen.storage.edit_models import EditPresence, MessageVersion
from bookgen.storage.models import (
    MAX_ROW_ID,
    Book,
    BookStatus,
    Message,
    MessageKind,
    MessageStatus,
    utcnow,
)

__all__ = [
    "EDITABLE_KINDS",
    "Editor",
    "MessageEdits",
    "SaveOutcome",
    "SaveResult",
    "editor_rows",
]

EDITABLE_KINDS = (MessageKind.OUTLINE, MessageKind.CHAPTER)


class SaveOutcome(StrEnum):
    SAVED = "saved"
    CONFLICT = "conflict"  # someone saved since the author's base version
    NOT_EDITABLE = "not-editable"  # gone, streaming, wrong kind, outline approved


@dataclass(frozen=True)
class SaveResult:
    outcome: SaveOutcome
    # The message's version now: the new one, or on conflict the current one.
    version: int = 0
    # On conflict: the text saved meanwhile (to show the difference).
    current: str = ""


@dataclass(frozen=True)
class Editor:
    """One tab with an editor open on a message of the book."""

    tab: str
    name: str
    message_id: int
    until: datetime


def _is_id(value: int) -> bool:
    return 0 < value <= MAX_ROW_ID


class MessageEdits:
    """Saves, versions and presence over the store's session factory."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def save(
        self,
        message_id: int,
        *,
        book_id: int,
        text: str,
        base: int,
        author_id: int | None,
    ) -> SaveResult:
        """Replace a finished message's text if it is still at version ``base``;
        a conflict comes back with the version and text saved meanwhile."""
        async with self._sessions() as s, s.begin():
            result = await self.save_within(
                s,
                message_id,
                book_id=book_id,
                text=text,
                base=base,
                author_id=author_id,
            )
            if result.outcome == SaveOutcome.CONFLICT:
                await s.rollback()  # the outline's book bump with it
        if result.outcome != SaveOutcome.CONFLICT:
            return result
        current = await self._current(message_id, book_id)
        if current is None:
            return SaveResult(SaveOutcome.NOT_EDITABLE)
        return SaveResult(SaveOutcome.CONFLICT, current[0], current[1])

    async def save_within(
        self,
        s: AsyncSession,
        message_id: int,
        *,
        book_id: int,
        text: str,
        base: int,
        author_id: int | None,
    ) -> SaveResult:
        """``save`` inside the caller's transaction (which it must roll back
        unless SAVED); a conflict is reported without the current text."""
        if not (_is_id(message_id) and _is_id(book_id)) or not 0 <= base < MAX_ROW_ID:
            return SaveResult(SaveOutcome.NOT_EDITABLE)
        # A write first: it takes SQLite's write lock (a read first would make
        # a concurrent writer fail on a stale snapshot) and PostgreSQL's row lock.
        await s.exec(
            update(Message)
            .where(col(Message.id) == message_id)
            .values(version=col(Message.version))
        )
        msg = await s.get(Message, message_id)
        if (
            msg is None
            or msg.book_id != book_id
            or msg.kind not in EDITABLE_KINDS
            or msg.status != MessageStatus.COMPLETE
        ):
            return SaveResult(SaveOutcome.NOT_EDITABLE)
        if msg.kind == MessageKind.OUTLINE:
            bumped = await s.exec(
                update(Book)
                .where(col(Book.id) == book_id)
                .where(col(Book.status) == BookStatus.AWAITING_APPROVAL)
                .values(version=col(Book.version) + 1)
            )
            if bumped.rowcount != 1:  # pyright: ignore[reportAttributeAccessIssue]
                return SaveResult(SaveOutcome.NOT_EDITABLE)
        original, written_at = msg.content, msg.updated_at
        result = await s.exec(
            update(Message)
            .where(col(Message.id) == message_id)
            .where(col(Message.version) == base)
            .where(col(Message.status) == MessageStatus.COMPLETE)
            .values(content=text, version=col(Message.version) + 1, updated_at=utcnow())
        )
        if result.rowcount != 1:  # pyright: ignore[reportAttributeAccessIssue]
            return SaveResult(SaveOutcome.CONFLICT)
        if base == 0:  # the first edit keeps what the model wrote
            s.add(
                MessageVersion(
                    message_id=message_id,
                    version=0,
                    content=original,
                    created_at=written_at,
                )
            )
        s.add(
            MessageVersion(
                message_id=message_id,
                version=base + 1,
                content=text,
                author_id=author_id,
            )
        )
        return SaveResult(SaveOutcome.SAVED, base + 1)

    async def _current(self, message_id: int, book_id: int) -> tuple[int, str] | None:
        async with self._sessions() as s:
            msg = await s.get(Message, message_id)
        if msg is None or msg.book_id != book_id or msg.kind not in EDITABLE_KINDS:
            return None
        return msg.version, msg.content

    async def versions(self, message_id: int) -> list[MessageVersion]:
        """Every kept text of a message, oldest first."""
        if not _is_id(message_id):
            return []
        async with self._sessions() as s:
            rows = await s.exec(
                select(MessageVersion)
                .where(col(MessageVersion.message_id) == message_id)
                .order_by(col(MessageVersion.version))
            )
            return list(rows.all())

    # --- presence ----------------------------------------------------------
    async def enter(
        self, tab: str, *, book_id: int, message_id: int, name: str, ttl_s: float
    ) -> None:
        """This tab edits ``message_id`` now (replacing what it edited before)."""
        now = utcnow()
        async with self._sessions() as s, s.begin():
            await s.exec(
                delete(EditPresence).where(
                    (col(EditPresence.tab) == tab) | (col(EditPresence.until) < now)
                )
            )
            s.add(
                EditPresence(
                    tab=tab,
                    book_id=book_id,
                    message_id=message_id,
                    name=name[:100],
                    until=now + timedelta(seconds=ttl_s),
                )
            )

    async def renew(self, tab: str, ttl_s: float) -> bool:
        """Heartbeat: the tab still edits; False if it has no row (expired)."""
        async with self._sessions() as s, s.begin():
            result = await s.exec(
                update(EditPresence)
                .where(col(EditPresence.tab) == tab)
                .values(until=utcnow() + timedelta(seconds=ttl_s))
            )
            return result.rowcount == 1  # pyright: ignore[reportAttributeAccessIssue]

    async def leave(self, tab: str) -> int | None:
        """The tab stopped editing; the book it edited, if it was editing."""
        async with self._sessions() as s, s.begin():
            book_id = (
                await s.exec(
                    select(EditPresence.book_id).where(col(EditPresence.tab) == tab)
                )
            ).first()
            if book_id is None:
                return None
            await s.exec(delete(EditPresence).where(col(EditPresence.tab) == tab))
            return book_id

    async def editors(self, book_id: int) -> list[Editor]:
        """Who edits what in the book now (expired rows are ignored)."""
        async with self._sessions() as s:
            return await editor_rows(s, book_id)


async def editor_rows(s: AsyncSession, book_id: int) -> list[Editor]:
    """``MessageEdits.editors`` in the caller's session (the book overview)."""
    rows = await s.exec(
        select(EditPresence)
        .where(col(EditPresence.book_id) == book_id)
        .where(col(EditPresence.until) > utcnow())
        .order_by(col(EditPresence.id))
    )
    return [Editor(p.tab, p.name, p.message_id, p.until) for p in rows.all()]

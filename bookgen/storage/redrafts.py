"""The author's choice between a chapter and its regenerated version.

Keeping the new version saves its text as the chapter's next version through
the versioned save (storage/edits.py), so the old text stays in
``message_version``; either choice adds a decision message to the thread, and
nothing is deleted. The book row is updated first: it serialises choices
(SQLite's write lock, PostgreSQL's row lock), so of two tabs choosing at once
exactly one choice lands.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bookgen.storage.branches import NewMessage, add_to_thread, current_path
from bookgen.storage.edits import MessageEdits, SaveOutcome
from bookgen.storage.models import (
    ACTIVE_STATUSES,
    MAX_ROW_ID,
    Book,
    Message,
    MessageKind,
    MessageStatus,
    Role,
    utcnow,
)

__all__ = ["Choice", "Redrafts"]


class Choice(StrEnum):
    """How a choice ended."""

    KEPT = "kept"  # the chapter now reads as the new version
    DROPPED = "dropped"  # the chapter stays as it was
    GONE = "gone"  # no such undecided new version (decided, or never there)
    CONFLICT = "conflict"  # the chapter changed meanwhile (an edit): nothing done


class _Abort(Exception):
    """Roll the choice back."""


class Redrafts:
    """Decisions on regenerated chapters over the store's session factory."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], edits: MessageEdits
    ) -> None:
        self._sessions = sessions
        self._edits = edits

    async def decide(
        self,
        book_id: int,
        *,
        candidate_id: int,
        chapter_id: int,
        keep: bool,
        author_id: int | None,
    ) -> Choice:
        """Keep the new version ``candidate_id`` as chapter ``chapter_id``'s
        text, or keep the chapter as it is; only while the book is not writing."""
        if not all(0 < i <= MAX_ROW_ID for i in (book_id, candidate_id, chapter_id)):
            return Choice.GONE
        outcome = Choice.GONE
        try:
            async with self._sessions() as s, s.begin():
                outcome = await self._decide(
                    s, book_id, candidate_id, chapter_id, keep, author_id
                )
                if outcome not in (Choice.KEPT, Choice.DROPPED):
                    raise _Abort
        except _Abort:
            pass
        return outcome

    async def _decide(
        self,
        s: AsyncSession,
        book_id: int,
        candidate_id: int,
        chapter_id: int,
        keep: bool,
        author_id: int | None,
    ) -> Choice:
        locked = await s.exec(
            update(Book)
            .where(col(Book.id) == book_id)
            .where(col(Book.status).not_in(list(ACTIVE_STATUSES)))
            .values(version=col(Book.version) + 1, updated_at=utcnow())
        )
        if locked.rowcount != 1:  # pyright: ignore[reportAttributeAccessIssue]
            return Choice.GONE
        candidate = await s.get(Message, candidate_id)
        chapter = await s.get(Message, chapter_id)
        if (
            candidate is None
            or chapter is None
            or candidate.book_id != book_id
            or chapter.book_id != book_id
            or candidate.kind != MessageKind.REDRAFT
            or candidate.status != MessageStatus.COMPLETE
            or chapter.kind != MessageKind.CHAPTER
            or chapter.chapter != candidate.chapter
        ):
            return Choice.GONE
        later = [
            row
            for row in await current_path(s, book_id)
            if row.id > candidate_id
            and row.kind
            in (
                MessageKind.REDRAFT_KEEP,
                MessageKind.REDRAFT_DROP,
                MessageKind.REDRAFT_ASK,
            )
        ]
        if later:
            return Choice.GONE
        if keep:
            saved = await self._edits.save_within(
                s,
                chapter_id,
                book_id=book_id,
                text=candidate.content,
                base=chapter.version,
                author_id=author_id,
            )
            if saved.outcome != SaveOutcome.SAVED:
                return Choice.CONFLICT
        choice = NewMessage(
            role=Role.USER,
            kind=MessageKind.REDRAFT_KEEP if keep else MessageKind.REDRAFT_DROP,
            chapter=candidate.chapter,
            content=(
                f"Kept the new version of chapter {candidate.chapter}."
                if keep
                else f"Kept chapter {candidate.chapter} as it was."
            ),
        )
        if await add_to_thread(s, book_id, choice) is None:
            return Choice.GONE
        return Choice.KEPT if keep else Choice.DROPPED

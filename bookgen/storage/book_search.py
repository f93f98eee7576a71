"""The dashboard's query: books a viewer may see, by title and status, paged.

Titles are matched case-insensitively anywhere in the title (``ILIKE`` on
PostgreSQL, ``lower() LIKE`` on SQLite, whose ``lower`` folds ASCII only),
with ``%`` and ``_`` taken literally. The newest ``limit`` come back; the
``created_at`` index serves the order and the limit, so the cost stays small
at thousands of books.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bookgen.storage.models import Book, BookStatus, Visibility

__all__ = ["BookPage", "BookSearch"]


@dataclass(frozen=True)
class BookPage:
    """The newest matching books, and whether more match than were returned."""

    books: list[Book]
    more: bool


class BookSearch:
    """Held by the store as ``store.book_search``."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def find(
        self,
        *,
        user_id: int | None,
        title: str = "",
        status: BookStatus | None = None,
        limit: int,
    ) -> BookPage:
        """Books ``user_id`` may see (their own and the team's; every book when
        None, single-author mode), newest first, at most ``limit``."""
        stmt = select(Book)
        if user_id is not None:  # the rule of accounts.access.can_view, as SQL
            stmt = stmt.where(
                or_(
                    col(Book.owner_id) == user_id,
                    col(Book.visibility) == Visibility.TEAM,
                )
            )
        if title:
            stmt = stmt.where(col(Book.title).icontains(title, autoescape=True))
        if status is not None:
            stmt = stmt.where(col(Book.status) == status.value)
        stmt = stmt.order_by(col(Book.created_at).desc(), col(Book.id).desc())
        async with self._sessions() as s:
            rows = list((await s.exec(stmt.limit(limit + 1))).all())
        return BookPage(rows[:limit], len(rows) > limit)

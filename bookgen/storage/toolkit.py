"""Queries for the author's toolkit: token usage per book, stored covers, and
the author's name (for exports and covers).

Kept beside ``store.py`` rather than in it: the generation service never needs
these, only the HTTP routes and the pages do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Integer, cast, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select

from bookgen.storage.account_models import User
from bookgen.storage.db import make_sessionmaker
from bookgen.storage.models import Book, BookCover, CoverArt, Message, utcnow
from bookgen.storage.store import TokenUsage, is_row_id

__all__ = ["CoverMeta", "TokenUsage", "Toolkit"]

# A cover painting that has not finished in this long is taken as abandoned.
ART_CLAIM_S = 600.0


@dataclass(frozen=True)
class CoverMeta:
    """A stored cover without its bytes: enough to answer If-None-Match."""

    source_key: str
    etag: str
    art: CoverArt


class Toolkit:
    """Async queries over one engine (the store's)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._sessions = make_sessionmaker(engine)

    # --- usage -------------------------------------------------------------
    async def usage_by_book(self, book_ids: Sequence[int]) -> dict[int, TokenUsage]:
        """Each listed book's tokens, summed over its messages (one query)."""
        ids = [i for i in book_ids if is_row_id(i)]
        if not ids:
            return {}
        async with self._sessions() as s:
            rows = await s.exec(
                select(
                    Message.book_id,
                    func.coalesce(func.sum(Message.prompt_tokens), 0),
                    func.coalesce(func.sum(Message.completion_tokens), 0),
                    func.max(cast(col(Message.usage_estimated), Integer)),
                )
                .where(col(Message.book_id).in_(ids))
                .group_by(col(Message.book_id))
            )
            return {
                book_id: TokenUsage(int(t_in or 0), int(t_out or 0), bool(est))
                for book_id, t_in, t_out, est in rows.all()
            }

    # --- the author --------------------------------------------------------
    async def author_name(self, book: Book) -> str:
        """The name of the book's author ("" in single-author mode)."""
        if book.owner_id is None:
            return ""
        async with self._sessions() as s:
            name = (
                await s.exec(select(User.name).where(User.id == book.owner_id))
            ).first()
        return name or ""

    # --- covers ------------------------------------------------------------
    async def cover_meta(self, book_id: int) -> CoverMeta | None:
        if not is_row_id(book_id):
            return None
        async with self._sessions() as s:
            row = (
                await s.exec(
                    select(BookCover.source_key, BookCover.etag, BookCover.art).where(
                        BookCover.book_id == book_id
                    )
                )
            ).first()
        return CoverMeta(row[0], row[1], CoverArt(row[2])) if row else None

    async def cover_png(self, book_id: int, *, thumb: bool) -> bytes | None:
        if not is_row_id(book_id):
            return None
        column = BookCover.thumb_png if thumb else BookCover.png
        async with self._sessions() as s:
            return (
                await s.exec(select(column).where(BookCover.book_id == book_id))
            ).first()

    async def save_local_cover(
        self, book_id: int, *, source_key: str, etag: str, png: bytes, thumb: bytes
    ) -> None:
        """Store a locally drawn cover, unless art (or a painting) is there."""
        values = {
            "source_key": source_key,
            "etag": etag,
            "png": png,
            "thumb_png": thumb,
            "updated_at": utcnow(),
        }
        async with self._sessions() as s, s.begin():
            changed = await s.exec(
                update(BookCover)
                .where(col(BookCover.book_id) == book_id)
                .where(col(BookCover.art) != CoverArt.ART)
                .values(**values)
            )
            if changed.rowcount:
                return
            if await s.get(BookCover, book_id) is not None:
                return  # art: kept
        try:
            async with self._sessions() as s, s.begin():
                s.add(BookCover(book_id=book_id, art=CoverArt.LOCAL, **values))
        except IntegrityError:
            pass  # another request stored it first: same picture

    async def claim_art(self, book_id: int) -> bool:
        """Take the job of painting this book's art; False if it is done, failed,
        or being painted elsewhere (a claim older than ART_CLAIM_S is retaken)."""
        stale = utcnow() - timedelta(seconds=ART_CLAIM_S)
        async with self._sessions() as s, s.begin():
            result = await s.exec(
                update(BookCover)
                .where(col(BookCover.book_id) == book_id)
                .where(
                    or_(
                        col(BookCover.art) == CoverArt.LOCAL,
                        (col(BookCover.art) == CoverArt.PENDING)
                        & (col(BookCover.updated_at) < stale),
                    )
                )
                .values(art=CoverArt.PENDING, updated_at=utcnow())
            )
            return result.rowcount == 1

    async def save_art(
        self, book_id: int, *, source_key: str, etag: str, png: bytes, thumb: bytes
    ) -> bool:
        async with self._sessions() as s, s.begin():
            result = await s.exec(
                update(BookCover)
                .where(col(BookCover.book_id) == book_id)
                .values(
                    art=CoverArt.ART,
                    source_key=source_key,
                    etag=etag,
                    png=png,
                    thumb_png=thumb,
                    updated_at=utcnow(),
                )
            )
            return result.rowcount == 1

    async def art_failed(self, book_id: int) -> None:
        """The painting failed: keep the local cover and do not ask again."""
        async with self._sessions() as s, s.begin():
            await s.exec(
                update(BookCover)
                .where(col(BookCover.book_id) == book_id)
                .where(col(BookCover.art) == CoverArt.PENDING)
                .values(art=CoverArt.FAILED, updated_at=utcnow())
            )

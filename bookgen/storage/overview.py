"""What a book page reads on every change: the shown branch without its text.

Only the newest messages of the branch's path (the chat panel's window) and
those the manuscript shows are read in full, so a book of hundreds of messages
costs about what a short one does; older pages are read as a tab scrolls back,
along the same path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Integer, cast, func
from sqlalchemy import select as sql_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bookgen.storage.branches import BranchInfo, PathRow, current_path, list_branches
from bookgen.storage.edits import Editor
from bookgen.storage.models import (
    Book,
    BookCover,
    Chunk,
    CoverArt,
    Message,
    MessageKind,
    MessageStatus,
)
from bookgen.storage.reaction_models import ReactionRow
from bookgen.storage.reactions import reaction_rows

__all__ = [
    "BookOverview",
    "MessageMeta",
    "ThreadPage",
    "TokenUsage",
    "chunk_texts",
    "read_overview",
    "read_page",
]


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
    """A book, its shown branch's messages' metadata, and the latest outline's
    text (for titles).

    ``messages`` are the newest ``limit`` of the branch (the chat panel's
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
    # Tokens of every message of the book, on every branch (all were paid for).
    usage: TokenUsage = field(default_factory=lambda: TokenUsage())
    # The painted cover art's ETag ("" while the drawn cover stands): part of
    # the cover's URL, so open tabs fetch the art when it lands.
    cover_version: str = ""
    # The book's branches (storage/branches.py), the shown one marked.
    branches: list[BranchInfo] = field(default_factory=list)


@dataclass
class ThreadPage:
    """Older messages of a thread, for the chat panel scrolling back."""

    messages: list[MessageMeta]
    # There are messages before these (within the range asked for).
    has_older: bool
    reactions: list[ReactionRow]
    # The latest outline's text (chapter titles label the bubbles).
    outline_text: str = ""


_MANUSCRIPT_KINDS = {
    MessageKind.CHAPTER,
    MessageKind.REDRAFT_ASK,
    MessageKind.REDRAFT,
    MessageKind.REDRAFT_KEEP,
    MessageKind.REDRAFT_DROP,
}


def _manuscript_ids(path: list[PathRow]) -> list[int]:
    """The latest outline and the latest attempt at each chapter (and the
    latest of each chapter's regenerating messages: generation/redraft.py)."""
    latest: dict[tuple[str, int | None], int] = {}
    for row in path:
        if row.kind == MessageKind.OUTLINE or (
            row.kind in _MANUSCRIPT_KINDS and row.chapter is not None
        ):
            latest[(row.kind, row.chapter)] = row.id
    return list(latest.values())


def _latest_outline_id(path: list[PathRow]) -> int | None:
    outlines = [r.id for r in path if r.kind == MessageKind.OUTLINE]
    return outlines[-1] if outlines else None


async def read_overview(s: AsyncSession, book: Book, limit: int) -> BookOverview:
    """Everything but the texts (and the editors, which the store adds)."""
    assert book.id is not None
    path = await current_path(s, book.id)
    newest = [r.id for r in path[-limit:]] if limit > 0 else []
    ids = sorted(set(newest) | set(_manuscript_ids(path)))
    metas = await _metas(s, ids)
    outline_id = _latest_outline_id(path)
    outline = await s.get(Message, outline_id) if outline_id else None
    reactions = await reaction_rows(s, newest)
    usage, cover_version = await _book_totals(s, book.id)
    return BookOverview(
        book,
        metas,
        outline.content if outline else "",
        thread_from=newest[0] if newest else 0,
        has_older=len(path) > len(newest),
        reactions=reactions,
        usage=usage,
        cover_version=cover_version,
        branches=await list_branches(s, book),
    )


async def read_page(
    s: AsyncSession, book_id: int, *, before: int, limit: int, since: int
) -> ThreadPage:
    """The newest ``limit`` messages of the shown branch with ids in
    [since, before) (ids ascend along a path, so this pages along it)."""
    path = await current_path(s, book_id)
    window = [r for r in path if since <= r.id < before]
    ids = [r.id for r in window[-limit:]]
    metas = await _metas(s, ids)
    reactions = await reaction_rows(s, ids)
    outline = ""
    if metas and (outline_id := _latest_outline_id(path)) is not None:
        row = await s.get(Message, outline_id)
        outline = row.content if row else ""
    return ThreadPage(metas, len(window) > len(ids), reactions, outline)


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


async def chunk_texts(s: AsyncSession, message_ids: list[int]) -> dict[int, str]:
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

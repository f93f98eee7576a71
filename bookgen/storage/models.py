"""SQL tables: books, their conversation thread, messages, and the chunk log.

Plain SQLModel tables (``rx.Model`` is deprecated), so storage works without Reflex.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

__all__ = [
    "BRANCH_WISH_CHARS",
    "CHAPTER_COUNT",
    "DASHBOARD_PAGE",
    "DEFAULT_CHAPTER_COUNT",
    "DEFAULT_WORDS_PER_CHAPTER",
    "DETAIL_CHARS",
    "EDIT_CHARS",
    "FEEDBACK_CHARS",
    "MAX_BRANCHES",
    "MAX_ROW_ID",
    "MODEL_NAME_CHARS",
    "PREMISE_CHARS",
    "REDRAFT_FEEDBACK_CHARS",
    "SEARCH_CHARS",
    "THREAD_PAGE",
    "TITLE_CHARS",
    "WORDS_PER_CHAPTER",
    "ActionPolicy",
    "Book",
    "BookBase",
    "BookCover",
    "BookStatus",
    "Bounds",
    "Chunk",
    "CoverArt",
    "Message",
    "MessageKind",
    "MessageStatus",
    "Role",
    "Thread",
    "Visibility",
    "utcnow",
]


def utcnow() -> datetime:
    """Timezone-aware now; a function so defaults are evaluated per row."""
    return datetime.now(UTC)


class BookStatus(StrEnum):
    """Where a book is in its life; the text shown as ``book-status``."""

    OUTLINING = "outlining"
    AWAITING_APPROVAL = "awaiting_approval"
    WRITING = "writing"
    COMPLETE = "complete"
    STOPPED = "stopped"
    ERROR = "error"


# Statuses in which a runner should be generating (and may hold the lease).
ACTIVE_STATUSES: tuple[BookStatus, ...] = (BookStatus.OUTLINING, BookStatus.WRITING)


class Role(StrEnum):
    USER = "user"
    ASSISTANT = "assistant"


class MessageKind(StrEnum):
    REQUEST = "request"
    OUTLINE = "outline"
    FEEDBACK = "feedback"
    APPROVAL = "approval"
    CHAPTER = "chapter"
    SUMMARY = "summary"
    # Regenerating one finished chapter (generation/redraft.py): the author's
    # request (content: the feedback), the new version streamed beside the
    # chapter, and the author's choice between the two.
    REDRAFT_ASK = "redraft_ask"
    REDRAFT = "redraft"
    REDRAFT_KEEP = "redraft_keep"
    REDRAFT_DROP = "redraft_drop"
    # The first message of a branch (storage/branches.py): where it forked and
    # the author's "what if" (content, maybe ""), for the rewritten message.
    BRANCH = "branch"


class MessageStatus(StrEnum):
    """``streaming`` while text arrives; the rest are final until resumed."""

    STREAMING = "streaming"
    COMPLETE = "complete"
    STOPPED = "stopped"
    ERROR = "error"
    INTERRUPTED = "interrupted"


class Visibility(StrEnum):
    """Who may see a book."""

    PRIVATE = "private"  # the author only
    TEAM = "team"  # every signed-in, enabled teammate


class ActionPolicy(StrEnum):
    """Who may drive a book (approve, reject, stop, continue, ...)."""

    AUTHOR = "author"  # only the author
    TEAM = "team"  # anyone who may see it


# Keys are INTEGER columns: signed 32-bit on PostgreSQL, which raises "integer
# out of range" past this. Nothing outside 1..MAX_ROW_ID can name a row.
MAX_ROW_ID = 2**31 - 1


@dataclass(frozen=True)
class Bounds:
    """Inclusive limits of a number, or of a text's length in characters."""

    low: int
    high: int


# A book's limits, written once: the form's checks and messages, the column
# sizes and the database's CHECK constraints all read them from here.
TITLE_CHARS = Bounds(1, 200)
PREMISE_CHARS = Bounds(1, 4_000)
DETAIL_CHARS = Bounds(0, 100)  # genre, audience, tone
MODEL_NAME_CHARS = Bounds(0, 200)
CHAPTER_COUNT = Bounds(1, 50)
WORDS_PER_CHAPTER = Bounds(200, 8_000)
# An author's feedback on an outline.
FEEDBACK_CHARS = Bounds(1, 4_000)
# An author's (optional) feedback on a chapter to regenerate.
REDRAFT_FEEDBACK_CHARS = Bounds(0, 2_000)
# An author's edited outline or chapter (a chapter may reach ~60,000 characters;
# the socket caps a message at 1 MB).
EDIT_CHARS = Bounds(1, 200_000)
DEFAULT_CHAPTER_COUNT = 8
DEFAULT_WORDS_PER_CHAPTER = 1_500
# An author's (optional) "what if" when branching the book.
BRANCH_WISH_CHARS = Bounds(0, 2_000)
# Branches a book may have (each keeps every message it wrote).
MAX_BRANCHES = 50
# Messages the chat panel shows at first, and loads each time it scrolls back.
THREAD_PAGE = 40
# Books the dashboard lists at most, newest first (a search finds the rest).
DASHBOARD_PAGE = 60
# What the dashboard's title search may be.
SEARCH_CHARS = Bounds(0, TITLE_CHARS.high)


def _text(limit: Bounds, default: str | None = None) -> Any:
    """A text field whose length is checked against ``limit``."""
    if default is None:
        return Field(min_length=limit.low, max_length=limit.high)
    return Field(default=default, min_length=limit.low, max_length=limit.high)


class BookBase(SQLModel):
    """What an author chooses for a book, with its limits (validated on input)."""

    title: str = _text(TITLE_CHARS)
    premise: str = _text(PREMISE_CHARS)
    genre: str = _text(DETAIL_CHARS, "")
    audience: str = _text(DETAIL_CHARS, "")
    tone: str = _text(DETAIL_CHARS, "")
    chapter_count: int = Field(
        default=DEFAULT_CHAPTER_COUNT, ge=CHAPTER_COUNT.low, le=CHAPTER_COUNT.high
    )
    words_per_chapter: int = Field(
        default=DEFAULT_WORDS_PER_CHAPTER,
        ge=WORDS_PER_CHAPTER.low,
        le=WORDS_PER_CHAPTER.high,
    )
    # Empty means the app's default model (chosen when the book is created).
    model: str = _text(MODEL_NAME_CHARS, "")


def _check(column: str, limit: Bounds, *, length: bool = False) -> CheckConstraint:
    """The database's copy of a limit; revision 0002 created these."""
    value = f"length({column})" if length else column
    suffix = "length" if length else "range"
    return CheckConstraint(
        f"{value} BETWEEN {limit.low} AND {limit.high}",
        name=f"ck_book_{column}_{suffix}",
    )


class Book(BookBase, table=True):
    """A stored book; the database checks BookBase's limits again."""

    __table_args__ = (
        _check("title", TITLE_CHARS, length=True),
        _check("premise", PREMISE_CHARS, length=True),
        _check("genre", DETAIL_CHARS, length=True),
        _check("audience", DETAIL_CHARS, length=True),
        _check("tone", DETAIL_CHARS, length=True),
        _check("model", MODEL_NAME_CHARS, length=True),
        _check("chapter_count", CHAPTER_COUNT),
        _check("words_per_chapter", WORDS_PER_CHAPTER),
    )

    id: int | None = Field(default=None, primary_key=True)
    # The author (None only in single-author mode, BOOKGEN_AUTH=off).
    owner_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    visibility: str = Field(default=Visibility.PRIVATE, max_length=16)
    action_policy: str = Field(default=ActionPolicy.AUTHOR, max_length=16)
    status: str = Field(default=BookStatus.OUTLINING, max_length=32, index=True)
    chapters_done: int = 0
    # Outline rejections and Continue/Retry presses so far (both are bounded).
    rejections: int = 0
    continues: int = 0
    # Bumped on every status change: the conditional update that makes races safe.
    version: int = 0
    # The branch shown and generated (a Thread of this book; see Thread).
    thread_id: int | None = Field(default=None)
    # Which runner owns the live generation, and until when (heartbeat).
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class Thread(SQLModel, table=True):
    """One branch of a book: a path through the tree of its messages.

    A branch is its leaf and everything above it (``Message.parent_id``), the
    prefix it shares with the branch it forked from included; messages are
    never copied. While another branch is shown, the book's state on this one
    waits here (``status``, ``chapters_done``, ``chapter_count``).
    """

    id: int | None = Field(default=None, primary_key=True)
    book_id: int = Field(foreign_key="book.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)
    # "Version N" on the book page: 1 for the book's first branch.
    number: int = 1
    parent_thread_id: int | None = Field(default=None, foreign_key="thread.id")
    # The message this branch rewrites (its first own message replaces it).
    forked_from_id: int | None = None
    # The branch's newest message (None: the branch is still empty).
    leaf_message_id: int | None = None
    label: str = Field(default="", max_length=200)
    status: str = Field(default=BookStatus.OUTLINING, max_length=32)
    chapters_done: int = 0
    chapter_count: int = DEFAULT_CHAPTER_COUNT


class Message(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="thread.id", index=True)
    book_id: int = Field(foreign_key="book.id", index=True)
    # The message before this one on its branch (None: the book's request).
    parent_id: int | None = Field(default=None, foreign_key="message.id")
    role: str = Field(max_length=16)
    kind: str = Field(max_length=16)
    chapter: int | None = None
    status: str = Field(default=MessageStatus.COMPLETE, max_length=16)
    # Folded text; while streaming, the chunk log holds the rest.
    content: str = ""
    error: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    # Bumped by every edit of a finished message (storage/edits.py): the
    # optimistic-concurrency check, and what makes viewers fetch the text anew.
    version: int = 0
    # The stream ended without the provider's usage: the tokens are estimated.
    usage_estimated: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Chunk(SQLModel, table=True):
    """Text of a message still streaming, one row per flush; folded at the end."""

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    text: str


class CoverArt(StrEnum):
    """Where a stored cover's picture came from, and whether art is on its way."""

    LOCAL = "local"  # drawn by Pillow from the metadata (export/cover.py)
    PENDING = "pending"  # the images API was asked; the local cover stands in
    ART = "art"  # generated art with title and author set on it locally
    FAILED = "failed"  # the images API failed; the local cover stays


class BookCover(SQLModel, table=True):
    """A book's cover PNG, made once and served from here (ETag = ``etag``)."""

    __tablename__ = "book_cover"  # pyright: ignore[reportAssignmentType]

    book_id: int = Field(foreign_key="book.id", primary_key=True)
    # What the picture was made from (title, author, genre): a change redraws it.
    source_key: str = Field(max_length=64)
    etag: str = Field(max_length=64)
    art: str = Field(default=CoverArt.LOCAL, max_length=16)
    png: bytes
    # A small copy for the dashboard and the book page.
    thumb_png: bytes
    updated_at: datetime = Field(default_factory=utcnow)

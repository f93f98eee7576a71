"""SQL tables: books, their conversation thread, messages, and the chunk log.

Plain SQLModel tables (``rx.Model`` is deprecated), so storage works without Reflex.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlmodel import Field, SQLModel

__all__ = [
    "Book",
    "BookStatus",
    "Chunk",
    "Message",
    "MessageKind",
    "MessageStatus",
    "Role",
    "Thread",
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


class MessageStatus(StrEnum):
    """``streaming`` while text arrives; the rest are final until resumed."""

    STREAMING = "streaming"
    COMPLETE = "complete"
    STOPPED = "stopped"
    ERROR = "error"
    INTERRUPTED = "interrupted"


class Book(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    premise: str = Field(max_length=4000)
    genre: str = Field(default="", max_length=100)
    audience: str = Field(default="", max_length=100)
    tone: str = Field(default="", max_length=100)
    chapter_count: int = 8
    words_per_chapter: int = 1500
    model: str = Field(default="", max_length=200)
    status: str = Field(default=BookStatus.OUTLINING, max_length=32, index=True)
    chapters_done: int = 0
    # Bumped on every status change: the conditional update that makes races safe.
    version: int = 0
    # Which runner owns the live generation, and until when (heartbeat).
    lease_owner: str | None = Field(default=None, max_length=64)
    lease_until: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)


class Thread(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    book_id: int = Field(foreign_key="book.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class Message(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    thread_id: int = Field(foreign_key="thread.id", index=True)
    book_id: int = Field(foreign_key="book.id", index=True)
    role: str = Field(max_length=16)
    kind: str = Field(max_length=16)
    chapter: int | None = None
    status: str = Field(default=MessageStatus.COMPLETE, max_length=16)
    # Folded text; while streaming, the chunk log holds the rest.
    content: str = ""
    error: str = ""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Chunk(SQLModel, table=True):
    """Text of a message still streaming, one row per flush; folded at the end."""

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    text: str

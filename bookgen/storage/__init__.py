"""Persistence: SQL tables, engines and the queries the generation service needs."""

from bookgen.storage.models import (
    Book,
    BookStatus,
    Chunk,
    Message,
    MessageKind,
    MessageStatus,
    Role,
    Thread,
)
from bookgen.storage.store import BookSnapshot, Store

__all__ = [
    "Book",
    "BookSnapshot",
    "BookStatus",
    "Chunk",
    "Message",
    "MessageKind",
    "MessageStatus",
    "Role",
    "Store",
    "Thread",
]

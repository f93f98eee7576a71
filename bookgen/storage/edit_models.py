"""Tables of in-place editing: every kept version of a message, and who edits now.

Apart from models.py so the editing feature reads as one piece; alembic's
env.py imports this module so migrations see the tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from bookgen.storage.models import utcnow

__all__ = ["EditPresence", "MessageVersion"]


class MessageVersion(SQLModel, table=True):
    """One saved text of a message: version 0 is what the model wrote (kept at
    the first edit), each later one an author's save, with who and when."""

    __tablename__ = "message_version"  # pyright: ignore[reportAssignmentType]
    __table_args__ = (
        UniqueConstraint("message_id", "version", name="uq_message_version"),
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True)
    version: int
    content: str
    # None: written by the model (or in single-author mode, by the one author).
    author_id: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)


class EditPresence(SQLModel, table=True):
    """A tab that has an editor open on a message, until ``until`` (heartbeat).

    ``tab`` is a hash of the tab's client token (never the token itself).
    """

    __tablename__ = "edit_presence"  # pyright: ignore[reportAssignmentType]

    id: int | None = Field(default=None, primary_key=True)
    tab: str = Field(max_length=64, unique=True, index=True)
    book_id: int = Field(foreign_key="book.id", index=True)
    message_id: int = Field(foreign_key="message.id")
    # The editor's name as the team sees it ("The author" in single-author mode).
    name: str = Field(max_length=100)
    until: datetime

"""Reactions: one row per (message, user, reaction name), and the fixed set.

The set is defined once here: its names appear in automation ids
(``react-<message id>-<name>``), in the database and in the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel, col

from bookgen.storage.models import Message, utcnow

__all__ = [
    "LOCAL_AUTHOR",
    "REACTIONS",
    "Reaction",
    "ReactionName",
    "ReactionRow",
]


class ReactionName(StrEnum):
    """The reactions a viewer may leave on a message, in the order shown."""

    UP = "up"
    DOWN = "down"
    HEART = "heart"
    LAUGH = "laugh"
    WOW = "wow"


# Name -> what the button shows; the page shows them in this order.
REACTIONS: dict[ReactionName, str] = {
    ReactionName.UP: "\U0001f44d",
    ReactionName.DOWN: "\U0001f44e",
    ReactionName.HEART: "\u2764\ufe0f",
    ReactionName.LAUGH: "\U0001f602",
    ReactionName.WOW: "\U0001f62e",
}

# Single-author mode (BOOKGEN_AUTH=off) has no accounts: its one local author
# reacts as user 0, which no account can be (ids start at 1).
LOCAL_AUTHOR = 0


class Reaction(SQLModel, table=True):
    """A viewer's reaction to a message; pressing it again removes the row."""

    __table_args__ = (
        UniqueConstraint(
            "message_id", "user_id", "name", name="uq_reaction_message_user_name"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id")
    # An account's id, or LOCAL_AUTHOR; no foreign key, so the local author fits.
    user_id: int
    name: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


# The chat panel reads a book's newest messages, and pages back by id.
Index("ix_message_book_id_id", col(Message.book_id), col(Message.id))


@dataclass(frozen=True)
class ReactionRow:
    """One stored reaction, without its id and time: what views count."""

    message_id: int
    name: str
    user_id: int

"""The chat panel's history and reactions, as plain functions the book state uses.

A tab shows the overview's window (the newest messages, shared by every tab of
the book on a worker) plus the older pages it loaded itself while scrolling
back. Kept apart from book.py so the rules test without Reflex.
"""

from __future__ import annotations

from collections.abc import Sequence

from bookgen.accounts import Viewer
from bookgen.state.views import ThreadEntry, thread_entries
from bookgen.storage.models import MAX_ROW_ID
from bookgen.storage.reaction_models import LOCAL_AUTHOR, ReactionName
from bookgen.storage.store import ThreadPage

__all__ = [
    "HISTORY_MAX",
    "MESSAGE_NOT_FOUND",
    "UNKNOWN_REACTION",
    "kept_older",
    "older_entries",
    "parse_message_id",
    "parse_reaction",
    "reactor_id",
]

# The answer for a message that does not exist, or is not in a book the
# viewer may see on this page: the same words either way.
MESSAGE_NOT_FOUND = "Message not found."
UNKNOWN_REACTION = "Choose a reaction from the buttons."
# Older messages a tab re-reads at most when the book changes (a book's thread
# is bounded by its limits long before this).
HISTORY_MAX = 10_000


def reactor_id(viewer: Viewer) -> int:
    """Who reacts: the account, or the single local author (BOOKGEN_AUTH=off)."""
    return viewer.user.id if viewer.user is not None else LOCAL_AUTHOR


def parse_reaction(name: object) -> ReactionName | None:
    """A reaction of the fixed set, or None for anything else a client sends."""
    if not isinstance(name, str):
        return None
    try:
        return ReactionName(name)
    except ValueError:
        return None


def parse_message_id(value: object) -> int | None:
    """A message id that could name a row (bools and floats are not ids)."""
    if type(value) is not int or not 0 < value <= MAX_ROW_ID:
        return None
    return value


def older_entries(page: ThreadPage, viewer: Viewer) -> list[ThreadEntry]:
    """Bubbles for a page of older messages."""
    user = reactor_id(viewer)
    return thread_entries(page.messages, page.outline_text, page.reactions, user)


def kept_older(
    thread: Sequence[ThreadEntry], since: int, thread_from: int
) -> list[ThreadEntry]:
    """The older bubbles a tab keeps when a new window arrives: those it loaded
    (from ``since``) that the window does not cover."""
    if not since:
        return []
    return [e for e in thread if since <= e.id < thread_from]

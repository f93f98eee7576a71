"""Regenerating one finished chapter: the rules, as pure functions over the thread.

The author asks (a ``REDRAFT_ASK`` message: the chapter and the feedback);
the runner writes a ``REDRAFT`` message for that chapter with the chapter's
prompt plus the feedback; the author keeps either version (``REDRAFT_KEEP``,
``REDRAFT_DROP``). Until kept, the new version is nobody's chapter: the
machine, continuity, exports and the manuscript's text read only ``CHAPTER``
messages. Keeping it saves its text as the chapter's next version
(storage/edits.py), so the old text stays in ``message_version``. Nothing is
ever deleted. One request at a time per book.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from bookgen.storage.models import (
    REDRAFT_FEEDBACK_CHARS,
    Book,
    BookStatus,
    MessageKind,
    MessageStatus,
    Role,
)
from bookgen.storage.store import NewMessage

__all__ = [
    "CHAPTER_EDITED",
    "DECISIONS",
    "FEEDBACK_NOT_TEXT",
    "NOT_FINISHED",
    "NO_NEW_VERSION",
    "REDRAFT_FEEDBACK_TOO_LONG",
    "REDRAFT_FROM",
    "Pending",
    "chapter_message",
    "pending",
    "redraft_feedback",
    "redraft_refusal",
    "redraft_to_write",
]

# A chapter is regenerated only in a finished book (never beside the writing).
REDRAFT_FROM: tuple[BookStatus, ...] = (BookStatus.COMPLETE,)
DECISIONS = (MessageKind.REDRAFT_KEEP, MessageKind.REDRAFT_DROP)

NOT_FINISHED = "A chapter can be regenerated once the book is finished."
NO_CHAPTER = "There is no such finished chapter to regenerate."
ONE_AT_A_TIME = "Keep one version of the regenerated chapter first."
REDRAFT_FEEDBACK_TOO_LONG = (
    f"Feedback on a chapter is limited to {REDRAFT_FEEDBACK_CHARS.high:,} characters."
)
FEEDBACK_NOT_TEXT = "Feedback must be text."
NO_NEW_VERSION = "There is no finished new version of this chapter to choose."
CHAPTER_EDITED = "The chapter was edited meanwhile; look at it again before choosing."


class _Row(Protocol):
    """What these rules read of a message (a Message or a MessageMeta)."""

    @property
    def id(self) -> int | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def chapter(self) -> int | None: ...
    @property
    def status(self) -> str: ...


class _AskRow(_Row, Protocol):
    @property
    def content(self) -> str: ...


R = TypeVar("R", bound=_Row)


@dataclass(frozen=True)
class Pending:
    """The request not yet decided, and its new version once started."""

    chapter: int
    ask_id: int
    candidate_id: int | None
    candidate_complete: bool


def pending(messages: Sequence[_Row]) -> Pending | None:
    """The open request: the last ``REDRAFT_ASK`` with no decision after it."""
    open_ask: _Row | None = None
    candidate: _Row | None = None
    for m in messages:
        if m.kind == MessageKind.REDRAFT_ASK:
            open_ask, candidate = m, None
        elif m.kind == MessageKind.REDRAFT and open_ask is not None:
            candidate = m
        elif m.kind in DECISIONS:
            open_ask, candidate = None, None
    if open_ask is None or open_ask.id is None or open_ask.chapter is None:
        return None
    return Pending(
        chapter=open_ask.chapter,
        ask_id=open_ask.id,
        candidate_id=candidate.id if candidate is not None else None,
        candidate_complete=candidate is not None
        and candidate.status == MessageStatus.COMPLETE,
    )


def redraft_to_write(messages: Sequence[_Row]) -> int | None:
    """The chapter whose new version the runner must start, if any."""
    open_request = pending(messages)
    if open_request is None or open_request.candidate_id is not None:
        return None
    return open_request.chapter


def chapter_message(messages: Sequence[R], chapter: int) -> R | None:
    """The chapter as it stands: its latest complete ``CHAPTER`` message."""
    found = None
    for m in messages:
        if (
            m.kind == MessageKind.CHAPTER
            and m.chapter == chapter
            and m.status == MessageStatus.COMPLETE
        ):
            found = m
    return found


def redraft_refusal(
    book: Book, messages: Sequence[_Row], chapter: object, feedback: object
) -> NewMessage | str:
    """The request to store for regenerating ``chapter``, or why not (any
    argument may come from a hostile client)."""
    if not isinstance(feedback, str):
        return FEEDBACK_NOT_TEXT
    wish = feedback.strip()
    if len(wish) > REDRAFT_FEEDBACK_CHARS.high:
        return REDRAFT_FEEDBACK_TOO_LONG
    if book.status not in REDRAFT_FROM:
        return NOT_FINISHED
    if (
        not isinstance(chapter, int)
        or isinstance(chapter, bool)
        or not 1 <= chapter <= book.chapter_count
        or chapter_message(messages, chapter) is None
    ):
        return NO_CHAPTER
    if pending(messages) is not None:
        return ONE_AT_A_TIME
    return NewMessage(
        role=Role.USER, kind=MessageKind.REDRAFT_ASK, content=wish, chapter=chapter
    )


def redraft_feedback(messages: Sequence[_AskRow], chapter: int) -> str:
    """The feedback of the open request for ``chapter`` ("" for none)."""
    asks = [
        m
        for m in messages
        if m.kind == MessageKind.REDRAFT_ASK and m.chapter == chapter
    ]
    return asks[-1].content if asks else ""

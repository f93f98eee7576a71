"""The book's state machine: which author actions are allowed, and what to write next.

Pure functions over a book and its messages, so the rules read in one place
and test without a database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bookgen.generation.continuity import StoryContext, story_context
from bookgen.generation.outline import parse_outline
from bookgen.generation.redraft import redraft_to_write
from bookgen.storage.models import (
    ACTIVE_STATUSES,
    CHAPTER_COUNT,
    Book,
    BookStatus,
    Message,
    MessageKind,
    MessageStatus,
    Role,
)

__all__ = [
    "NO_CHAPTERS",
    "Action",
    "ApprovalCheck",
    "Finish",
    "Step",
    "allowed_from",
    "approval_check",
    "approved_outline",
    "chapter_context",
    "chapters_done",
    "next_step",
    "resume_status",
]


class Action:
    """Author actions; each is allowed only from the statuses listed below."""

    APPROVE = "approve"
    REJECT = "reject"
    STOP = "stop"
    CONTINUE = "continue"
    RETRY = "retry"


_ALLOWED: dict[str, tuple[BookStatus, ...]] = {
    Action.APPROVE: (BookStatus.AWAITING_APPROVAL,),
    Action.REJECT: (BookStatus.AWAITING_APPROVAL,),
    Action.STOP: ACTIVE_STATUSES,
    Action.CONTINUE: (BookStatus.STOPPED,),
    Action.RETRY: (BookStatus.ERROR,),
}


def allowed_from(action: str) -> tuple[BookStatus, ...]:
    return _ALLOWED[action]


@dataclass(frozen=True)
class Step:
    """Write (or finish writing) one assistant message."""

    kind: MessageKind
    chapter: int | None = None
    # Set when an unfinished message must be continued rather than started.
    resume_message_id: int | None = None


@dataclass(frozen=True)
class Finish:
    """Nothing left to write in this phase: move the book to ``status``."""

    status: BookStatus


def is_approved(messages: Sequence[Message]) -> bool:
    return any(m.kind == MessageKind.APPROVAL for m in messages)


def resume_status(messages: Sequence[Message]) -> BookStatus:
    """The phase a stopped or failed book returns to."""
    return BookStatus.WRITING if is_approved(messages) else BookStatus.OUTLINING


def approved_outline(messages: Sequence[Message]) -> Message | None:
    """The last complete outline before the approval."""
    outline = None
    for m in messages:
        if m.kind == MessageKind.APPROVAL:
            return outline
        if m.kind == MessageKind.OUTLINE and m.status == MessageStatus.COMPLETE:
            outline = m
    return None


NO_CHAPTERS = (
    "No chapters could be found in this outline, so it cannot be approved. "
    "Reject it with feedback to get a new one."
)


@dataclass(frozen=True)
class ApprovalCheck:
    """Whether the latest outline can be approved, and the chapters it sets."""

    chapters: int | None = None
    problem: str = ""


def approval_check(book: Book, messages: Sequence[Message]) -> ApprovalCheck:
    """The book follows the chapters its outline lists, however many that is.

    An outline in which no chapter can be found (empty, prose only) cannot be
    approved: there would be nothing to write.
    """
    outlines = [
        m
        for m in messages
        if m.kind == MessageKind.OUTLINE and m.status == MessageStatus.COMPLETE
    ]
    if not outlines:
        return ApprovalCheck(problem="There is no outline to approve yet.")
    found = parse_outline(outlines[-1].content).count
    if found == 0:
        return ApprovalCheck(problem=NO_CHAPTERS)
    return ApprovalCheck(chapters=min(found, CHAPTER_COUNT.high))


def chapter_context(messages: Sequence[Message], chapter: int) -> StoryContext:
    """What a chapter's prompt carries of the chapters before it."""
    summaries = [
        (m.chapter, m.content)
        for m in messages
        if m.kind == MessageKind.SUMMARY
        and m.status == MessageStatus.COMPLETE
        and m.chapter is not None
        and m.chapter < chapter
    ]
    previous = [
        m.content
        for m in messages
        if m.kind == MessageKind.CHAPTER
        and m.status == MessageStatus.COMPLETE
        and m.chapter == chapter - 1
    ]
    # A chapter rewritten after a retry: the latest summary of each chapter.
    latest = dict(summaries)
    return story_context(sorted(latest.items()), previous[-1] if previous else "")


def _complete(messages: Sequence[Message], kind: MessageKind, chapter: int) -> bool:
    return any(
        m.kind == kind and m.chapter == chapter and m.status == MessageStatus.COMPLETE
        for m in messages
    )


def _summary_current(messages: Sequence[Message], chapter: int) -> bool:
    """A finished summary of the chapter as it reads now: one written after
    the chapter's last edit (an edit bumps its version and updated_at), so
    later chapters' prompts never carry a summary of replaced text."""
    chapters = [
        m
        for m in messages
        if m.kind == MessageKind.CHAPTER
        and m.chapter == chapter
        and m.status == MessageStatus.COMPLETE
    ]
    edited = chapters[-1] if chapters and chapters[-1].version > 0 else None
    return any(
        m.kind == MessageKind.SUMMARY
        and m.chapter == chapter
        and m.status == MessageStatus.COMPLETE
        and (edited is None or m.created_at >= edited.updated_at)
        for m in messages
    )


def chapters_done(messages: Sequence[Message]) -> int:
    return len(
        {
            m.chapter
            for m in messages
            if m.kind == MessageKind.CHAPTER and m.status == MessageStatus.COMPLETE
        }
    )


def next_step(book: Book, messages: Sequence[Message]) -> Step | Finish | None:
    """What the runner must do now; None when the book waits for its author."""
    if book.status not in ACTIVE_STATUSES:
        return None
    unfinished = [
        m
        for m in messages
        if m.role == Role.ASSISTANT and m.status != MessageStatus.COMPLETE
    ]
    if unfinished:
        m = unfinished[-1]
        return Step(MessageKind(m.kind), m.chapter, resume_message_id=m.id)
    if book.status == BookStatus.OUTLINING:
        last = messages[-1] if messages else None
        if last is not None and last.kind == MessageKind.OUTLINE:
            return Finish(BookStatus.AWAITING_APPROVAL)
        return Step(MessageKind.OUTLINE)
    for chapter in range(1, book.chapter_count + 1):
        if not _complete(messages, MessageKind.CHAPTER, chapter):
            return Step(MessageKind.CHAPTER, chapter)
        if not _summary_current(messages, chapter):
            return Step(MessageKind.SUMMARY, chapter)
    # A chapter to regenerate: after the summaries, so its prompt is current.
    if (redraft := redraft_to_write(messages)) is not None:
        return Step(MessageKind.REDRAFT, redraft)
    return Finish(BookStatus.COMPLETE)

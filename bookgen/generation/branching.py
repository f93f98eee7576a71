"""Branching a book at one of its messages: the rules, as pure functions.

A branch at message M rewrites M: it shares everything before M (its leaf
starts at M's parent) and the book goes on from there. What comes next
depends on M:

- a chapter or its summary (chapter N): a ``BRANCH`` note carrying the
  author's "what if" (maybe ""), and the book writes chapter N anew, with the
  wish in its prompt, then every chapter after it with their summaries;
- an outline: with a wish, the branch keeps that outline and adds the wish as
  outline feedback (a revision, like a rejection); without one, a ``BRANCH``
  note and the outline is written afresh;
- the author's feedback on or approval of an outline: the outline before it
  waits for a new decision, or, with a wish, is revised by it.

The book's first request starts every branch and cannot be branched at, nor
can the messages of a chapter's regeneration (branch at the chapter itself).
"""

from __future__ import annotations

from collections.abc import Sequence

from bookgen.generation.machine import chapters_done
from bookgen.storage.branches import Fork, NewMessage
from bookgen.storage.models import (
    BRANCH_WISH_CHARS,
    BookStatus,
    Message,
    MessageKind,
    Role,
)

__all__ = [
    "NOT_ON_BRANCH",
    "WISH_NEEDS_OUTLINE",
    "WISH_NOT_TEXT",
    "WISH_TOO_LONG",
    "branch_wish",
    "fork_at",
]

NOT_ON_BRANCH = "There is no such message in this version of the book."
CANNOT_BRANCH = "A version can start at the outline, a decision, or a chapter."
WISH_NOT_TEXT = "What should go differently must be text."
WISH_NEEDS_OUTLINE = "To change the outline, start the new version at an outline."
WISH_TOO_LONG = (
    f"What should go differently is limited to {BRANCH_WISH_CHARS.high:,} characters."
)
_LABEL_CHARS = 200
_CHAPTER_KINDS = (MessageKind.CHAPTER, MessageKind.SUMMARY, MessageKind.BRANCH)
_DECISION_KINDS = (MessageKind.FEEDBACK, MessageKind.APPROVAL)


def _label(where: str, wish: str) -> str:
    text = f"{where}: {wish}" if wish else where
    return text if len(text) <= _LABEL_CHARS else text[: _LABEL_CHARS - 1] + "…"


def fork_at(
    messages: Sequence[Message], message_id: object, wish: object
) -> Fork | str:
    """The branch to open at ``message_id`` of the shown path ``messages``, or
    why not (both arguments may come from a hostile client)."""
    if not isinstance(wish, str):
        return WISH_NOT_TEXT
    wish = " ".join(wish.split())
    if len(wish) > BRANCH_WISH_CHARS.high:
        return WISH_TOO_LONG
    if not isinstance(message_id, int) or isinstance(message_id, bool):
        return NOT_ON_BRANCH
    index = next((i for i, m in enumerate(messages) if m.id == message_id), None)
    if index is None:
        return NOT_ON_BRANCH
    at, before = messages[index], messages[:index]
    kind, point = MessageKind(at.kind), at.id or 0
    if kind in _CHAPTER_KINDS and at.chapter is not None:
        note = NewMessage(Role.USER, MessageKind.BRANCH, wish, chapter=at.chapter)
        label = _label(f"From chapter {at.chapter}", wish)
        done = chapters_done(before)
        return Fork(point, at.parent_id, label, BookStatus.WRITING, done, note)
    outlining = BookStatus.OUTLINING
    if kind == MessageKind.BRANCH and wish:  # a fresh outline's note: none to revise
        return WISH_NEEDS_OUTLINE
    if kind in (MessageKind.OUTLINE, MessageKind.BRANCH):
        label = _label("From the outline", wish)
        if wish:  # keep the outline, and revise it by the wish on the branch
            feedback = NewMessage(Role.USER, MessageKind.FEEDBACK, wish)
            return Fork(point, at.id, label, outlining, 0, feedback)
        note = NewMessage(Role.USER, MessageKind.BRANCH, "")
        return Fork(point, at.parent_id, label, outlining, 0, note)
    if kind in _DECISION_KINDS:
        label = _label("From the outline's decision", wish)
        if wish:
            feedback = NewMessage(Role.USER, MessageKind.FEEDBACK, wish)
            return Fork(point, at.parent_id, label, outlining, 0, feedback)
        waiting = BookStatus.AWAITING_APPROVAL
        return Fork(point, at.parent_id, label, waiting, 0, None)
    return CANNOT_BRANCH


def branch_wish(messages: Sequence[Message], chapter: int) -> str | None:
    """The "what if" of the branch that rewrites ``chapter`` (None: this path
    does not rewrite it), for the chapter's prompt."""
    notes = [
        m.content
        for m in messages
        if m.kind == MessageKind.BRANCH and m.chapter == chapter
    ]
    return notes[-1] if notes else None

"""The typed views the pages render, built from storage rows.

Views carry metadata only (status, length, numbers): text reaches the browser
once over HTTP and then as live chunks, never inside a list that Reflex would
resend whole. Predicates the page needs (is this streaming? is it the
author's?) are fields computed here, once, so components compare nothing.
Kept apart from the states so they test without Reflex.

Field names avoid the methods of Reflex's object vars (``length``, ``keys``,
``items``...): a view's fields are read as attributes in components.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypedDict

from bookgen.generation.outline import chapter_titles
from bookgen.generation.redraft import pending
from bookgen.generation.usage import message_tokens
from bookgen.storage.models import (
    ActionPolicy,
    Book,
    BookStatus,
    MessageKind,
    MessageStatus,
    Role,
    Visibility,
)
from bookgen.storage.reaction_models import (
    LOCAL_AUTHOR,
    REACTIONS,
    ReactionRow,
)
from bookgen.storage.store import BookOverview, MessageMeta

__all__ = [
    "BookCard",
    "BranchView",
    "ChapterView",
    "ReactionView",
    "RedraftView",
    "Sharing",
    "TextView",
    "ThreadEntry",
    "book_card",
    "branch_views",
    "chapter_views",
    "outline_view",
    "percent_done",
    "redraft_view",
    "thread_entries",
    "thread_views",
]

_LABELS = {
    MessageKind.REQUEST: "You asked for an outline",
    MessageKind.FEEDBACK: "Your feedback",
    MessageKind.APPROVAL: "You approved the outline",
    MessageKind.OUTLINE: "Outline",
}
# Where a new version of the book may start (generation/branching.py).
_BRANCH_POINTS = {
    MessageKind.OUTLINE,
    MessageKind.FEEDBACK,
    MessageKind.APPROVAL,
    MessageKind.CHAPTER,
    MessageKind.SUMMARY,
    MessageKind.BRANCH,
}
_CHAPTER_LABELS = {
    MessageKind.REDRAFT_ASK: "You asked for a new version of chapter {n}",
    MessageKind.REDRAFT: "New version of chapter {n}",
    MessageKind.REDRAFT_KEEP: "You kept the new version of chapter {n}",
    MessageKind.REDRAFT_DROP: "You kept chapter {n} as it was",
}


@dataclass(frozen=True, kw_only=True)
class TextView:
    """A message whose text the page shows (fetched by id, grown live)."""

    id: int
    status: MessageStatus
    # Code points of text so far, chunk log included.
    chars: int
    # Text is arriving now: blinking cursor, smooth reveal.
    is_streaming: bool
    # Bumped by each edit: the page fetches the text anew when it changes.
    version: int = 0


@dataclass(frozen=True, kw_only=True)
class ReactionView:
    """One reaction under a bubble; the list follows ``REACTIONS``' order."""

    total: int
    # The viewer's own reaction: pressing the button again removes it.
    mine: bool


@dataclass(frozen=True, kw_only=True)
class ThreadEntry(TextView):
    """One bubble of the conversation."""

    role: Role
    kind: MessageKind
    label: str
    error: str
    is_user: bool
    # Chapters are read in the manuscript; the bubble only points there.
    in_manuscript: bool
    # One per reaction of REACTIONS, in its order; empty while nobody reacted.
    reactions: list[ReactionView] = field(default_factory=list)
    # The tokens this reply used (generation/usage.py), "" for none.
    tokens: str = ""
    # A new version of the book may start here (generation/branching.py).
    can_branch: bool = False


@dataclass(frozen=True, kw_only=True)
class BranchView:
    """One version of the book in the book page's list."""

    id: int
    number: int
    # "Version 2 · From chapter 3: what if…"
    name: str
    status: BookStatus
    current: bool


@dataclass(frozen=True, kw_only=True)
class ChapterView(TextView):
    """The latest attempt at one chapter, in the manuscript."""

    number: int
    title: str


@dataclass(frozen=True, kw_only=True)
class RedraftView(TextView):
    """The new version of a chapter, streamed beside it until the author chooses."""

    number: int


@dataclass(frozen=True, kw_only=True)
class BookCard:
    """One row of the dashboard."""

    id: int
    title: str
    status: BookStatus
    chapters_done: int
    chapter_count: int
    # 0-100, the share of chapters written.
    percent_done: int
    updated: str
    # Tokens and estimated cost (generation/usage.py); "" when not known.
    usage: str = ""


class Sharing(StrEnum):
    """The book page's one sharing control: who sees the book and who acts."""

    PRIVATE = "private"  # only the author
    TEAM_READS = "team-reads"  # the team watches; only the author acts
    TEAM_ACTS = "team-acts"  # the team watches and acts

    @classmethod
    def of(cls, book: Book) -> Sharing:
        if book.visibility != Visibility.TEAM:
            return cls.PRIVATE
        if book.action_policy == ActionPolicy.TEAM:
            return cls.TEAM_ACTS
        return cls.TEAM_READS

    @property
    def visibility(self) -> Visibility:
        return Visibility.PRIVATE if self is Sharing.PRIVATE else Visibility.TEAM

    @property
    def action_policy(self) -> ActionPolicy:
        return ActionPolicy.TEAM if self is Sharing.TEAM_ACTS else ActionPolicy.AUTHOR


def percent_done(done: int, total: int) -> int:
    """Chapters written as a whole percentage (0 chapters planned reads as 0)."""
    return round(100 * done / total) if total > 0 else 0


class _TextFields(TypedDict):
    id: int
    status: MessageStatus
    chars: int
    is_streaming: bool
    version: int


def _text_fields(m: MessageMeta) -> _TextFields:
    status = MessageStatus(m.status)
    return {
        "id": m.id,
        "status": status,
        "chars": m.length,
        "is_streaming": status == MessageStatus.STREAMING,
        "version": m.version,
    }


def _label(m: MessageMeta, titles: dict[int, str]) -> str:
    kind = MessageKind(m.kind)
    if kind == MessageKind.CHAPTER:
        title = titles.get(m.chapter or 0, "")
        return f"Chapter {m.chapter}" + (f": {title}" if title else "")
    if kind == MessageKind.SUMMARY:
        return f"Summary of chapter {m.chapter}"
    if kind in _CHAPTER_LABELS:
        return _CHAPTER_LABELS[kind].format(n=m.chapter)
    if kind == MessageKind.BRANCH:
        where = f"chapter {m.chapter}" if m.chapter else "the outline"
        return f"A new version of the book from {where}"
    return _LABELS[kind]


def outline_view(ov: BookOverview) -> TextView | None:
    """The latest outline (revisions replace it in the manuscript)."""
    outlines = [m for m in ov.messages if m.kind == MessageKind.OUTLINE]
    return TextView(**_text_fields(outlines[-1])) if outlines else None


def thread_views(ov: BookOverview, user_id: int = LOCAL_AUTHOR) -> list[ThreadEntry]:
    """The chat panel's window, in order, with ``user_id``'s reactions marked."""
    window = [m for m in ov.messages if m.id >= ov.thread_from]
    return thread_entries(window, ov.outline_text, ov.reactions, user_id)


def thread_entries(
    messages: Sequence[MessageMeta],
    outline_text: str,
    reactions: Sequence[ReactionRow],
    user_id: int = LOCAL_AUTHOR,
) -> list[ThreadEntry]:
    """Bubbles for these messages; chapter text lives in the manuscript only."""
    titles = chapter_titles(outline_text)
    counts = Counter((r.message_id, r.name) for r in reactions)
    mine = {(r.message_id, r.name) for r in reactions if r.user_id == user_id}
    return [
        ThreadEntry(
            **_text_fields(m),
            role=Role(m.role),
            kind=MessageKind(m.kind),
            label=_label(m, titles),
            error=m.error,
            is_user=m.role == Role.USER,
            in_manuscript=m.kind in (MessageKind.CHAPTER, MessageKind.REDRAFT),
            reactions=_reaction_views(m.id, counts, mine),
            tokens=message_tokens(m),
            can_branch=m.kind in _BRANCH_POINTS,
        )
        for m in messages
    ]


def branch_views(ov: BookOverview) -> list[BranchView]:
    """The book's versions, oldest first; none listed while there is only one."""
    if len(ov.branches) < 2:
        return []
    return [
        BranchView(
            id=b.id,
            number=b.number,
            name=f"Version {b.number}" + (f" · {b.label}" if b.label else ""),
            status=BookStatus(b.status),
            current=b.current,
        )
        for b in ov.branches
    ]


def _reaction_views(
    message_id: int, counts: Counter[tuple[int, str]], mine: set[tuple[int, str]]
) -> list[ReactionView]:
    """One per reaction of REACTIONS; none at all (fewer bytes) if nobody reacted."""
    keys = [(message_id, name.value) for name in REACTIONS]
    if not any(counts[k] for k in keys):
        return []
    return [ReactionView(total=counts[k], mine=k in mine) for k in keys]


def chapter_views(ov: BookOverview) -> list[ChapterView]:
    """The manuscript: the latest attempt at each chapter, in order."""
    titles = chapter_titles(ov.outline_text)
    latest: dict[int, MessageMeta] = {}
    for m in ov.messages:
        if m.kind == MessageKind.CHAPTER and m.chapter is not None:
            latest[m.chapter] = m
    return [
        ChapterView(
            **_text_fields(m),
            number=n,
            title=titles.get(n, f"Chapter {n}"),
        )
        for n, m in sorted(latest.items())
    ]


def redraft_view(ov: BookOverview) -> RedraftView | None:
    """The undecided new version of a chapter, once it has started."""
    open_request = pending(ov.messages)
    if open_request is None or open_request.candidate_id is None:
        return None
    candidate = next(
        (m for m in ov.messages if m.id == open_request.candidate_id), None
    )
    if candidate is None:
        return None
    return RedraftView(**_text_fields(candidate), number=open_request.chapter)


def book_card(book: Book, usage: str = "") -> BookCard:
    """One dashboard row."""
    assert book.id is not None, "only stored books are listed"
    return BookCard(
        id=book.id,
        title=book.title,
        status=BookStatus(book.status),
        chapters_done=book.chapters_done,
        chapter_count=book.chapter_count,
        percent_done=percent_done(book.chapters_done, book.chapter_count),
        updated=book.updated_at.strftime("%Y-%m-%d %H:%M UTC"),
        usage=usage,
    )

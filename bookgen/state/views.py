"""Turning storage rows into the small dicts the page renders.

Kept apart from the states so it tests without Reflex.
"""

from __future__ import annotations

from bookgen.generation.outline import chapter_titles
from bookgen.storage.models import Book, Message, MessageKind, MessageStatus, Role
from bookgen.storage.store import BookSnapshot

__all__ = ["book_card", "chapter_views", "message_key", "outline_view", "thread_views"]

_LABELS = {
    MessageKind.REQUEST: "You asked for an outline",
    MessageKind.FEEDBACK: "Your feedback",
    MessageKind.APPROVAL: "You approved the outline",
    MessageKind.OUTLINE: "Outline",
    MessageKind.SUMMARY: "Summary",
}


def message_key(message: Message) -> str:
    return f"m{message.id}"


def _label(m: Message, titles: dict[int, str]) -> str:
    if m.kind == MessageKind.CHAPTER:
        title = titles.get(m.chapter or 0, "")
        return f"Chapter {m.chapter}" + (f": {title}" if title else "")
    if m.kind == MessageKind.SUMMARY:
        return f"Summary of chapter {m.chapter}"
    return _LABELS.get(MessageKind(m.kind), m.kind)


def _latest_outline(snap: BookSnapshot) -> Message | None:
    outlines = [m for m in snap.messages if m.kind == MessageKind.OUTLINE]
    return outlines[-1] if outlines else None


def outline_view(snap: BookSnapshot) -> dict[str, str]:
    m = _latest_outline(snap)
    if m is None:
        return {"key": "", "status": "", "content": ""}
    return {"key": message_key(m), "status": m.status, "content": m.content}


def thread_views(snap: BookSnapshot) -> list[dict[str, str]]:
    """The chat panel: every message; chapter text lives in the manuscript only."""
    outline = _latest_outline(snap)
    titles = chapter_titles(outline.content) if outline else {}
    views = []
    for m in snap.messages:
        long_text = m.kind in (MessageKind.CHAPTER,)
        views.append(
            {
                "key": message_key(m),
                "role": m.role,
                "kind": m.kind,
                "label": _label(m, titles),
                "status": m.status,
                "content": "" if long_text else m.content,
                "words": f"{len(m.content.split()):,} words" if long_text else "",
                "error": m.error,
                "user": "1" if m.role == Role.USER else "",
            }
        )
    return views


def chapter_views(snap: BookSnapshot) -> list[dict[str, str]]:
    """The manuscript: the latest attempt at each chapter, in order."""
    outline = _latest_outline(snap)
    titles = chapter_titles(outline.content) if outline else {}
    latest: dict[int, Message] = {}
    for m in snap.messages:
        if m.kind == MessageKind.CHAPTER and m.chapter is not None:
            latest[m.chapter] = m
    return [
        {
            "key": message_key(m),
            "number": str(n),
            "anchor": f"chapter-{n}",
            "title": titles.get(n, f"Chapter {n}"),
            "status": m.status,
            "content": m.content,
        }
        for n, m in sorted(latest.items())
    ]


def book_card(book: Book) -> dict[str, str]:
    """One dashboard row."""
    total = max(book.chapter_count, 1)
    return {
        "id": str(book.id),
        "title": book.title,
        "status": book.status,
        "progress": str(round(100 * book.chapters_done / total)),
        "chapters": f"{book.chapters_done} / {book.chapter_count} chapters",
        "updated": book.updated_at.strftime("%Y-%m-%d %H:%M UTC"),
    }


def is_streaming(m: Message) -> bool:
    return m.status == MessageStatus.STREAMING

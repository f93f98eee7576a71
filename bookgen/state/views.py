"""Turning storage rows into the small dicts the page renders.

Views carry metadata only (status, length, a URL for the text): text reaches the
browser once over HTTP and then as live chunks, never inside a list that Reflex
would resend whole. Kept apart from the states so it tests without Reflex.
"""

from __future__ import annotations

from bookgen.generation.outline import chapter_titles
from bookgen.storage.models import Book, MessageKind
from bookgen.storage.store import BookOverview, MessageMeta

__all__ = ["book_card", "chapter_views", "outline_view", "thread_views"]

_LABELS = {
    MessageKind.REQUEST: "You asked for an outline",
    MessageKind.FEEDBACK: "Your feedback",
    MessageKind.APPROVAL: "You approved the outline",
    MessageKind.OUTLINE: "Outline",
}


def _view(m: MessageMeta) -> dict[str, str]:
    # Short on purpose: Reflex resends the whole list on every change.
    return {"id": str(m.id), "status": m.status, "length": str(m.length)}


def _label(m: MessageMeta, titles: dict[int, str]) -> str:
    if m.kind == MessageKind.CHAPTER:
        title = titles.get(m.chapter or 0, "")
        return f"Chapter {m.chapter}" + (f": {title}" if title else "")
    if m.kind == MessageKind.SUMMARY:
        return f"Summary of chapter {m.chapter}"
    return _LABELS.get(MessageKind(m.kind), m.kind)


def outline_view(ov: BookOverview) -> dict[str, str]:
    outlines = [m for m in ov.messages if m.kind == MessageKind.OUTLINE]
    if not outlines:
        return {"id": "", "status": "", "length": "0"}
    return _view(outlines[-1])


def thread_views(ov: BookOverview) -> list[dict[str, str]]:
    """The chat panel, in order; chapter text lives in the manuscript only."""
    titles = chapter_titles(ov.outline_text)
    return [
        {
            **_view(m),
            "role": m.role,
            "kind": m.kind,
            "label": _label(m, titles),
            "error": m.error,
        }
        for m in ov.messages
    ]


def chapter_views(ov: BookOverview) -> list[dict[str, str]]:
    """The manuscript: the latest attempt at each chapter, in order."""
    titles = chapter_titles(ov.outline_text)
    latest: dict[int, MessageMeta] = {}
    for m in ov.messages:
        if m.kind == MessageKind.CHAPTER and m.chapter is not None:
            latest[m.chapter] = m
    return [
        {
            **_view(m),
            "number": str(n),
            "title": titles.get(n, f"Chapter {n}"),
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

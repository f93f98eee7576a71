"""The book as exported: its current text read from storage into an ExportBook.

Chapter titles come from the latest outline (the approved one, once writing
started); chapters are the latest complete attempt at each number, in order.
A book still writing exports what is finished so far.
"""

from __future__ import annotations

import re
import unicodedata

from bookgen.export import ExportBook, ExportChapter
from bookgen.generation.outline import chapter_titles
from bookgen.storage.models import Book, MessageKind, MessageStatus
from bookgen.storage.store import Store

__all__ = ["export_book", "export_filename"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")
_SPACES = re.compile(r"[\s_]+")


async def export_book(
    store: Store, book: Book, *, author: str, cover_png: bytes | None
) -> ExportBook:
    """The current version of ``book`` (finished chapters only)."""
    assert book.id is not None
    snapshot = await store.snapshot(book.id)
    messages = snapshot.messages if snapshot else []
    outlines = [m for m in messages if m.kind == MessageKind.OUTLINE]
    titles = chapter_titles(outlines[-1].content) if outlines else {}
    latest: dict[int, str] = {}
    for m in messages:
        if m.kind != MessageKind.CHAPTER or m.chapter is None:
            continue
        if m.status == MessageStatus.COMPLETE and m.content.strip():
            latest[m.chapter] = m.content
    chapters = tuple(
        ExportChapter(number=n, title=titles.get(n, f"Chapter {n}"), text=text)
        for n, text in sorted(latest.items())
        if n >= 1
    )
    return ExportBook(
        title=book.title,
        author=author,
        genre=book.genre,
        premise=book.premise,
        created=book.created_at,
        modified=book.updated_at,
        chapters=chapters,
        cover_png=cover_png,
    )


def export_filename(title: str, extension: str) -> str:
    """A file name any system accepts: ASCII letters, digits, ``-``, from the title."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore")
    stem = _SPACES.sub("-", _UNSAFE.sub("", ascii_title.decode()).strip())
    stem = stem.strip("-.")
    return f"{(stem or 'book')[:80]}.{extension}"

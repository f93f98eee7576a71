"""Books written straight into the database, so the benchmark starts fast."""

from __future__ import annotations

from bookgen.generation import prompts
from bookgen.generation.forms import BookForm
from bookgen.generation.service import store_new_book
from bookgen.llm.offline_writer import write_reply
from bookgen.storage.models import Book, BookStatus, MessageKind, Role
from bookgen.storage.store import NewMessage, Store

__all__ = ["finished_book", "writing_book"]


def _form(n: int, chapters: int, words: int) -> BookForm:
    return BookForm.parse(
        {
            "title": f"Bench Book {n}",
            "premise": "A cartographer maps a coastline that changes every night.",
            "genre": "fantasy",
            "chapters": chapters,
            "words": words,
        }
    )


async def _create(store: Store, n: int, chapters: int, words: int) -> Book:
    form = _form(n, chapters, words)
    return await store_new_book(store, form, default_model="bookgen-offline")


async def _add(
    store: Store, book: Book, kind: MessageKind, content: str, chapter=None
) -> None:
    assert book.id is not None
    role = Role.USER if kind == MessageKind.APPROVAL else Role.ASSISTANT
    new = NewMessage(role=role, kind=kind, content=content, chapter=chapter)
    await store.add_message(book.id, new)


async def writing_book(store: Store, n: int, words: int) -> int:
    """An approved one-chapter book; the app writes chapter 1 once opened."""
    book = await _create(store, n, 1, words)
    outline = write_reply([{"role": "user", "content": prompts.request_text(book)}])
    await _add(store, book, MessageKind.OUTLINE, outline)
    await _add(store, book, MessageKind.APPROVAL, "Outline approved.")
    await store.transition(
        book.id,  # type: ignore[arg-type]
        from_statuses=[BookStatus.OUTLINING],
        to_status=BookStatus.WRITING,
    )
    return book.id  # type: ignore[return-value]


async def finished_book(store: Store, n: int, chapters: int, words: int) -> int:
    """A complete book of ``chapters`` chapters, every text in place."""
    book = await _create(store, n, chapters, words)
    outline = write_reply([{"role": "user", "content": prompts.request_text(book)}])
    await _add(store, book, MessageKind.OUTLINE, outline)
    await _add(store, book, MessageKind.APPROVAL, "Outline approved.")
    for k in range(1, chapters + 1):
        text = write_reply(prompts.chapter_prompt(book, outline, k, []))
        await _add(store, book, MessageKind.CHAPTER, text, chapter=k)
        await _add(store, book, MessageKind.SUMMARY, f"Summary of chapter {k}.", k)
    await store.transition(
        book.id,  # type: ignore[arg-type]
        from_statuses=[BookStatus.OUTLINING],
        to_status=BookStatus.COMPLETE,
        chapters_done=chapters,
    )
    return book.id  # type: ignore[return-value]

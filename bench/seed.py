"""Books written straight into the database, so the benchmark starts fast."""

from __future__ import annotations

from bookgen.generation import prompts
from bookgen.generation.forms import BookForm
from bookgen.generation.service import store_new_book
from bookgen.llm.offline_writer import write_reply
from bookgen.storage.models import Book, BookStatus, MessageKind, MessageStatus, Role
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


async def _create(store: Store, n: int, chapters: int, words: int) -> tuple[Book, int]:
    """A stored book and its id."""
    form = _form(n, chapters, words)
    book = await store_new_book(store, form, default_model="bookgen-offline")
    assert book.id is not None
    return book, book.id


async def _add(
    store: Store,
    book_id: int,
    kind: MessageKind,
    content: str,
    chapter: int | None = None,
) -> None:
    role = Role.USER if kind == MessageKind.APPROVAL else Role.ASSISTANT
    await store.add_message(
        book_id,
        NewMessage(
            role=role,
            kind=kind,
            chapter=chapter,
            status=MessageStatus.COMPLETE,
            content=content,
        ),
    )


async def writing_book(store: Store, n: int, words: int) -> int:
    """An approved one-chapter book; the app writes chapter 1 once opened."""
    book, book_id = await _create(store, n, 1, words)
    outline = write_reply([{"role": "user", "content": prompts.request_text(book)}])
    await _add(store, book_id, MessageKind.OUTLINE, outline)
    await _add(store, book_id, MessageKind.APPROVAL, "Outline approved.")
    await store.transition(
        book_id, from_statuses=[BookStatus.OUTLINING], to_status=BookStatus.WRITING
    )
    return book_id


async def finished_book(store: Store, n: int, chapters: int, words: int) -> int:
    """A complete book of ``chapters`` chapters, every text in place."""
    book, book_id = await _create(store, n, chapters, words)
    outline = write_reply([{"role": "user", "content": prompts.request_text(book)}])
    await _add(store, book_id, MessageKind.OUTLINE, outline)
    await _add(store, book_id, MessageKind.APPROVAL, "Outline approved.")
    for k in range(1, chapters + 1):
        text = write_reply(prompts.chapter_prompt(book, outline, k, []))
        await _add(store, book_id, MessageKind.CHAPTER, text, chapter=k)
        await _add(store, book_id, MessageKind.SUMMARY, f"Summary of chapter {k}.", k)
    await store.transition(
        book_id,
        from_statuses=[BookStatus.OUTLINING],
        to_status=BookStatus.COMPLETE,
        chapters_done=chapters,
    )
    return book_id

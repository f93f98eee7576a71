"""A finished one-chapter book open in two tabs of one author: the start of
the browser tests where a change made in one tab must show live in the other
(editing, regenerating)."""

from __future__ import annotations

from dataclasses import dataclass

from playwright.sync_api import Page

from tests.browser.helpers import (
    NewContext,
    approve,
    create_book,
    norm,
    read,
    wait_settled,
    wait_status,
)
from tests.browser.server import Server, StoredMessage


@dataclass(frozen=True)
class TwoTabs:
    """A finished one-chapter book open in two tabs of the same author."""

    book: int
    chapter: StoredMessage
    other: Page  # the second tab; the first is the test's ``page``


def finished_book_in_two_tabs(
    page: Page,
    new_context: NewContext,
    server: Server,
    *,
    title: str,
    premise: str,
    words_per_chapter: int,
) -> TwoTabs:
    """Write and approve a one-chapter book in ``page``, open it in a second
    tab (its own browser context), and wait until both show the chapter."""
    book = create_book(
        page,
        title=title,
        premise=premise,
        chapters=1,
        words_per_chapter=words_per_chapter,
    )
    approve(page)
    wait_status(page, "complete", timeout=60)
    (chapter,) = [m for m in server.messages(book) if m.kind == "chapter"]
    other = new_context().new_page()
    other.goto(f"/books/{book}")
    for p in (page, other):
        wait_settled(p, "#chapter-1", server, timeout=20)
    return TwoTabs(book, chapter, other)


def shows_in_full(page: Page, selector: str, text: str) -> bool:
    """``selector`` shows exactly ``text`` (whitespace aside), not streaming."""
    s = read(page, selector)
    return s is not None and norm(s.text) == norm(text) and not s.streaming

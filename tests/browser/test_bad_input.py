"""What an author sees for bad input: a refused form and a missing book."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def count_books(db_path: Path) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("SELECT count(*) FROM book").fetchone()[0]


@pytest.mark.parametrize("title", ["", "   "])
def test_empty_title_is_refused(page: Page, db_path: Path, title: str) -> None:
    books = count_books(db_path)
    page.goto("/")
    page.fill("#book-title", title)
    page.fill("#book-premise", "A premise good enough to write a book about.")
    page.click("#create-book")

    error = page.locator("#error-title")
    expect(error).to_be_visible()
    expect(error).to_have_text("Give the book a title.")
    # The handler that showed the error has returned: nothing was stored.
    assert count_books(db_path) == books
    assert urlsplit(page.url).path == "/", page.url
    expect(page.locator("#book-premise")).to_have_value(
        "A premise good enough to write a book about."
    )


@pytest.mark.parametrize("path", ["/books/999999", "/books/not-a-number"])
def test_missing_book_says_not_found(page: Page, path: str) -> None:
    page.goto(path)
    expect(page.get_by_role("heading", name="Book not found")).to_be_visible()
    expect(page.locator("#book-status")).to_have_count(0)
    expect(page.locator("#chat-panel")).to_have_count(0)

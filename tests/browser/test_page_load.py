"""Opening a book whose messages are already written: all of them, in full.

Runs against the dev server too: there React mounts every component twice
(StrictMode), which once left every finished message empty.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.helpers import (
    NewContext,
    approve,
    create_book,
    poll,
    read_all,
    wait_shown_in_full,
)
from tests.browser.server import Server

pytestmark = pytest.mark.browser

PREMISE = "A beekeeper discovers her hives are spelling out warnings in wax."


@pytest.mark.dev_server
def test_a_written_book_opens_with_every_message_in_full(
    page: Page, new_context: NewContext, server: Server
) -> None:
    book = create_book(
        page,
        title="Already Written",
        premise=PREMISE,
        chapters=1,
        words_per_chapter=200,
    )
    approve(page)
    poll(
        lambda: server.book_status(book) == "complete",
        timeout=30,
        what="the book to be written",
    )
    stored = server.messages(book)
    kinds = {m.kind for m in stored}
    assert {"request", "outline", "approval", "chapter"} <= kinds, kinds

    reader = new_context().new_page()
    reader.goto(f"/books/{book}")
    for message in stored:
        wait_shown_in_full(reader, message, timeout=10)
    # Nothing else on the page is left waiting for text.
    keys = {s.message for s in read_all(reader, "[data-message]")}
    assert keys == {m.key for m in stored}

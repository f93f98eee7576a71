"""Regenerating a chapter with feedback in tab A: tab B sees the new version
stream live under the chapter; keeping it, both tabs show the new text.

Runs against the production build and the dev server (React StrictMode)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.helpers import (
    NewContext,
    norm,
    poll,
    read,
    wait_status,
    wait_words,
)
from tests.browser.server import Server
from tests.browser.two_tabs import finished_book_in_two_tabs, shows_in_full

pytestmark = pytest.mark.browser

PREMISE = "A ferry pilot crosses a strait that is wider every morning."
WISH = "More dialogue, and end on the storm."


@pytest.mark.dev_server
def test_regenerate_with_feedback_streams_to_another_tab_and_is_kept(
    page: Page, new_context: NewContext, server: Server
) -> None:
    tabs = finished_book_in_two_tabs(
        page,
        new_context,
        server,
        title="Redraft",
        premise=PREMISE,
        words_per_chapter=300,
    )
    book, chapter, other = tabs.book, tabs.chapter, tabs.other
    for p in (page, other):
        p.locator("#regenerate-chapter-1").wait_for(state="visible")

    page.bring_to_front()
    page.fill("#regenerate-feedback", WISH)
    poll(
        lambda: page.locator("#regenerate-feedback").input_value() == WISH,
        timeout=5,
        what="the feedback typed",
    )
    page.click("#regenerate-chapter-1")
    # Tab B sees the new version arrive while it is written.
    poll(
        lambda: (s := read(other, "#redraft-text")) is not None and s.streaming,
        timeout=20,
        what="the new version streaming in tab B",
    )
    wait_words(other, "#redraft-text", 20, timeout=20)
    other.locator("#regenerate-chapter-1").wait_for(state="detached")
    wait_status(page, "complete", timeout=60)
    (new,) = [m for m in server.messages(book) if m.kind == "redraft"]
    (ask,) = [m for m in server.messages(book) if m.kind == "redraft_ask"]
    assert ask.text == WISH
    for p in (page, other):
        poll(
            lambda p=p: shows_in_full(p, "#redraft-text", new.text),
            timeout=20,
            what="the whole new version",
        )
        # Until chosen, the chapter reads as before.
        assert shows_in_full(p, "#chapter-1", chapter.text)
    assert norm(new.text) != norm(chapter.text)

    page.click("#keep-version")
    for p in (page, other):
        poll(
            lambda p=p: shows_in_full(p, "#chapter-1", new.text),
            timeout=20,
            what="the kept version as the chapter",
        )
        p.locator("#redraft").wait_for(state="detached")
        p.locator("#regenerate-chapter-1").wait_for(state="visible")
    assert server.message(chapter.id).text == new.text

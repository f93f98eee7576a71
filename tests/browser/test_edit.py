"""Editing a finished chapter in place, seen live in another tab; a conflicting
save from two tabs shows the difference, then overwriting works.

Runs against the production build and the dev server (React StrictMode): the
text element is remounted by the version it shows, so both must refetch the
edited text exactly once.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.helpers import (
    NewContext,
    approve,
    create_book,
    norm,
    poll,
    wait_settled,
    wait_status,
)
from tests.browser.server import Server
from tests.browser.two_tabs import finished_book_in_two_tabs, shows_in_full

pytestmark = pytest.mark.browser

PREMISE = "A ferry pilot crosses a strait that is wider every morning."
EDITED = "Edited in tab A. The harbour lights came on, one by one."
FROM_B = "Tab B saved this first. The gulls were quiet."
FROM_A = "Tab A overwrote it knowingly. The fog lifted."


def shows(page: Page, text: str) -> bool:
    return shows_in_full(page, "#chapter-1", text)


def note(page: Page) -> str:
    return norm(page.inner_text("#editing-notes"))


@pytest.mark.dev_server
def test_edit_live_in_another_tab_then_a_conflict_and_overwrite(
    page: Page, new_context: NewContext, server: Server
) -> None:
    tabs = finished_book_in_two_tabs(
        page, new_context, server, title="Edits", premise=PREMISE, words_per_chapter=200
    )
    chapter, other = tabs.chapter, tabs.other

    # A opens the editor: B sees who edits what; A's editor holds the text.
    page.click("#edit-chapter-1")
    editor = page.locator("#chapter-1-editor")
    poll(lambda: editor.input_value(), timeout=10, what="the editor's text")
    assert norm(editor.input_value()) == norm(chapter.text)
    poll(
        lambda: note(other) == "Ada Admin is editing chapter 1",
        timeout=10,
        what="the presence note in tab B",
    )

    editor.fill(EDITED)
    page.click("#save-chapter-1")
    poll(lambda: shows(other, EDITED), timeout=10, what="the edit live in tab B")
    poll(lambda: shows(page, EDITED), timeout=10, what="the edit in tab A")
    poll(lambda: note(other) == "", timeout=10, what="the note to go")
    assert server.message(chapter.id).text == EDITED

    # Both open the editor on version 1; B saves first, then A.
    page.click("#edit-chapter-1")
    other.click("#edit-chapter-1")
    other.locator("#chapter-1-editor").fill(FROM_B)
    other.click("#save-chapter-1")
    poll(lambda: shows(other, FROM_B), timeout=10, what="B's save")
    page.locator("#chapter-1-editor").fill(FROM_A)
    page.click("#save-chapter-1")
    conflict = page.locator("#edit-conflict")
    conflict.wait_for(state="visible")
    diff = norm(page.inner_text("#edit-diff"))
    assert diff == (
        "Tab [-B saved this first. -]{+A overwrote it knowingly. +}"
        "The [-gulls were quiet.-]{+fog lifted.+}"
    ), diff
    # Nothing was overwritten, and A's text is still in A's editor.
    assert server.message(chapter.id).text == FROM_B
    assert page.locator("#chapter-1-editor").input_value() == FROM_A

    page.click("#save-chapter-1")  # now "Overwrite with my text"
    poll(lambda: shows(page, FROM_A), timeout=10, what="A's overwrite in tab A")
    poll(lambda: shows(other, FROM_A), timeout=10, what="A's overwrite in tab B")
    assert server.message(chapter.id).text == FROM_A
    wait_settled(other, "#chapter-1", server, timeout=10)


def test_an_edited_outline_is_the_one_approved(page: Page, server: Server) -> None:
    book = create_book(
        page, title="Outline edit", premise=PREMISE, chapters=1, words_per_chapter=200
    )
    wait_status(page, "awaiting_approval", timeout=30)
    page.click("#edit-outline")
    editor = page.locator("#outline-editor")
    poll(lambda: editor.input_value(), timeout=10, what="the outline in the editor")
    editor.fill("# Outline edit\n\n## Chapter 1: The Renamed Crossing\nThe strait.")
    page.click("#save-outline")
    poll(
        lambda: "The Renamed Crossing" in norm(page.inner_text("#outline")),
        timeout=10,
        what="the edited outline",
    )
    approve(page)
    wait_status(page, "complete", timeout=60)
    heading = page.locator(".chapter .ch-title").first
    assert norm(heading.inner_text()) == "Chapter 1: The Renamed Crossing"
    assert [m.kind for m in server.messages(book)][:2] == ["request", "outline"]

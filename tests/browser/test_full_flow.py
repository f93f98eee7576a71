"""The issue's acceptance flow: outline, reject with feedback, approve, chapters."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    NewContext,
    approve,
    create_book,
    fresh_text,
    norm,
    poll,
    read,
    status,
    wait_settled,
    wait_status,
    watch_growth,
)
from tests.browser.server import Server

pytestmark = pytest.mark.browser

PREMISE = (
    "A lighthouse keeper on a remote island finds a message in a bottle from her "
    "brother, who vanished at sea ten years ago."
)
FEEDBACK = "Make the brother a smuggler"
CHAPTERS, WORDS = 3, 300

_THREAD_JS = """() => Array.from(document.querySelectorAll("#chat-panel [data-kind]"))
  .map((el) => ({kind: el.dataset.kind, text: el.textContent}))"""


def thread(page: Page) -> list[dict[str, str]]:
    """The chat panel's messages, in order: their kind and text."""
    return page.evaluate(_THREAD_JS)


def test_outline_feedback_approval_and_chapters(
    page: Page, new_context: NewContext, server: Server
) -> None:
    def full_text(selector: str) -> str:
        """``selector``'s text once the page shows all of its stored message."""
        shown, _ = wait_settled(page, selector, server, timeout=10)
        return norm(shown.text)

    book = create_book(
        page,
        title="The Lighthouse Keeper",
        premise=PREMISE,
        chapters=CHAPTERS,
        words_per_chapter=WORDS,
    )

    # The outline streams into the manuscript at once, in several pieces.
    assert wait_status(page, "outlining", "awaiting_approval", timeout=10) == (
        "outlining"
    ), "the outline had finished before the book page showed it"
    first_samples = watch_growth(page, "#outline", samples=3, timeout=15)
    wait_status(page, "awaiting_approval", timeout=20)
    outline1 = full_text("#outline")
    assert len(outline1.split()) > len(first_samples[-1].words)
    assert [m["kind"] for m in thread(page)] == ["request", "outline"]

    # Rejecting needs feedback: without it the author is told so, nothing changes.
    page.click("#reject-outline")
    expect(page.locator("#notice")).to_contain_text("Say what should change")
    assert status(page) == "awaiting_approval"
    assert [m["kind"] for m in thread(page)] == ["request", "outline"]

    # Reject with feedback: the feedback and a revised outline join the thread.
    page.fill("#feedback", FEEDBACK)
    page.click("#reject-outline")
    poll(
        lambda: (
            [m["kind"] for m in thread(page)][:3] == ["request", "outline", "feedback"]
        ),
        timeout=10,
        what="the feedback message in the thread",
    )
    assert FEEDBACK in full_text("#chat-panel [data-kind=feedback] .bubble-text")
    revised = "#chat-panel [data-kind=feedback] ~ [data-kind=outline] .bubble-text"
    watch_growth(page, revised, samples=3, timeout=15)
    wait_status(page, "awaiting_approval", timeout=20)
    assert [m["kind"] for m in thread(page)] == [
        "request",
        "outline",
        "feedback",
        "outline",
    ]
    assert page.locator("#notice").count() == 0, page.locator("#notice").inner_text()
    expect(page.locator("#feedback")).to_have_value("")
    first_bubble = "#chat-panel [data-kind=outline]:not([data-kind=feedback] ~ *)"
    first_bubble += " .bubble-text"
    assert full_text(first_bubble) == outline1, "the first outline changed"
    outline2 = full_text("#outline")
    assert outline2 != outline1
    assert full_text(revised) == outline2
    assert "smuggler" in outline2 and "brother" in outline2, outline2

    # Approve: the chapters stream one after the other until the book is done.
    approve(page)
    assert wait_status(page, "writing", "complete", timeout=5) == "writing"
    watch_growth(page, "#chapter-1", samples=3, timeout=20)
    wait_status(page, "complete", timeout=90)
    viewer = new_context()
    for n in range(1, CHAPTERS + 1):
        text = full_text(f"#chapter-{n}")
        assert 255 <= len(text.split()) <= 345, (n, len(text.split()))
        assert text == fresh_text(viewer, book, f"#chapter-{n}", server)
    assert read(page, f"#chapter-{CHAPTERS + 1}") is None
    assert full_text("#outline") == outline2

"""Stop a chapter mid-stream, then continue it from its last word."""

from __future__ import annotations

import pytest

from tests.browser.helpers import (
    NewContext,
    approve,
    assert_word_prefix,
    create_book,
    follow,
    fresh_text,
    norm,
    poll,
    repeated_windows,
    wait_settled,
    wait_status,
    wait_words,
    words,
)
from tests.browser.server import Server

pytestmark = pytest.mark.browser

BOOK = {
    "title": "The Folding City",
    "premise": "A cartographer named Wren maps a city that rearranges itself nightly.",
    "chapters": 1,
    "words_per_chapter": 600,
}


def test_stop_then_continue_joins_without_seam(
    new_context: NewContext, server: Server
) -> None:
    ctx = new_context()
    page = ctx.new_page()
    book = create_book(page, **BOOK)
    # The offline model is deterministic: an identical book written without a
    # stop is the reference for "no word doubled, none lost".
    twin_page = ctx.new_page()
    twin = create_book(twin_page, **BOOK)
    approve(page)
    approve(twin_page)

    page.bring_to_front()
    before = wait_words(page, "#chapter-1", 60, timeout=15)
    assert before.streaming
    page.click("#stop-generation")
    wait_status(page, "stopped", timeout=10)
    # The page comes to show the whole stopped text, as stored.
    stopped, stored = wait_settled(page, "#chapter-1", server, timeout=10)
    assert stored.status == "stopped"
    # The text stays: what the page showed, and what a new page loads.
    assert_word_prefix(before.text, stopped.text, "text after stop")
    kept = fresh_text(new_context(), book, "#chapter-1", server)
    assert norm(stopped.text) == kept
    seam = len(words(kept))
    assert seam < BOOK["words_per_chapter"] - 60, "stopped too late to test a seam"
    assert page.locator("#stop-generation").count() == 0
    assert page.locator("#notice").count() == 0, page.locator("#notice").inner_text()

    page.click("#continue-generation")
    wait_status(page, "writing", "complete", timeout=10)
    # The runner reopens the stopped message a moment after the book turns
    # `writing`; until then the stopped text would look settled and complete.
    assert stopped.message
    message_id = int(stopped.message.removeprefix("m"))
    poll(
        lambda: server.message(message_id).status != "stopped",
        timeout=15,
        what="the stopped chapter to be reopened",
    )
    (live,) = follow([page], "#chapter-1", timeout=40)
    # Not the last live sample: the page's final state, once it holds all the
    # stored text (the tail may still be arriving when streaming ends).
    shown, stored = wait_settled(page, "#chapter-1", server, timeout=15)
    assert stored.status == "complete"
    final = fresh_text(new_context(), book, "#chapter-1", server)
    assert norm(shown.text) == final
    for sample in live:
        assert_word_prefix(sample.text, final, "live text after continue")
    assert_word_prefix(kept, final, "text after continue")
    wait_status(page, "complete", timeout=15)

    # No doubled word sequence at the seam, nor any 8-word window repeated
    # beyond those the uninterrupted text repeats by itself.
    w = words(final)
    for k in range(3, 40):
        assert w[seam - k : seam] != w[seam : seam + k], (
            f"the last {k} words before the stop were written again: "
            f"{' '.join(w[seam - k : seam + k])!r}"
        )
    wait_status(twin_page, "complete", timeout=30)
    reference = fresh_text(new_context(), twin, "#chapter-1", server)
    extra = repeated_windows(final) - repeated_windows(reference)
    assert not extra, f"8-word windows repeated around the seam: {list(extra)[:3]}"
    assert final == reference, "the continued chapter differs from an unstopped one"

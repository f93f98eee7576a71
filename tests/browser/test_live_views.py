"""Watching a chapter stream: after a refresh, from several tabs, after leaving."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page

from tests.browser.helpers import (
    NewContext,
    Shown,
    approve,
    assert_consistent,
    assert_word_prefix,
    create_book,
    follow,
    fresh_text,
    live_samples,
    norm,
    poll,
    progress_words,
    read,
    wait_status,
    wait_words,
    watch_growth,
)

pytestmark = pytest.mark.browser

PREMISE = "A cartographer named Wren maps a city that rearranges itself every night."
# Long enough (~10 s at the test pace) to act while the chapter streams.
LONG = 600
# A page opened mid-chapter must show the text so far within this many seconds.
OPEN_BUDGET_S = 2.5


def open_mid_stream(page: Page, book: int, so_far: Shown) -> Shown:
    """Open the book on ``page``; it must show the text so far almost at once."""
    start = time.monotonic()
    page.goto(f"/books/{book}")
    want = max(20, len(so_far.words))

    def check() -> Shown | None:
        s = read(page, "#chapter-1")
        if s is None or not s.words:
            return None
        assert_consistent(s.text, so_far.text, "text shown on opening")
        return s if len(s.words) >= want else None

    shown = poll(check, timeout=OPEN_BUDGET_S + 5, what=f"{want} words on opening")
    elapsed = time.monotonic() - start
    assert elapsed <= OPEN_BUDGET_S, f"the text so far took {elapsed:.1f} s to show"
    assert shown.streaming, "the chapter had finished: the page opened too late"
    assert_word_prefix(so_far.text, shown.text, "text shown on opening")
    return shown


def test_refresh_mid_chapter_keeps_text_and_stream(
    page: Page, new_context: NewContext
) -> None:
    book = create_book(
        page, title="Refresh", premise=PREMISE, chapters=1, words_per_chapter=LONG
    )
    approve(page)
    before = wait_words(page, "#chapter-1", 40, timeout=15)
    assert before.streaming

    page.reload()
    # Right after the reload: at least the text it had, and still streaming.
    after = poll(
        lambda: (s := read(page, "#chapter-1")) and s.words and s,
        timeout=5,
        what="chapter 1 after the reload",
    )
    assert_consistent(after.text, before.text, "first text after reload")
    assert len(after.words) >= len(before.words) - 1  # its last word may wait
    grown = wait_words(page, "#chapter-1", len(before.words), timeout=2)
    assert_word_prefix(before.text, grown.text, "text after reload")
    assert grown.streaming, "the chapter finished before the reload showed it"

    # It keeps growing live, and ends as exactly the stored text.
    growth = watch_growth(page, "#chapter-1", samples=3, timeout=15)
    (rest,) = follow([page], "#chapter-1", timeout=30)
    final = fresh_text(new_context(), book, "#chapter-1")
    for s in [after, grown, *growth, *rest]:
        assert_word_prefix(s.text, final, "live text after reload")
    assert norm(rest[-1].text) == final
    assert abs(len(final.split()) - LONG) <= LONG * 0.15
    wait_status(page, "complete", timeout=15)


def test_tabs_and_teammate_see_the_same_stream(new_context: NewContext) -> None:
    mine, teammate = new_context(), new_context()
    creator = mine.new_page()
    book = create_book(
        creator, title="Two Tabs", premise=PREMISE, chapters=1, words_per_chapter=LONG
    )
    wait_status(creator, "awaiting_approval", timeout=20)
    # The teammate opens the book before any chapter text exists.
    early = teammate.new_page()
    early.goto(f"/books/{book}")
    wait_status(early, "awaiting_approval", timeout=10)
    assert read(early, "#chapter-1") is None

    creator.click("#approve-outline")
    wait_status(early, "writing", timeout=10)
    # Mid-chapter, a second tab of mine and one of the teammate open it.
    late, front = [], creator
    front.bring_to_front()
    for ctx in (mine, teammate):
        so_far = wait_words(front, "#chapter-1", 40, timeout=15)
        front = ctx.new_page()
        open_mid_stream(front, book, so_far)
        late.append(front)

    pages = [creator, early, *late]
    samples = follow(pages, "#chapter-1", timeout=40)
    final = fresh_text(new_context(), book, "#chapter-1")
    for i, seen in enumerate(samples):
        assert live_samples(seen) >= 3, f"page {i} did not see the text stream"
        assert norm(seen[-1].text) == final, f"page {i} ends with different text"
        assert_word_prefix(seen[0].text, final, f"page {i}")
    for p in pages:
        wait_status(p, "complete", timeout=15)


def test_generation_goes_on_with_every_tab_closed(new_context: NewContext) -> None:
    ctx = new_context()
    page = ctx.new_page()
    book = create_book(
        page,
        title="Nobody Watching",
        premise=PREMISE,
        chapters=2,
        words_per_chapter=300,
    )
    approve(page)
    at_close = wait_words(page, "#chapter-1", 30, timeout=15)
    assert at_close.streaming
    shown_at_close = sum(progress_words(page))
    ctx.close()  # every page of the only session that had the book open

    time.sleep(3)  # nobody is watching now (~180 words at the test pace)

    again = new_context().new_page()
    again.goto(f"/books/{book}")
    first = poll(
        lambda: sum(progress_words(again)),
        timeout=5,
        what="chapter text on reopening",
    )
    # More than a second's worth of words was written while no tab was open.
    assert first >= shown_at_close + 60, (shown_at_close, first)
    wait_status(again, "complete", timeout=40)
    counts = progress_words(again)
    assert len(counts) == 2, counts
    assert all(255 <= n <= 345 for n in counts), counts

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
    wait_settled,
    wait_shown_in_full,
    wait_status,
    wait_words,
    watch_growth,
)
from tests.browser.server import Server

pytestmark = pytest.mark.browser

PREMISE = "A cartographer named Wren maps a city that rearranges itself every night."
# Long enough (~10 s at the test pace) to act while the chapter streams.
LONG = 600
# Two chapters of this length: a reload in chapter 2 has ~8 s of it left.
REFRESH = 500
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


@pytest.mark.dev_server
def test_refresh_mid_chapter_keeps_text_and_stream(
    page: Page, new_context: NewContext, server: Server
) -> None:
    book = create_book(
        page, title="Refresh", premise=PREMISE, chapters=2, words_per_chapter=REFRESH
    )
    approve(page)
    before = wait_words(page, "#chapter-2", 40, timeout=30)
    assert before.streaming
    # Everything before chapter 2: request, outline, approval, chapter 1 (and
    # its summary).
    earlier = [m for m in server.messages(book) if m.finished]
    kinds = {m.kind for m in earlier}
    assert {"request", "outline", "approval", "chapter"} <= kinds, kinds

    page.reload()
    # At least the text it had, and still streaming.
    grown = wait_words(page, "#chapter-2", len(before.words), timeout=10)
    assert_word_prefix(before.text, grown.text, "text after reload")
    assert grown.streaming, "the chapter finished before the reload showed it"
    # It keeps growing live.
    growth = watch_growth(page, "#chapter-2", samples=3, timeout=15)
    # Every earlier message is back in full, in the thread and the manuscript.
    for message in earlier:
        wait_shown_in_full(page, message, timeout=10)

    # The chapter ends as exactly the stored text.
    (rest,) = follow([page], "#chapter-2", timeout=30)
    shown, _ = wait_settled(page, "#chapter-2", server, timeout=15)
    final = fresh_text(new_context(), book, "#chapter-2", server)
    assert norm(shown.text) == final
    for s in [grown, *growth, *rest]:
        assert_word_prefix(s.text, final, "live text after reload")
    assert abs(len(final.split()) - REFRESH) <= REFRESH * 0.15
    wait_status(page, "complete", timeout=15)


def test_tabs_and_teammate_see_the_same_stream(
    new_context: NewContext, server: Server
) -> None:
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
    final = fresh_text(new_context(), book, "#chapter-1", server)
    for i, (p, seen) in enumerate(zip(pages, samples, strict=True)):
        assert live_samples(seen) >= 3, f"page {i} did not see the text stream"
        for s in seen:
            assert_word_prefix(s.text, final, f"page {i} while streaming")
        shown, _ = wait_settled(p, "#chapter-1", server, timeout=15)
        assert norm(shown.text) == final, f"page {i} ends with different text"
    for p in pages:
        wait_status(p, "complete", timeout=15)


def test_generation_goes_on_with_every_tab_closed(
    new_context: NewContext, server: Server
) -> None:
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
    chapter_1 = int(at_close.message.removeprefix("m"))
    shown_at_close = sum(progress_words(page))
    ctx.close()  # every page of the only session that had the book open

    # More than a second's worth of words (60) is written with no tab open.
    wanted = shown_at_close + 60
    poll(
        lambda: len(server.message(chapter_1).text.split()) >= wanted,
        timeout=15,
        what=f"{wanted} words of chapter 1 stored while nobody watched",
    )

    again = new_context().new_page()
    again.goto(f"/books/{book}")
    poll(
        lambda: sum(progress_words(again)) >= wanted,
        timeout=5,
        what=f"{wanted} words of chapters on reopening",
    )
    wait_status(again, "complete", timeout=40)
    counts = []
    for n in (1, 2):
        shown, _ = wait_settled(again, f"#chapter-{n}", server, timeout=15)
        counts.append(len(shown.words))
    assert all(255 <= n <= 345 for n in counts), counts

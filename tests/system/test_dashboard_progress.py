"""The dashboard's progress bar, as Chromium draws it, matches the book's chapters.

A finished 1 / 1 book once drew about 85 %: the bar got its value as a string,
which Radix's progress treats as "indeterminate" and animates.
"""

from __future__ import annotations

import pytest
from playwright.async_api import async_playwright

from bookgen.generation.service import store_new_book
from bookgen.storage.db import migrate_to_head
from bookgen.storage.models import BookStatus
from tests.generation.helpers import form
from tests.support.devserver import AppServer
from tests.system.conftest import CHROMIUM, CHROMIUM_ARGS, SINGLE_AUTHOR, wait_until

pytestmark = [pytest.mark.system, pytest.mark.browser]

# Share of the track the indicator covers, and Radix's state for the bar.
_BAR_JS = """(bookId) => {
  const root = document.querySelector(
    `[data-book-id="${bookId}"] .rt-ProgressRoot`);
  const fill = root?.querySelector(".rt-ProgressIndicator");
  if (!root || !fill) return null;
  const track = root.getBoundingClientRect();
  const drawn = fill.getBoundingClientRect();
  const covered = Math.min(drawn.right, track.right) - Math.max(drawn.left, track.left);
  return {state: root.dataset.state, share: covered / track.width};
}"""


async def _book(store_for, url: str, chapters: int, done: int) -> int:
    store = store_for(url)
    book = await store_new_book(
        store, form(chapters=chapters), default_model="bookgen-offline"
    )
    assert book.id is not None
    status = BookStatus.COMPLETE if done == chapters else BookStatus.STOPPED
    await store.transition(
        book.id,
        from_statuses=[BookStatus.OUTLINING],
        to_status=status,
        chapters_done=done,
    )
    return book.id


async def test_progress_bars_draw_the_share_of_chapters_written(sqlite_db, store_for):
    migrate_to_head(sqlite_db)
    finished = await _book(store_for, sqlite_db, chapters=1, done=1)
    half = await _book(store_for, sqlite_db, chapters=4, done=2)
    with AppServer({"BOOKGEN_AUTH": SINGLE_AUTHOR, "DATABASE_URL": sqlite_db}) as app:
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(
                executable_path=CHROMIUM, args=CHROMIUM_ARGS
            )
            try:
                page = await browser.new_page()
                await page.goto(app.url + "/")

                async def bar(book_id: int, state: str, share: float) -> bool:
                    seen = await page.evaluate(_BAR_JS, book_id)
                    return (
                        seen is not None
                        and seen["state"] == state
                        and abs(seen["share"] - share) < 0.01
                    )

                await wait_until(lambda: bar(finished, "complete", 1.0), "a full bar")
                await wait_until(lambda: bar(half, "loading", 0.5), "a half bar")
            finally:
                await browser.close()

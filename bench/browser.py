"""The benchmark's Chromium checks: a big book's first paint, smooth streaming."""

from __future__ import annotations

import time

from playwright.async_api import async_playwright

from bookgen import routes

__all__ = ["big_book_first_chapter_ms", "smooth_text_lag_ms"]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


async def big_book_first_chapter_ms(url: str, book_id: int) -> float:
    """Navigation start to the first chapter's text being on screen."""
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = await browser.new_page()
        await page.goto(url + "/")  # warm the app bundle, as a returning user
        start = time.monotonic()
        await page.goto(url + routes.book_url(book_id))
        await page.wait_for_function(
            "() => (document.querySelector('#chapter-1')?.textContent || '')"
            ".length > 500",
            timeout=60_000,
        )
        elapsed = (time.monotonic() - start) * 1000
        await browser.close()
        return elapsed


async def smooth_text_lag_ms(url: str, book_id: int, seconds: float) -> float:
    """Worst delay between text arriving and being revealed, while streaming."""
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = await browser.new_page()
        await page.goto(url + routes.book_url(book_id))
        await page.wait_for_selector("#chapter-1", timeout=60_000)
        samples = await page.evaluate(
            """async (ms) => {
                const el = document.querySelector('#chapter-1');
                const out = [];
                const end = performance.now() + ms;
                while (performance.now() < end) {
                    const d = el.dataset;
                    out.push([performance.now(), +d.length, +d.shown]);
                    await new Promise(r => setTimeout(r, 20));
                }
                return out;
            }""",
            seconds * 1000,
        )
        await browser.close()
    worst = 0.0
    for i, (t, length, _shown) in enumerate(samples):
        # When was the text received by time t fully revealed?
        shown_at = next((t1 for t1, _, s1 in samples[i:] if s1 >= length), None)
        if shown_at is not None:
            worst = max(worst, shown_at - t)
    return worst

"""Refresh the README's screenshot of the book page (``docs/book-page.png``).

Starts the real app (production build, offline model, a fresh SQLite file),
signs up an author, creates a small book, approves its outline, reacts to it,
and shoots the page in Debian's Chromium while the first chapter streams:
the chat panel, the cover, the downloads and the usage line on the left, the
manuscript growing on the right.

    python -m tests.support.screenshot            # or --out PATH

Needs what the browser tests need (``chromium``, ``playwright``), and Debian's
``fonts-noto-color-emoji`` for the reaction buttons; takes about a minute.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
from pathlib import Path

from playwright.sync_api import Page, ViewportSize, expect, sync_playwright

from tests.support.devserver import ROOT, AppServer

__all__ = ["main", "shoot"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
VIEWPORT: ViewportSize = {"width": 1280, "height": 800}
DEFAULT_OUT = ROOT / "docs" / "book-page.png"
TIMEOUT_MS = 120_000

# Settings a developer's shell may carry that would change what the app runs on.
_FOREIGN_ENV = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "BOOKGEN_MODEL",
    "BOOKGEN_IMAGE_MODEL",
    "BOOKGEN_AUTH",
    "BOOKGEN_ORIGINS",
    "REDIS_URL",
    "REFLEX_REDIS_URL",
)
AUTHOR = ("Mara Quill", "mara@example.org", "a long and private passphrase")
BOOK = {
    "#book-title": "The Lighthouse at Gull Point",
    "#book-premise": (
        "A young keeper finds the logbook of the woman who kept the light "
        "before her, and a storm that the log foretold is coming back."
    ),
    "#book-genre": "Mystery",
    "#book-audience": "Adults",
    "#book-tone": "Atmospheric",
    "#book-chapters": "2",
    "#book-words": "300",
}
# Words of chapter 1 on the page when the picture is taken (mid-stream).
CHAPTER_WORDS = 60


def _sign_up(page: Page) -> None:
    """The first visitor of a fresh app creates the admin account."""
    name, email, password = AUTHOR
    page.goto("/")
    page.wait_for_url(re.compile(r"/signup/?$"))
    page.fill("#signup-name", name)
    page.fill("#signup-email", email)
    page.fill("#signup-password", password)
    page.click("#signup-submit")
    page.wait_for_selector("#book-title")


def _write_book(page: Page) -> None:
    """Create the book, approve its outline, and react to the outline."""
    for selector, value in BOOK.items():
        page.fill(selector, value)
    page.click("#create-book")
    page.wait_for_url(re.compile(r"/books/\d+$"))
    expect(page.locator("#book-status")).to_have_text("awaiting_approval")
    outline = page.locator("#chat-panel [data-kind=outline]").last
    outline.locator("button.reaction").first.click()
    expect(outline.locator("button.reaction").first).to_have_attribute(
        "aria-pressed", "true"
    )
    page.click("#approve-outline")
    expect(page.locator("#book-status")).to_have_text("writing")


def _wait_mid_chapter(page: Page) -> None:
    """Chapter 1 has some words, still streaming, and the cover is drawn."""
    page.wait_for_function(
        """(n) => {
          const el = document.querySelector('#chapter-1');
          return !!el && el.innerText.split(/\\s+/).filter(Boolean).length >= n;
        }""",
        arg=CHAPTER_WORDS,
    )
    page.wait_for_function(
        """() => { const img = document.querySelector('#cover-image');
                   return !!img && img.complete && img.naturalWidth > 0; }"""
    )
    # Show the chapter being written, its newest words at the bottom (if the
    # whole manuscript does not fit).
    page.locator("#chapter-1").evaluate("el => el.scrollIntoView({block: 'end'})")
    # The page is a little taller than the window: keep Stop in the picture.
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")


def shoot(out: Path) -> None:
    """Start the app, write a little of a book, save the page as a PNG."""
    for name in _FOREIGN_ENV:
        os.environ.pop(name, None)
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            "DATABASE_URL": f"sqlite:///{Path(tmp) / 'bookgen.db'}",
            "BOOKGEN_OFFLINE_WPS": "25",
        }
        with (
            AppServer(env=env, log=Path(tmp) / "app.log") as app,
            sync_playwright() as pw,
        ):
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(base_url=app.url, viewport=VIEWPORT)
                context.set_default_timeout(TIMEOUT_MS)
                expect.set_options(timeout=TIMEOUT_MS)
                page = context.new_page()
                _sign_up(page)
                _write_book(page)
                _wait_mid_chapter(page)
                out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=out)
            finally:
                browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description="Refresh docs/book-page.png")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    shoot(args.out)
    print(f"{args.out}: {args.out.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()

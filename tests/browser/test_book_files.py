"""A finished book's files from its page: both downloads, the cover, the usage.

On the offline model: a small book is written to the end, then the author
clicks both export links. The Markdown must hold every chapter in order, the
EPUB must pass EPUBCheck, the cover must load on the book page and on the
dashboard, and the usage line must show the book's token counts.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import approve, create_book, norm, wait_status
from tests.browser.server import Server
from tests.export.epubcheck import epubcheck

pytestmark = pytest.mark.browser

CHAPTERS, WORDS = 2, 200
_LOADED_JS = """(sel) => {
  const img = document.querySelector(sel);
  return !!img && img.complete && img.naturalWidth > 0;
}"""
USAGE = re.compile(r"^([\d,]+) tokens in · ([\d,]+) out · est\. \$0\.00$")


def cover_loaded(page: Page, selector: str) -> None:
    page.wait_for_function(_LOADED_JS, arg=selector, timeout=15_000)


def download(page: Page, selector: str, to: Path) -> Path:
    with page.expect_download() as info:
        page.click(selector)
    info.value.save_as(to)
    return to


# The dev server too: there the backend is on another origin than the page.
@pytest.mark.dev_server
def test_a_finished_book_downloads_as_markdown_and_epub(
    page: Page, server: Server, tmp_path: Path
) -> None:
    book = create_book(
        page,
        title="Files of the Keeper",
        premise="A keeper exports her logbook.",
        chapters=CHAPTERS,
        words_per_chapter=WORDS,
    )
    approve(page, timeout=30)
    wait_status(page, "complete", timeout=90)
    chapters = [m for m in server.messages(book) if m.kind == "chapter"]
    assert len(chapters) == CHAPTERS and all(m.finished for m in chapters)

    # The usage line counts the book's tokens (the offline model costs nothing).
    usage = page.locator("#book-usage")
    expect(usage).to_have_text(USAGE, timeout=15_000)
    counts = USAGE.fullmatch(usage.inner_text())
    assert counts is not None
    assert all(int(n.replace(",", "")) > 0 for n in counts.groups()), counts[0]
    cover_loaded(page, "#cover-image")
    # Each reply shows its own tokens, small, in the chat panel.
    expect(page.locator("#chat-panel [data-kind=outline] .bubble-tokens")).to_have_text(
        re.compile(r"^[\d,]+ in · [\d,]+ out$")
    )

    markdown = download(page, "#export-markdown", tmp_path / "book.md").read_text()
    assert markdown.startswith("# Files of the Keeper\n")
    headings = re.findall(r"^## Chapter (\d+)", markdown, re.M)
    assert headings == [str(n) for n in range(1, CHAPTERS + 1)]
    flat, at = norm(markdown), 0
    for chapter in chapters:
        # Each chapter's last paragraph, after the previous chapter's.
        last = norm(chapter.text.strip().split("\n\n")[-1])
        found = flat.find(last, at)
        assert found > at, f"chapter text missing or out of order: {last[:60]!r}"
        at = found

    epub = download(page, "#export-epub", tmp_path / "book.epub")
    epubcheck(epub)

    page.goto("/")
    card = f"[data-book-id='{book}']"
    cover_loaded(page, f"{card} img.cover-thumb")
    expect(page.locator(f"{card} .card-usage")).to_have_text(USAGE)

"""Hostile text an author types is stored and shown literally, and stays inert.

The premise is rendered as markdown in the chat panel (the request message), so
it is where script, raw HTML and remote images would take effect if they could.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Request, expect

pytestmark = pytest.mark.browser

# An address no test serves: any request to it would be a leak.
ELSEWHERE = "http://127.0.0.2:9"
TITLE = "<script>window.__pwned = 1</script> Tide ‮txet‬ 👩‍👩‍👧"
PREMISE = (
    f"A keeper finds ![a map]({ELSEWHERE}/map.png) in a bottle. "
    '<img src=x onerror="window.__pwned = 2"> '
    "[a link](javascript:window.__pwned=3) "
    "'; DROP TABLE book; --"
)


def test_hostile_title_and_premise_are_shown_literally_and_run_nothing(
    page: Page,
) -> None:
    leaked: list[str] = []

    def watch(request: Request) -> None:
        if request.url.startswith(ELSEWHERE):
            leaked.append(request.url)

    page.on("request", watch)
    page.goto("/")
    page.fill("#book-title", TITLE)
    page.fill("#book-premise", PREMISE)
    page.fill("#book-chapters", "1")
    page.fill("#book-words", "200")
    page.click("#create-book")
    page.wait_for_url(re.compile(r"/books/\d+$"))

    panel = page.locator("#chat-panel")
    # The request message shows the premise's words, its image as alt text.
    expect(panel).to_contain_text("DROP TABLE book", timeout=20_000)
    expect(panel).to_contain_text("[image: a map]")
    expect(page.get_by_text(TITLE, exact=False).first).to_be_visible()
    assert page.locator("#chat-panel img").count() == 0
    assert page.locator("#chat-panel a[href^='javascript']").count() == 0

    # The dashboard lists the title, as text.
    page.goto("/")
    expect(page.locator("#book-list")).to_contain_text("<script>")
    assert page.evaluate("() => window.__pwned") is None
    assert leaked == [], leaked

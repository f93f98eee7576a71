"""How a page fetches message text when the server answers with an error.

A 4xx is final: asking again cannot help, so the page asks once. A 5xx or a
network error may pass: the page asks again, backing off, until it has the text.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, Route

from tests.browser.helpers import (
    NewContext,
    Shown,
    create_book,
    poll,
    read,
    wait_shown_in_full,
)
from tests.browser.server import Server, StoredMessage

pytestmark = pytest.mark.browser

PREMISE = "A lighthouse keeper finds a message in a bottle."
# Three periods of the old fixed 2 s retry: a retry loop would ask 3 more times.
WATCH_S = 6


def book_request(page: Page, server: Server, title: str) -> tuple[int, StoredMessage]:
    """A new book and its first message (the author's request, already complete)."""
    book = create_book(
        page, title=title, premise=PREMISE, chapters=1, words_per_chapter=200
    )
    request = server.messages(book)[0]
    assert request.kind == "request" and request.finished, request
    return book, request


def text_route(message: StoredMessage) -> re.Pattern[str]:
    return re.compile(rf"/api/messages/{message.id}/text(\?|$)")


def test_a_missing_text_is_asked_for_once(
    page: Page, new_context: NewContext, server: Server
) -> None:
    book, request = book_request(page, server, "Gone")
    asked: list[str] = []

    def not_found(route: Route) -> None:
        asked.append(route.request.url)
        route.fulfill(status=404, body="no such message")

    reader = new_context().new_page()
    reader.route(text_route(request), not_found)
    with reader.expect_request(text_route(request)):
        reader.goto(f"/books/{book}")
    # Observe a bounded window: no more requests for this text.
    reader.wait_for_timeout(WATCH_S * 1000)
    assert len(asked) == 1, asked

    def failed() -> Shown | None:
        shown = read(reader, f'[data-message="{request.key}"]')
        return shown if shown and shown.error == "404" else None

    shown = poll(failed, timeout=5, what="the page to give up on the request's text")
    assert not shown.streaming, "a text that will not come is not shown as coming"
    assert shown.length == 0


def test_a_server_error_is_retried_until_the_text_arrives(
    page: Page, new_context: NewContext, server: Server
) -> None:
    book, request = book_request(page, server, "Flaky")
    asked: list[str] = []

    def fail_twice(route: Route) -> None:
        asked.append(route.request.url)
        if len(asked) <= 2:
            route.fulfill(status=503, body="busy")
        else:
            route.continue_()

    reader = new_context().new_page()
    reader.route(text_route(request), fail_twice)
    reader.goto(f"/books/{book}")

    wait_shown_in_full(reader, request, timeout=15)
    assert len(asked) >= 3, asked  # two failures, then the text

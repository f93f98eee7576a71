"""What the browser tests do and read: a book's page, as an author sees it.

Texts are compared whitespace-normalised (markdown rendering changes
whitespace) and counted in words, ``len(text.split())``.

Headless Chromium runs animation frames only about once a second in a tab that
is not in front of its window, so a background tab reveals streamed text in
bursts (it still receives all of it). Helpers that act on a page bring it to
the front first, as an author would.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from playwright.sync_api import BrowserContext, Page

from tests.browser.server import Server, StoredMessage

T = TypeVar("T")


class NewContext(Protocol):
    """The ``new_context`` fixture: another browser session on the app, signed
    in as the admin unless ``signed_in=False``."""

    def __call__(self, *, signed_in: bool = True) -> BrowserContext: ...


POLL_S = 0.05

# One StreamText element's text and data attributes.
_SHOWN_JS = """(el) => ({
  message: el.dataset.message ?? "",
  text: el.textContent,
  length: Number(el.dataset.length ?? -1),
  shown: Number(el.dataset.shown ?? -1),
  streaming: el.dataset.streaming === "true",
  error: el.dataset.error ?? "",
})"""
_READ_JS = f"""(sel) => {{
  const el = document.querySelector(sel);
  return el ? ({_SHOWN_JS})(el) : null;
}}"""
_READ_ALL_JS = f"""(sel) =>
  Array.from(document.querySelectorAll(sel)).map({_SHOWN_JS})"""

_PROGRESS_JS = """() => Array.from(document.querySelectorAll("[id^='chapter-']"))
  .filter((el) => /^chapter-\\d+$/.test(el.id))
  .map((el) => el.textContent.split(/\\s+/).filter(Boolean).length)"""


def norm(text: str) -> str:
    return " ".join(text.split())


def words(text: str) -> list[str]:
    return text.split()


@dataclass(frozen=True)
class Shown:
    """A StreamText element as displayed: its text and its data attributes."""

    message: str  # "m<id>": the message it shows
    text: str
    length: int  # code points received
    shown: int  # code points displayed
    streaming: bool  # more text is expected
    error: str  # HTTP status of a failed text fetch that will not be retried

    @property
    def words(self) -> list[str]:
        return self.text.split()


def poll(fn: Callable[[], T | None], *, timeout: float, what: str) -> T:
    """Call ``fn`` until it returns something truthy; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        last = fn()
        if last:
            return last
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(POLL_S)


def read(page: Page, selector: str) -> Shown | None:
    raw = page.evaluate(_READ_JS, selector)
    return Shown(**raw) if raw else None


def read_all(page: Page, selector: str) -> list[Shown]:
    return [Shown(**raw) for raw in page.evaluate(_READ_ALL_JS, selector)]


def visible_words(text: str) -> list[str]:
    """Words as rendered: markdown's markup characters (headings, emphasis,
    quotes, code) do not appear on the page."""
    return re.sub(r"[#*_>`]", "", text).split()


def assert_same_words(shown: str, stored: str, what: str) -> None:
    """The page shows the stored text's words, markdown markup aside."""
    assert_word_prefix(
        " ".join(visible_words(stored)), " ".join(visible_words(shown)), what
    )
    assert len(visible_words(shown)) == len(visible_words(stored)), what


def settled(shown: Shown, stored: StoredMessage) -> bool:
    """The element shows the whole of a finished message: every code point
    received and displayed, nothing more expected."""
    return (
        stored.finished
        and shown.length == stored.length
        and shown.shown == shown.length
        and not shown.streaming
    )


def wait_settled(
    page: Page, selector: str, server: Server, *, timeout: float
) -> tuple[Shown, StoredMessage]:
    """Wait until ``selector`` shows its message finished and in full, as the
    server holds it; check the words are the stored ones."""
    last: list[tuple[Shown | None, StoredMessage | None]] = [(None, None)]

    def check() -> tuple[Shown, StoredMessage] | None:
        shown = read(page, selector)
        stored = None
        if shown is not None and shown.message:
            stored = server.message(int(shown.message.removeprefix("m")))
        last[0] = (shown, stored)
        if shown is None or stored is None or not settled(shown, stored):
            return None
        return shown, stored

    try:
        shown, stored = poll(check, timeout=timeout, what=f"all of {selector}")
    except AssertionError as exc:
        shown, stored = last[0]
        raise AssertionError(
            f"{exc}; last seen {shown}, server has "
            f"{stored and (stored.status, stored.length)}"
        ) from None
    assert_same_words(shown.text, stored.text, selector)
    return shown, stored


def wait_shown_in_full(
    page: Page, stored: StoredMessage, *, timeout: float
) -> list[Shown]:
    """Wait until every element showing the finished message ``stored`` (the
    chat bubble, the manuscript) shows all of it; check their words."""
    assert stored.finished, stored
    selector = f'[data-message="{stored.key}"]'
    last: list[list[Shown]] = [[]]

    def check() -> list[Shown] | None:
        last[0] = shown = read_all(page, selector)
        return shown if shown and all(settled(s, stored) for s in shown) else None

    try:
        shown = poll(check, timeout=timeout, what=f"{stored.kind} {stored.key} in full")
    except AssertionError as exc:
        raise AssertionError(
            f"{exc}; server has {stored.length} code points, page shows "
            f"{[(s.length, s.shown, s.streaming, s.error) for s in last[0]]}"
        ) from None
    for s in shown:
        assert_same_words(s.text, stored.text, f"{stored.kind} {stored.key}")
    return shown


def status(page: Page) -> str | None:
    el = page.query_selector("#book-status")
    return el.text_content() if el else None


def wait_status(page: Page, *wanted: str, timeout: float) -> str:
    seen: list[str | None] = []

    def check() -> str | None:
        s = status(page)
        if not seen or seen[-1] != s:
            seen.append(s)
        return s if s in wanted else None

    try:
        return poll(check, timeout=timeout, what=f"status in {wanted}")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; statuses seen: {seen}") from None


def wait_words(page: Page, selector: str, n: int, *, timeout: float) -> Shown:
    """Wait until ``selector`` shows at least ``n`` words."""

    def check() -> Shown | None:
        s = read(page, selector)
        return s if s is not None and len(s.words) >= n else None

    return poll(check, timeout=timeout, what=f"{n} words in {selector}")


def book_id_of(page: Page) -> int:
    m = re.search(r"/books/(\d+)$", page.url)
    assert m, f"not a book page: {page.url}"
    return int(m[1])


def create_book(
    page: Page,
    *,
    title: str,
    premise: str,
    chapters: int,
    words_per_chapter: int,
) -> int:
    """Fill the dashboard form and submit it; return the new book's id."""
    page.bring_to_front()
    page.goto("/")
    page.fill("#book-title", title)
    page.fill("#book-premise", premise)
    page.fill("#book-chapters", str(chapters))
    page.fill("#book-words", str(words_per_chapter))
    page.click("#create-book")
    page.wait_for_url(re.compile(r"/books/\d+$"))
    return book_id_of(page)


def approve(page: Page, *, timeout: float = 20) -> None:
    page.bring_to_front()
    wait_status(page, "awaiting_approval", timeout=timeout)
    page.click("#approve-outline")
    wait_status(page, "writing", "complete", timeout=timeout)


def watch_growth(
    page: Page, selector: str, *, samples: int = 3, timeout: float = 20
) -> list[Shown]:
    """Sample ``selector`` until it has shown ``samples`` increasing word counts
    while still streaming. Each sample must extend the one before it (the text
    only ever grows at its end). Returns the samples.
    """
    seen: list[Shown] = []

    def check() -> bool:
        s = read(page, selector)
        if s is None or not s.words:
            return False
        if seen and len(s.words) < len(seen[-1].words):
            raise AssertionError(
                f"{selector} shrank from {len(seen[-1].words)} to {len(s.words)} words"
            )
        if not seen or len(s.words) > len(seen[-1].words):
            if seen:
                assert_word_prefix(seen[-1].text, s.text, f"{selector} while growing")
            seen.append(s)
        if not s.streaming:
            counts = [len(x.words) for x in seen]
            raise AssertionError(
                f"{selector} finished after only {len(seen)} increasing samples "
                f"(word counts {counts}): it did not stream visibly"
            )
        return len(seen) >= samples

    poll(check, timeout=timeout, what=f"{selector} to grow {samples} times")
    return seen


def assert_word_prefix(prefix: str, text: str, what: str) -> None:
    """``prefix`` (as words) starts ``text``: nothing rewritten, doubled or lost."""
    a, b = words(prefix), words(text)
    if b[: len(a)] == a:
        return
    pairs = enumerate(zip(a, b, strict=False))
    at = next((i for i, (x, y) in pairs if x != y), min(len(a), len(b)))
    raise AssertionError(
        f"{what}: text is not a continuation; first difference at word {at}: "
        f"{' '.join(a[max(0, at - 8) : at + 8])!r} vs "
        f"{' '.join(b[max(0, at - 8) : at + 8])!r}"
    )


def progress_words(page: Page) -> list[int]:
    """Words shown in each chapter body, in page order."""
    return page.evaluate(_PROGRESS_JS)


def fresh_text(
    context: BrowserContext,
    book_id: int,
    selector: str,
    server: Server,
    *,
    timeout: float = 15,
) -> str:
    """The finished text of ``selector`` as a newly opened page shows it (the
    stored text, not a live stream), once the page has all of it."""
    page = context.new_page()
    try:
        page.goto(f"/books/{book_id}")
        shown, _ = wait_settled(page, selector, server, timeout=timeout)
        return norm(shown.text)
    finally:
        page.close()


def repeated_windows(text: str, size: int = 8) -> Counter[tuple[str, ...]]:
    """Each ``size``-word window that occurs more than once, with its count."""
    w = words(text)
    counts = Counter(tuple(w[i : i + size]) for i in range(len(w) - size + 1))
    return Counter({k: n for k, n in counts.items() if n > 1})


def follow(pages: list[Page], selector: str, *, timeout: float) -> list[list[Shown]]:
    """Sample ``selector`` on every page until it has finished streaming on all
    of them. Each page's samples must only ever extend the one before (nothing
    doubled, rewritten or lost while live). Returns each page's distinct samples.
    """
    samples: list[list[Shown]] = [[] for _ in pages]

    def check() -> bool:
        done = True
        for i, (page, seen) in enumerate(zip(pages, samples, strict=True)):
            s = read(page, selector)
            if s is None or not s.words:
                done = False
                continue
            if not seen or s.text != seen[-1].text or s.streaming != seen[-1].streaming:
                if seen:
                    assert_word_prefix(seen[-1].text, s.text, f"page {i} {selector}")
                seen.append(s)
            done = done and not s.streaming
        return done

    poll(check, timeout=timeout, what=f"{selector} to finish on {len(pages)} pages")
    return samples


def live_samples(seen: list[Shown]) -> int:
    """How many distinct word counts a page showed while the text streamed."""
    return len({len(s.words) for s in seen if s.streaming})


def assert_consistent(a: str, b: str, what: str) -> None:
    """One text (as words) starts the other: two views of one growing text."""
    if len(words(a)) <= len(words(b)):
        assert_word_prefix(a, b, what)
    else:
        assert_word_prefix(b, a, what)

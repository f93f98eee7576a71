"""Versions of a book in the browser: branch at a chapter in tab A, and tab B
follows to the new version as it streams; switching back in tab B brings both
tabs back to the first version, whole. And a new version cut by a crash of the
server resumes streaming after the restart, in the same message."""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.helpers import (
    NewContext,
    approve,
    create_book,
    norm,
    poll,
    read,
    wait_settled,
    wait_status,
    wait_words,
)
from tests.browser.server import Server, StoredMessage
from tests.support.devserver import AppServer

pytestmark = pytest.mark.browser

PREMISE = "A cartographer maps an island that redraws its own coast each night."
WISH = "What if the island followed her home?"


def chapter_messages(server: Server, book: int, chapter_kind: str = "chapter"):
    return [m for m in server.messages(book) if m.kind == chapter_kind]


def shows_message(page: Page, selector: str, message: StoredMessage) -> bool:
    s = read(page, selector)
    return (
        s is not None
        and s.message == message.key
        and not s.streaming
        and norm(s.text) == norm(message.text)
    )


def current_version(page: Page) -> str | None:
    el = page.query_selector("#branch-list [aria-current='true']")
    return el.get_attribute("id") if el else None


def branch_at(page: Page, message_id: int, wish: str) -> None:
    page.bring_to_front()
    page.click(f"#branch-from-{message_id}")
    page.fill("#branch-wish", wish)
    poll(
        lambda: page.locator("#branch-wish").input_value() == wish,
        timeout=5,
        what="the wish typed",
    )
    page.click("#branch-confirm")


def test_branch_in_one_tab_and_switch_back_in_another(
    page: Page, new_context: NewContext, server: Server
) -> None:
    book = create_book(
        page, title="Branches", premise=PREMISE, chapters=2, words_per_chapter=300
    )
    approve(page)
    wait_status(page, "complete", timeout=60)
    first_1, first_2 = chapter_messages(server, book)
    other = new_context().new_page()
    other.goto(f"/books/{book}")
    for p in (page, other):
        wait_settled(p, "#chapter-2", server, timeout=20)
        assert p.query_selector("#branch-list") is None  # one version: no list

    branch_at(page, first_2.id, WISH)
    # Tab B follows to the new version and sees chapter 2 stream there.
    for p in (other, page):
        poll(lambda p=p: current_version(p) == "branch-2", timeout=20, what="v2")
    poll(
        lambda: (
            (s := read(other, "#chapter-2")) is not None
            and s.message != first_2.key
            and s.streaming
        ),
        timeout=20,
        what="the new chapter 2 streaming in tab B",
    )
    wait_words(other, "#chapter-2", 20, timeout=20)
    wait_status(page, "complete", timeout=60)
    new_1, _, new_2 = chapter_messages(server, book)
    assert new_1.id == first_1.id  # shared, not copied
    assert norm(new_2.text) != norm(first_2.text)
    (note,) = [m for m in server.messages(book) if m.kind == "branch"]
    assert note.text == WISH
    for p in (page, other):
        poll(lambda p=p: shows_message(p, "#chapter-2", new_2), timeout=20, what="v2")
        assert shows_message(p, "#chapter-1", first_1)

    # Tab B switches back: both tabs show the first version, whole.
    other.bring_to_front()
    other.click("#branch-1")
    for p in (other, page):
        poll(lambda p=p: current_version(p) == "branch-1", timeout=20, what="v1")
        poll(
            lambda p=p: shows_message(p, "#chapter-2", first_2),
            timeout=20,
            what="the first version's chapter 2",
        )
        wait_status(p, "complete", timeout=10)
    assert server.message(new_2.id).text == new_2.text  # nothing was lost


def stored_text(db_path: Path, message_id: int) -> tuple[str, str]:
    """A message's status and text straight from the database (the app may be
    down): its folded text and its chunk log."""
    with sqlite3.connect(db_path) as conn:
        ((status, content),) = conn.execute(
            "SELECT status, content FROM message WHERE id = ?", (message_id,)
        ).fetchall()
        chunks = conn.execute(
            "SELECT text FROM chunk WHERE message_id = ? ORDER BY id", (message_id,)
        ).fetchall()
    return status, content + "".join(t for (t,) in chunks)


def test_a_new_version_cut_by_a_crash_streams_on_after_the_restart(
    page: Page, app: AppServer, server: Server, db_path: Path
) -> None:
    book = create_book(
        page, title="Crash", premise=PREMISE, chapters=1, words_per_chapter=600
    )
    approve(page)
    wait_status(page, "complete", timeout=60)
    (first,) = chapter_messages(server, book)
    wait_settled(page, "#chapter-1", server, timeout=20)

    page.click("#regenerate-from-1")
    poll(lambda: current_version(page) == "branch-2", timeout=20, what="v2")
    shown = wait_words(page, "#chapter-1", 80, timeout=30)
    assert shown.message != first.key
    cut_id = int(shown.message.removeprefix("m"))
    app.kill(signal.SIGKILL)  # returns once every process of the app is gone
    status, cut_text = stored_text(db_path, cut_id)
    assert status == "streaming" and len(cut_text.split()) >= 80

    app.start()
    page.reload()
    # After the restart the same message streams on, to the end.
    poll(
        lambda: (
            (s := read(page, "#chapter-1")) is not None
            and s.message == f"m{cut_id}"
            and len(s.words) > len(cut_text.split())
        ),
        timeout=60,
        what="the cut chapter growing again",
    )
    wait_status(page, "complete", timeout=90)
    (_, done) = chapter_messages(server, book)
    assert done.id == cut_id
    assert norm(done.text).startswith(norm(cut_text))
    poll(lambda: shows_message(page, "#chapter-1", done), timeout=20, what="v2")
    assert current_version(page) == "branch-2"
    page.click("#branch-1")
    poll(
        lambda: shows_message(page, "#chapter-1", first),
        timeout=20,
        what="the first version's chapter",
    )

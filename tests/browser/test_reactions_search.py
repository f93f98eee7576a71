"""Reactions seen live by a teammate, the dashboard's search, the dictation
button, and a long conversation loading older messages, in Chromium.

The admin shares a book with the team and invites a member, who signs up in
another browser; both open the book. Each reacts to a message and the other
sees the count change without reloading. Then the dashboard's search box and
status filter narrow the cards, answered by the server.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine
from sqlmodel import Session, select

from bookgen.storage.models import THREAD_PAGE, Message, MessageKind, Role, Thread
from tests.browser.conftest import sign_up
from tests.browser.helpers import NewContext, create_book, wait_status

pytestmark = pytest.mark.browser

PASSWORD = "a long enough passphrase"


def first_heart(page: Page) -> tuple[int, str]:
    """The first bubble's heart button: (message id, selector)."""
    button = page.locator("[id^='react-'][id$='-heart']").first
    expect(button).to_be_visible()
    found = re.fullmatch(r"react-(\d+)-heart", button.get_attribute("id") or "")
    assert found, "reaction buttons are named react-<message id>-<name>"
    return int(found[1]), f"#react-{found[1]}-heart"


def test_a_teammate_sees_reactions_live_and_search_filters_books(
    new_context: NewContext,
) -> None:
    tag = uuid.uuid4().hex[:6]
    admin = new_context().new_page()
    shared = create_book(
        admin,
        title=f"Zephyr Reactions {tag}",
        premise="Two keepers share one lighthouse.",
        chapters=1,
        words_per_chapter=200,
    )
    admin.select_option("#book-visibility", "team-reads")
    expect(admin.locator("#book-visibility")).to_have_value("team-reads")
    other = create_book(
        admin,
        title=f"Quokka Ledger {tag}",
        premise="An island counts its animals.",
        chapters=1,
        words_per_chapter=200,
    )

    admin.goto("/members")
    admin.click("#invite-create")
    link = admin.locator("#invite-link").inner_text()
    member = new_context(signed_in=False).new_page()
    member.goto(link)
    email = f"rea-{tag}@example.org"
    sign_up(member, name="Rea Member", email=email, password=PASSWORD)

    admin.goto(f"/books/{shared}")
    member.goto(f"/books/{shared}")
    wait_status(member, "awaiting_approval", timeout=30)
    message_id, heart = first_heart(member)
    # Dictation is offered beside the feedback box only where the browser
    # can recognise speech itself.
    wait_status(admin, "awaiting_approval", timeout=30)
    expect(admin.locator("#feedback")).to_be_visible()
    can_listen = admin.evaluate(
        "() => Boolean(window.SpeechRecognition || window.webkitSpeechRecognition)"
    )
    expect(admin.locator("#voice-input")).to_have_count(1 if can_listen else 0)
    up = f"#react-{message_id}-up"

    # The member (who may only watch) reacts; the author sees it live.
    member.click(heart)
    expect(member.locator(heart)).to_have_attribute("aria-pressed", "true")
    expect(admin.locator(heart)).to_have_attribute("data-count", "1")
    expect(admin.locator(heart)).to_have_attribute("aria-pressed", "false")
    # And back: the author reacts, the member sees it.
    admin.bring_to_front()
    admin.click(up)
    expect(member.locator(up)).to_have_attribute("data-count", "1")
    admin.click(heart)
    expect(member.locator(heart)).to_have_attribute("data-count", "2")
    # Taken back by the member: the author's count drops.
    member.bring_to_front()
    member.click(heart)
    expect(admin.locator(heart)).to_have_attribute("data-count", "1")
    expect(member.locator(heart)).to_have_attribute("aria-pressed", "false")

    # The dashboard's search asks the server; the status filter too.
    admin.bring_to_front()
    admin.goto("/")
    cards = admin.locator("#book-list")
    expect(cards).to_contain_text(f"Quokka Ledger {tag}")
    admin.fill("#book-search", f"zephyr reactions {tag.upper()}")
    expect(cards).to_contain_text(f"Zephyr Reactions {tag}")
    expect(cards).not_to_contain_text(f"Quokka Ledger {tag}")
    expect(admin.locator(f"[data-book-id='{other}']")).to_have_count(0)
    admin.fill("#book-search", f"ledger {tag}")
    expect(admin.locator(f"[data-book-id='{other}']")).to_have_count(1)
    expect(admin.locator(f"[data-book-id='{shared}']")).to_have_count(0)
    admin.fill("#book-search", tag)
    expect(admin.locator(f"[data-book-id='{shared}']")).to_have_count(1)
    admin.select_option("#book-status-filter", "complete")
    expect(admin.locator(f"[data-book-id='{shared}']")).to_have_count(0)
    expect(admin.locator(f"[data-book-id='{other}']")).to_have_count(0)
    admin.select_option("#book-status-filter", "all")
    expect(admin.locator(f"[data-book-id='{other}']")).to_have_count(1)
    # The member finds only what they may see.
    member.goto("/")
    member.fill("#book-search", tag)
    expect(member.locator(f"[data-book-id='{shared}']")).to_have_count(1)
    expect(member.locator(f"[data-book-id='{other}']")).to_have_count(0)

    if can_listen:
        # Debian's Chromium offers the API but has no speech service, and the
        # headless page no microphone: one try fails and the button goes away
        # for the session, instead of failing on every press.
        admin.goto(f"/books/{shared}")
        wait_status(admin, "awaiting_approval", timeout=30)
        admin.click("#voice-input")
        expect(admin.locator("#voice-input")).to_have_count(0, timeout=20_000)
        admin.reload()
        wait_status(admin, "awaiting_approval", timeout=30)
        expect(admin.locator("#feedback")).to_be_visible()
        expect(admin.locator("#voice-input")).to_have_count(0)


def add_feedback(db_path: Path, book_id: int, n: int) -> None:
    """Grow a book's thread behind the app's back (as a long history would):
    each note follows the shown branch's leaf (``Message.parent_id``) and
    becomes the new leaf, as the store adds messages."""
    engine = create_engine(f"sqlite:///{db_path}")
    try:
        with Session(engine) as s:
            thread = s.exec(select(Thread).where(Thread.book_id == book_id)).one()
            assert thread.id is not None
            for i in range(n):
                note = Message(
                    book_id=book_id,
                    thread_id=thread.id,
                    parent_id=thread.leaf_message_id,
                    role=Role.USER,
                    kind=MessageKind.FEEDBACK,
                    content=f"note {i}",
                )
                s.add(note)
                s.flush()
                thread.leaf_message_id = note.id
            s.add(thread)
            s.commit()
    finally:
        engine.dispose()


def test_scrolling_the_chat_panel_up_loads_older_messages(
    new_context: NewContext, db_path: Path
) -> None:
    page = new_context().new_page()
    book = create_book(
        page,
        title=f"Long Thread {uuid.uuid4().hex[:6]}",
        premise="A town keeps minutes of every meeting.",
        chapters=1,
        words_per_chapter=200,
    )
    wait_status(page, "awaiting_approval", timeout=30)
    add_feedback(db_path, book, THREAD_PAGE + 10)  # 52 messages in all
    page.reload()
    bubbles = page.locator("#chat-panel [data-kind]")
    expect(bubbles).to_have_count(THREAD_PAGE)
    expect(page.locator("#load-older")).to_be_visible()
    # The author scrolls the conversation up to its top.
    thread = page.locator("#chat-panel .thread")
    thread.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    thread.evaluate("el => { el.scrollTop = 0; }")
    expect(bubbles).to_have_count(THREAD_PAGE + 12)
    expect(page.locator("#load-older")).to_have_count(0)
    expect(bubbles.first).to_have_attribute("data-kind", "request")

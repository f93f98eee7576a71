"""Accounts in Chromium, on an app nobody has visited yet.

The first visitor creates the admin, who shares a book with the team and
invites a member; the member signs up through the link in another browser and
watches the admin's book stream live, but cannot drive it or open the admin's
private book. A signed-out visitor sees only the sign-in page. Passwords of
40 times "é" (80 bytes in UTF-8, past bcrypt's limit) sign up and sign in.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_up
from tests.browser.helpers import (
    NewContext,
    book_id_of,
    create_book,
    wait_status,
    watch_growth,
)

pytestmark = [pytest.mark.browser, pytest.mark.fresh_app]

ADMIN_EMAIL = "founder@example.org"
PASSWORD = "é" * 40
SIGN_IN_PAGE = re.compile(r"/login/?$")


def signed_out_sees_only_sign_in(page: Page, path: str) -> None:
    page.goto(path)
    page.wait_for_url(SIGN_IN_PAGE)
    expect(page.locator("#login-submit")).to_be_visible()
    for app_only in ("#book-title", "#chat-panel", "#book-list", "#logout"):
        expect(page.locator(app_only)).to_have_count(0)


def test_admin_invites_a_member_who_watches_a_shared_book_live(
    new_context: NewContext,
) -> None:
    admin = new_context(signed_in=False).new_page()
    admin.goto("/")
    admin.wait_for_url(re.compile(r"/signup/?$"))
    expect(admin.get_by_text("Create the admin account")).to_be_visible()
    sign_up(admin, name="Founder", email=ADMIN_EMAIL, password=PASSWORD)
    cookie = next(
        c for c in admin.context.cookies() if c.get("name") == "bookgen_session"
    )
    assert cookie.get("httpOnly") is True and cookie.get("sameSite") == "Lax"
    assert admin.evaluate("document.cookie").find("bookgen_session") == -1

    private = create_book(
        admin,
        title="Diary",
        premise="Private notes.",
        chapters=1,
        words_per_chapter=200,
    )
    shared = create_book(
        admin,
        title="Shared Voyage",
        premise="A crew sails past the edge of the map.",
        chapters=1,
        words_per_chapter=600,
    )
    admin.select_option("#book-visibility", "team-reads")
    expect(admin.locator("#book-visibility")).to_have_value("team-reads")

    admin.goto("/members")
    admin.click("#invite-create")
    link = admin.locator("#invite-link").inner_text()
    assert "/signup?invite=" in link

    member_context = new_context(signed_in=False)
    member = member_context.new_page()
    signed_out_sees_only_sign_in(member, f"/books/{shared}")
    signed_out_sees_only_sign_in(member, "/")
    member.goto(link)
    expect(member.get_by_text("Join your team")).to_be_visible()
    sign_up(member, name="Member", email="member@example.org", password=PASSWORD)
    expect(member.locator("#book-list")).to_contain_text("Shared Voyage")
    expect(member.locator("#book-list")).not_to_contain_text("Diary")
    expect(member.locator("#members-link")).to_have_count(0)

    # The admin's private book looks like one that does not exist.
    member.goto(f"/books/{private}")
    expect(member.locator("#access-denied")).to_be_visible()
    member.goto("/books/999999")
    expect(member.locator("#access-denied")).to_be_visible()

    member.goto(f"/books/{shared}")
    wait_status(member, "awaiting_approval", timeout=30)
    assert book_id_of(member) == shared
    expect(member.locator("#approve-outline")).to_have_count(0)
    expect(member.locator("#book-visibility")).to_have_count(0)

    admin.goto(f"/books/{shared}")
    wait_status(admin, "awaiting_approval", timeout=30)
    admin.click("#approve-outline")
    member.bring_to_front()
    samples = watch_growth(member, "#chapter-1", samples=3, timeout=30)
    assert len(samples) >= 3


def test_passwords_of_forty_e_acute_sign_in_again(new_context: NewContext) -> None:
    page = new_context(signed_in=False).new_page()
    page.goto("/login")
    page.fill("#login-email", ADMIN_EMAIL)
    page.fill("#login-password", "é" * 39)
    page.click("#login-submit")
    expect(page.locator("#auth-error")).to_have_text("Wrong email or password.")
    page.fill("#login-password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector("#book-title")
    page.click("#logout")
    page.wait_for_url(SIGN_IN_PAGE)
    assert not [c for c in page.context.cookies() if c.get("name") == "bookgen_session"]
    signed_out_sees_only_sign_in(page, "/")

"""User B against user A's books, through every door: the page URL, handler
calls, the HTTP text route and the live channel; and sessions that end.

A's private book must look to B exactly like a book that does not exist; a
team book is readable by B and actionable only when A's policy says so; a
revoked session, or a book made private, leaves every open tab within seconds.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bookgen.accounts import AccountService
from bookgen.state.auth import AuthState
from bookgen.state.book import AUTHOR_ONLY, NOT_FOUND, READ_ONLY
from bookgen.storage.db import make_engine
from bookgen.storage.models import MAX_ROW_ID
from tests.auth.conftest import AuthApp
from tests.support.reflex_client import BOOK_STATE, DASHBOARD_STATE, ReflexClient

AUTH_STATE = AuthState.get_full_name()
# What B's tab shows of a book, compared between "not allowed" and "missing".
SHOWN = ("found", "title", "status", "thread", "outline", "chapters", "notice")
ACTIONS = ("approve", "reject", "stop", "resume", "watch")


def shown(tab: ReflexClient) -> dict[str, Any]:
    return {name: tab.var(BOOK_STATE, name) for name in SHOWN}


async def answered(
    tab: ReflexClient, handler: str, payload: dict, notice: str | None
) -> None:
    """Call ``handler`` and check the notice it leaves (None: not checked)."""
    await tab.emit(f"{BOOK_STATE}.load_book", {}, tab.path)  # clears the notice
    await tab.emit(f"{BOOK_STATE}.set_feedback", {"value": "reset"}, tab.path)
    await tab.wait_for(lambda: tab.var(BOOK_STATE, "feedback") == "reset", 20)
    assert tab.var(BOOK_STATE, "notice") == ""
    await tab.emit(f"{BOOK_STATE}.{handler}", payload, tab.path)
    await tab.emit(f"{BOOK_STATE}.set_feedback", {"value": "answered"}, tab.path)
    await tab.wait_for(lambda: tab.var(BOOK_STATE, "feedback") == "answered", 20)
    if notice is not None:
        assert tab.var(BOOK_STATE, "notice") == notice, handler


async def open_tab(app: AuthApp, token: str, path: str) -> ReflexClient:
    tab = app.client(token)
    await tab.open(path)
    await tab.wait_for(lambda: tab.var(AUTH_STATE, "signed_in") is True, 20)
    await tab.wait_for(lambda: tab.var(BOOK_STATE, "found") is not None, 20)
    return tab


async def test_a_private_book_is_not_found_for_b(auth_app: AuthApp) -> None:
    team = auth_app.team
    b = team.member.token
    before = auth_app.tables()

    missing = await open_tab(auth_app, b, f"/books/{MAX_ROW_ID}")
    private = await open_tab(auth_app, b, f"/books/{team.private_book}")
    try:
        await private.wait_for(lambda: private.var(BOOK_STATE, "found") is False, 20)
        await missing.wait_for(lambda: missing.var(BOOK_STATE, "found") is False, 20)
        assert shown(private) == shown(missing)
        for tab in (private, missing):
            for action in ACTIONS:
                await answered(
                    tab, action, {}, NOT_FOUND if action != "watch" else None
                )
            await answered(tab, "change_sharing", {"value": "team-acts"}, NOT_FOUND)
        assert shown(private) == shown(missing)
    finally:
        await private.close()
        await missing.close()

    leaked = "\n".join(private.frames or [])
    for secret in team.secrets():
        assert secret not in leaked, f"{secret!r} reached B"
    assert auth_app.tables() == before

    # The HTTP text route answers exactly as for a message that does not exist.
    for message_id in auth_app.message_ids(team.private_book):
        path = f"/api/messages/{message_id}/text"
        assert auth_app.http_get(path, b) == auth_app.http_get(
            f"/api/messages/{MAX_ROW_ID}/text", b
        )
        assert auth_app.http_get(path, b)[0] == 404
        assert auth_app.http_get(path, team.admin.token)[0] == 200

    # So do the book's files: its exports and its cover.
    for kind in ("export.md", "export.epub", "cover.png"):
        missing_book = auth_app.http_get(f"/api/books/{MAX_ROW_ID}/{kind}", b)
        assert missing_book == (404, "no such book")
        assert auth_app.http_get(f"/api/books/{team.private_book}/{kind}", b) == (
            missing_book
        )
    assert auth_app.tables() == before


async def test_b_lists_only_books_b_may_see(auth_app: AuthApp) -> None:
    team = auth_app.team
    tab = auth_app.client(team.member.token)
    await tab.open("/")
    try:
        await tab.wait_for(lambda: tab.var(DASHBOARD_STATE, "books"), 20)
        ids = {card["id"] for card in tab.var(DASHBOARD_STATE, "books")}
    finally:
        await tab.close()
    assert ids == {team.team_read_book, team.team_act_book}


async def test_a_team_book_is_readable_but_actionable_only_by_policy(
    auth_app: AuthApp,
) -> None:
    team = auth_app.team
    b = team.member.token
    before = auth_app.tables()
    read = await open_tab(auth_app, b, f"/books/{team.team_read_book}")
    try:
        await read.wait_for(lambda: read.var(BOOK_STATE, "found") is True, 20)
        assert read.var(BOOK_STATE, "title") == "Team-Read-Title"
        assert read.var(BOOK_STATE, "can_act") is False
        assert read.var(BOOK_STATE, "is_author") is False
        for action in ("approve", "reject", "stop", "resume"):
            await answered(read, action, {}, READ_ONLY)
        await answered(read, "change_sharing", {"value": "private"}, AUTHOR_ONLY)
    finally:
        await read.close()
    assert auth_app.tables() == before
    messages = auth_app.message_ids(team.team_read_book)
    assert auth_app.http_get(f"/api/messages/{messages[-1]}/text", b)[0] == 200

    act = await open_tab(auth_app, b, f"/books/{team.team_act_book}")
    try:
        await act.wait_for(lambda: act.var(BOOK_STATE, "can_act") is True, 20)
        # Acting is allowed; changing who sees the book is the author's alone.
        await answered(act, "change_sharing", {"value": "private"}, AUTHOR_ONLY)
        await act.emit(f"{BOOK_STATE}.resume", {}, act.path)
        await act.wait_for(
            lambda: act.var(BOOK_STATE, "status") in ("writing", "complete"), 30
        )
    finally:
        await act.close()


async def test_b_never_joins_the_live_room_of_a_private_book(
    auth_app: AuthApp,
) -> None:
    team = auth_app.team
    path = f"/books/{team.live_book}"
    author = await open_tab(auth_app, team.admin.token, path)
    intruder = await open_tab(auth_app, team.member.token, path)
    try:
        await author.wait_for(lambda: author.var(BOOK_STATE, "found") is True, 20)
        await author.emit(f"{BOOK_STATE}.resume", {}, path)
        for _ in range(3):  # B asks to watch, again and again
            await intruder.emit(f"{BOOK_STATE}.watch", {}, path)
        await author.wait_for(
            lambda: "c1w" in (author.var(BOOK_STATE, "live") or ""), 30
        )
        await author.wait_for(
            lambda: author.var(BOOK_STATE, "status") == "complete", 60
        )
    finally:
        await author.close()
        await intruder.close()
    received = "\n".join(intruder.frames or [])
    assert "c1w" not in received, "B received live text of A's private book"
    assert "Live-Title-52aa" not in received


async def revoke_all(db_url: str, admin: Any, user_id: int) -> None:
    engine = make_engine(db_url)
    try:
        result = await AccountService(engine).set_disabled(
            admin, user_id, disabled=True
        )
        assert result.ok, result
    finally:
        await engine.dispose()


async def test_a_revoked_session_leaves_every_open_tab(auth_app: AuthApp) -> None:
    team = auth_app.team
    path = f"/books/{team.team_read_book}"
    tabs = [await open_tab(auth_app, team.other.token, path) for _ in range(2)]
    try:
        for tab in tabs:
            await tab.wait_for(lambda t=tab: t.var(BOOK_STATE, "found") is True, 20)
        await revoke_all(auth_app.db_url, team.admin.user, team.other.user.id)
        for tab in tabs:
            await tab.wait_for(
                lambda t=tab: (
                    t.var(AUTH_STATE, "signed_in") is False
                    and t.var(BOOK_STATE, "found") is False
                    and not t.var(BOOK_STATE, "title")
                ),
                10,
            )
    finally:
        for tab in tabs:
            await tab.close()
    assert (
        auth_app.http_get(
            f"/api/messages/{auth_app.message_ids(team.team_read_book)[0]}/text",
            team.other.token,
        )[0]
        == 404
    )


async def test_a_book_made_private_leaves_teammates_tabs(auth_app: AuthApp) -> None:
    team = auth_app.team
    path = f"/books/{team.team_act_book}"
    author = await open_tab(auth_app, team.admin.token, path)
    teammate = await open_tab(auth_app, team.member.token, path)
    try:
        await teammate.wait_for(lambda: teammate.var(BOOK_STATE, "found") is True, 20)
        await author.emit(f"{BOOK_STATE}.change_sharing", {"value": "private"}, path)
        await author.wait_for(
            lambda: author.var(BOOK_STATE, "sharing") == "private", 20
        )
        await teammate.wait_for(
            lambda: (
                teammate.var(BOOK_STATE, "found") is False
                and not teammate.var(BOOK_STATE, "title")
            ),
            10,
        )
        await asyncio.sleep(0)  # the tab's socket stays usable
        await answered(teammate, "approve", {}, NOT_FOUND)
    finally:
        await author.close()
        await teammate.close()

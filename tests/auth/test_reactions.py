"""Reactions and the paged chat panel through the real app's handlers, signed
in, on SQLite and PostgreSQL: who may react, hostile arguments, and what every
other viewer's tab shows, live.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, text

from bookgen.state.book import NOT_FOUND
from bookgen.state.history import MESSAGE_NOT_FOUND, UNKNOWN_REACTION
from bookgen.storage.db import make_engine, sync_url
from bookgen.storage.models import MAX_ROW_ID, THREAD_PAGE, MessageKind, Role
from bookgen.storage.reaction_models import REACTIONS, ReactionName
from bookgen.storage.store import NewMessage, Store
from tests.auth.conftest import AuthApp
from tests.auth.test_idor import answered, open_tab
from tests.support.reflex_client import BOOK_STATE, ReflexClient

HEART = list(REACTIONS).index(ReactionName.HEART)
UP = list(REACTIONS).index(ReactionName.UP)


def reactions(app: AuthApp) -> list[tuple[Any, ...]]:
    engine = create_engine(sync_url(app.db_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT message_id, user_id, name FROM reaction ORDER BY id")
            )
            return [tuple(r) for r in rows.all()]
    finally:
        engine.dispose()


def entry(tab: ReflexClient, message_id: int) -> dict[str, Any] | None:
    for e in tab.var(BOOK_STATE, "thread") or []:
        if e["id"] == message_id:
            return e
    return None


def shows(tab: ReflexClient, message_id: int, index: int, total: int, mine: bool):
    """A predicate: the tab shows this count (and mine-ness) on the button."""

    def check() -> bool:
        e = entry(tab, message_id)
        if e is None:
            return False
        if not e["reactions"]:  # nobody reacted: the list is left empty
            return total == 0 and not mine
        return e["reactions"][index] == {"total": total, "mine": mine}

    return check


async def react(tab: ReflexClient, message_id: Any, name: Any) -> None:
    await tab.emit(
        f"{BOOK_STATE}.react", {"message_id": message_id, "name": name}, tab.path
    )


async def test_a_teammate_reacts_and_the_author_sees_it_live(auth_app: AuthApp):
    team = auth_app.team
    path = f"/books/{team.team_read_book}"
    outline = auth_app.message_ids(team.team_read_book)[-1]
    author = await open_tab(auth_app, team.admin.token, path)
    reader = await open_tab(auth_app, team.member.token, path)
    try:
        # B may only watch this book (not act), and may still react.
        await react(reader, outline, "heart")
        await reader.wait_for(shows(reader, outline, HEART, 1, True), 20)
        await author.wait_for(shows(author, outline, HEART, 1, False), 20)

        await react(author, outline, "heart")
        await author.wait_for(shows(author, outline, HEART, 2, True), 20)
        await reader.wait_for(shows(reader, outline, HEART, 2, True), 20)

        # Pressing again takes B's back, for every viewer.
        await react(reader, outline, "heart")
        await author.wait_for(shows(author, outline, HEART, 1, True), 20)
        await reader.wait_for(shows(reader, outline, HEART, 1, False), 20)
        assert reactions(auth_app) == [(outline, team.admin.user.id, "heart")]
        assert reader.var(BOOK_STATE, "notice") == ""
    finally:
        await react(author, outline, "heart")  # leave no reaction behind
        await author.wait_for(lambda: reactions(auth_app) == [], 20)
        await author.close()
        await reader.close()


async def test_what_one_may_not_see_cannot_be_reacted_to(auth_app: AuthApp):
    team = auth_app.team
    b = team.member.token
    private_message = auth_app.message_ids(team.private_book)[-1]
    other_book_message = auth_app.message_ids(team.team_act_book)[-1]
    own = auth_app.message_ids(team.team_read_book)[-1]

    private = await open_tab(auth_app, b, f"/books/{team.private_book}")
    shared = await open_tab(auth_app, b, f"/books/{team.team_read_book}")
    try:
        # The private book answers as if it did not exist.
        payload = {"message_id": private_message, "name": "up"}
        await answered(private, "react", payload, NOT_FOUND)
        assert private.var(BOOK_STATE, "found") is False
        # From a book B may see: another book's message, however visible, and
        # ids that name nothing, are all "not found"; so are wrong types.
        for message_id in (
            private_message,
            other_book_message,
            MAX_ROW_ID,
            MAX_ROW_ID + 1,
            2**70,
            0,
            -1,
            True,
            3.5,
            None,
            "abc",
            [own],
            {"id": own},
        ):
            payload = {"message_id": message_id, "name": "up"}
            await answered(shared, "react", payload, MESSAGE_NOT_FOUND)
        for name in ("fire", "UP", "", None, 7, ["up"], "up; DROP TABLE reaction"):
            payload = {"message_id": own, "name": name}
            await answered(shared, "react", payload, UNKNOWN_REACTION)
        await answered(shared, "load_older", {}, "")
    finally:
        await private.close()
        await shared.close()
    assert reactions(auth_app) == []


async def add_feedback(app: AuthApp, book_id: int, n: int) -> None:
    engine = make_engine(app.db_url)
    try:
        store = Store(engine)
        for i in range(n):
            message = NewMessage(
                role=Role.USER, kind=MessageKind.FEEDBACK, content=f"note {i}"
            )
            assert await store.add_message(book_id, message) is not None
    finally:
        await engine.dispose()


def thread_ids(tab: ReflexClient) -> list[int]:
    return [e["id"] for e in tab.var(BOOK_STATE, "thread") or []]


async def test_the_chat_panel_pages_back_and_older_reactions_stay_live(
    auth_app: AuthApp,
):
    team = auth_app.team
    book = team.team_act_book
    await add_feedback(auth_app, book, 2 * THREAD_PAGE + 5)
    ids = auth_app.message_ids(book)
    path = f"/books/{book}"
    author = await open_tab(auth_app, team.admin.token, path)
    reader = await open_tab(auth_app, team.member.token, path)
    try:
        for tab in (author, reader):
            await tab.wait_for(lambda t=tab: thread_ids(t) == ids[-THREAD_PAGE:], 20)
            assert tab.var(BOOK_STATE, "has_older") is True
        # B scrolls back one page, A to the start.
        await reader.emit(f"{BOOK_STATE}.load_older", {}, path)
        await reader.wait_for(lambda: thread_ids(reader) == ids[-2 * THREAD_PAGE :], 20)
        assert reader.var(BOOK_STATE, "has_older") is True
        for _ in range(3):
            await author.emit(f"{BOOK_STATE}.load_older", {}, path)
        await author.wait_for(lambda: thread_ids(author) == ids, 20)
        assert author.var(BOOK_STATE, "has_older") is False

        # A reacts on a message B loaded by scrolling back: B sees it live.
        old = ids[-THREAD_PAGE - 3]
        await react(author, old, "up")
        await reader.wait_for(shows(reader, old, UP, 1, False), 20)
        await author.wait_for(shows(author, old, UP, 1, True), 20)
        assert thread_ids(reader) == ids[-2 * THREAD_PAGE :]
        # Taken back: every tab shows it gone, B's older page included.
        await react(author, old, "up")
        await reader.wait_for(shows(reader, old, UP, 0, False), 20)
    finally:
        await author.close()
        await reader.close()
    assert reactions(auth_app) == []

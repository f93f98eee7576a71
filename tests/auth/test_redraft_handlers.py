"""Regenerating a chapter through the real handlers of the running app, signed
in, on SQLite and PostgreSQL: who may, hostile arguments, and a new version
that streams to another viewer's tab and is kept from there.
"""

from __future__ import annotations

import itertools
from typing import Any

from bookgen.generation.redraft import (
    FEEDBACK_NOT_TEXT,
    NO_NEW_VERSION,
    REDRAFT_FEEDBACK_TOO_LONG,
)
from bookgen.state.book import NOT_FOUND, READ_ONLY
from bookgen.state.redraft import NO_SUCH_CHAPTER, RedraftState
from bookgen.storage.db import make_engine
from bookgen.storage.models import (
    REDRAFT_FEEDBACK_CHARS,
    BookStatus,
    MessageKind,
    MessageStatus,
    Role,
)
from bookgen.storage.store import NewMessage, Store
from tests.auth.conftest import AuthApp
from tests.auth.handlers import hostile_values
from tests.auth.test_idor import open_tab
from tests.support.reflex_client import BOOK_STATE, ReflexClient

REDRAFT_STATE = RedraftState.get_full_name()
CHAPTER_TEXT = "Seeded-Chapter-One. The gulls went quiet over the rocks."
WISH = "More dialogue; end on the storm."
_marks = itertools.count()


async def _finish(app: AuthApp, book_id: int) -> int:
    """Chapter 1 (the book's only one) written and summarised; the book complete."""
    engine = make_engine(app.db_url)
    try:
        store = Store(engine)
        chapter = await store.add_message(
            book_id,
            NewMessage(
                role=Role.ASSISTANT,
                kind=MessageKind.CHAPTER,
                chapter=1,
                content=CHAPTER_TEXT,
            ),
        )
        await store.add_message(
            book_id,
            NewMessage(
                role=Role.ASSISTANT,
                kind=MessageKind.SUMMARY,
                chapter=1,
                content="The gulls go quiet.",
            ),
        )
        assert await store.transition(
            book_id,
            from_statuses=[BookStatus.STOPPED],
            to_status=BookStatus.COMPLETE,
            chapters_done=1,
        )
        assert chapter is not None and chapter.id is not None
        return chapter.id
    finally:
        await engine.dispose()


async def _chapter_row(app: AuthApp, message_id: int) -> tuple[str, int]:
    engine = make_engine(app.db_url)
    try:
        snap_text = await Store(engine).message_text(message_id)
        versions = await Store(engine).edits.versions(message_id)
        assert snap_text is not None
        return snap_text, len(versions)
    finally:
        await engine.dispose()


async def call(tab: ReflexClient, handler: str, payload: dict | None = None) -> None:
    """Call a RedraftState handler and wait until the tab has processed it."""
    mark = f"mark-{next(_marks)}"
    await tab.emit(f"{REDRAFT_STATE}.{handler}", payload or {}, tab.path)
    await tab.emit(f"{BOOK_STATE}.set_feedback", {"value": mark}, tab.path)
    await tab.wait_for(lambda: tab.var(BOOK_STATE, "feedback") == mark, 20)


def notice(tab: ReflexClient) -> Any:
    return tab.var(REDRAFT_STATE, "redraft_notice")


def redraft(tab: ReflexClient) -> Any:
    return tab.var(BOOK_STATE, "redraft")


async def test_regenerate_handlers_refuse_hostile_calls_then_stream_and_keep(
    auth_app: AuthApp,
) -> None:
    team = auth_app.team
    acted = team.team_act_book  # A's; the team reads it and acts on it
    read_only = team.team_read_book  # A's; the team reads it, only A acts
    chapter_id = await _finish(auth_app, acted)
    await _finish(auth_app, read_only)
    before = {b: auth_app.message_ids(b) for b in (acted, read_only)}

    stranger = await open_tab(
        auth_app, team.member.token, f"/books/{team.private_book}"
    )
    reader = await open_tab(auth_app, team.member.token, f"/books/{read_only}")
    member = await open_tab(auth_app, team.member.token, f"/books/{acted}")
    author = await open_tab(auth_app, team.admin.token, f"/books/{acted}")
    tabs = (stranger, reader, member, author)
    try:
        await stranger.wait_for(lambda: stranger.var(BOOK_STATE, "found") is False, 20)
        await call(stranger, "regenerate_chapter", {"chapter": 1})
        assert notice(stranger) == NOT_FOUND
        await call(stranger, "keep_version")
        assert notice(stranger) in (NOT_FOUND, NO_NEW_VERSION)
        await reader.wait_for(
            lambda: reader.var(BOOK_STATE, "status") == "complete", 30
        )
        assert reader.var(BOOK_STATE, "can_regenerate") is False
        await call(reader, "regenerate_chapter", {"chapter": 1})
        assert notice(reader) == READ_ONLY

        await author.wait_for(
            lambda: author.var(BOOK_STATE, "status") == "complete", 30
        )
        assert author.var(BOOK_STATE, "can_regenerate") is True
        for chapter in [0, 2, -1, 51, 2**40, "2", "1_0", "x", *hostile_values()]:
            await call(author, "regenerate_chapter", {"chapter": chapter})
            assert notice(author) in (NO_SUCH_CHAPTER,), chapter
        for value in [
            5,
            None,
            ["a"],
            {"a": 1},
            "x" * (REDRAFT_FEEDBACK_CHARS.high + 1),
        ]:
            await call(author, "set_redraft_feedback", {"value": value})
            assert notice(author) in (FEEDBACK_NOT_TEXT, REDRAFT_FEEDBACK_TOO_LONG)
            assert author.var(REDRAFT_STATE, "redraft_feedback") == ""
        await call(author, "keep_version")
        assert notice(author) == NO_NEW_VERSION
        await call(author, "keep_current")
        assert notice(author) == NO_NEW_VERSION
        assert {b: auth_app.message_ids(b) for b in before} == before

        # B (the team acts on this book) asks with feedback; A's tab sees the
        # new version stream, then keeps it.
        await call(member, "set_redraft_feedback", {"value": WISH})
        assert notice(member) == ""
        await call(member, "regenerate_chapter", {"chapter": "1"})
        assert notice(member) == ""
        await author.wait_for(
            lambda: (redraft(author) or {}).get("status") == MessageStatus.STREAMING,
            30,
        )
        assert author.var(BOOK_STATE, "redraft_chapter") == 1
        await author.wait_for(
            lambda: (
                (redraft(author) or {}).get("status") == MessageStatus.COMPLETE
                and author.var(BOOK_STATE, "status") == "complete"
            ),
            60,
        )
        # Undecided: the chapter reads as before, and no one may regenerate.
        assert (await _chapter_row(auth_app, chapter_id)) == (CHAPTER_TEXT, 0)
        assert author.var(BOOK_STATE, "can_regenerate") is False
        await call(member, "regenerate_chapter", {"chapter": 1})
        assert notice(member) != ""
        await call(author, "keep_version")
        assert notice(author) == ""
        for tab in (author, member):
            await tab.wait_for(
                lambda t=tab: (
                    redraft(t) is None
                    and [c["version"] for c in t.var(BOOK_STATE, "chapters")] == [1]
                ),
                20,
            )
        text, versions = await _chapter_row(auth_app, chapter_id)
        assert text != CHAPTER_TEXT and versions == 2
        added = auth_app.message_ids(acted)[len(before[acted]) :]
        assert len(added) == 3  # the request, the new version, the choice
    finally:
        for tab in tabs:
            await tab.close()

"""Versions of a book through the real handlers of the running app, signed in,
on SQLite and PostgreSQL: who may branch and switch, hostile arguments, and two
tabs racing the same branch or switch (exactly one lands; both tabs follow).
"""

from __future__ import annotations

import asyncio
from typing import Any

from bookgen.generation.branch_actions import CHANGED, NO_SUCH_BRANCH, NO_SUCH_CHAPTER
from bookgen.generation.branching import NOT_ON_BRANCH, WISH_NOT_TEXT, WISH_TOO_LONG
from bookgen.state.book import NOT_FOUND, READ_ONLY
from bookgen.state.branches import BranchState
from bookgen.storage.models import BRANCH_WISH_CHARS, MAX_ROW_ID
from tests.auth.conftest import AuthApp
from tests.auth.handlers import hostile_values
from tests.auth.test_idor import open_tab
from tests.auth.test_redraft_handlers import _finish
from tests.support.reflex_client import BOOK_STATE, ReflexClient

BRANCH_STATE = BranchState.get_full_name()
WISH = "What if the gulls never came back?"
_marks = iter(range(10**6))


async def mark(tab: ReflexClient) -> None:
    """Wait until the tab has processed every event sent before this one."""
    value = f"branch-mark-{next(_marks)}"
    await tab.emit(f"{BOOK_STATE}.set_feedback", {"value": value}, tab.path)
    await tab.wait_for(lambda: tab.var(BOOK_STATE, "feedback") == value, 20)


async def call(tab: ReflexClient, handler: str, payload: dict | None = None) -> None:
    await tab.emit(f"{BRANCH_STATE}.{handler}", payload or {}, tab.path)
    await mark(tab)


def notice(tab: ReflexClient) -> Any:
    return tab.var(BRANCH_STATE, "branch_notice")


def versions(tab: ReflexClient) -> list[tuple[int, bool]]:
    return [(b["number"], b["current"]) for b in tab.var(BOOK_STATE, "branches")]


def version_id(tab: ReflexClient, number: int) -> int:
    return next(
        b["id"] for b in tab.var(BOOK_STATE, "branches") if b["number"] == number
    )


async def test_branch_handlers_refuse_then_race_to_exactly_one(
    auth_app: AuthApp,
) -> None:
    team = auth_app.team
    acted = team.team_act_book  # A's; the team reads it and acts on it
    read_only = team.team_read_book  # A's; the team reads it, only A acts
    chapter_id = await _finish(auth_app, acted)
    read_chapter = await _finish(auth_app, read_only)
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
        for handler, payload in (
            ("choose_branch_point", {"message_id": chapter_id}),
            ("branch_here", {}),
            ("switch_branch", {"thread_id": 1}),
            ("regenerate_from", {"chapter": 1}),
        ):
            await call(stranger, handler, payload)
            assert notice(stranger) == NOT_FOUND, handler
        await reader.wait_for(
            lambda: reader.var(BOOK_STATE, "status") == "complete", 30
        )
        for handler, payload in (
            ("choose_branch_point", {"message_id": read_chapter}),
            ("branch_here", {}),
            ("regenerate_from", {"chapter": 1}),
        ):
            await call(reader, handler, payload)
            assert notice(reader) == READ_ONLY, handler

        await author.wait_for(
            lambda: author.var(BOOK_STATE, "status") == "complete", 30
        )
        for value in [chapter_id + 10_000, read_chapter, MAX_ROW_ID, *hostile_values()]:
            await call(author, "choose_branch_point", {"message_id": value})
            assert notice(author) == NOT_ON_BRANCH, value
            assert author.var(BRANCH_STATE, "branch_point") == 0
        for value in [0, 2, 51, *hostile_values()]:
            await call(author, "regenerate_from", {"chapter": value})
            assert notice(author) == NO_SUCH_CHAPTER, value
        for value in [0, MAX_ROW_ID, *hostile_values()]:
            await call(author, "switch_branch", {"thread_id": value})
            assert notice(author) == NO_SUCH_BRANCH, value
        for value in [5, None, ["a"], {"a": 1}, "x" * (BRANCH_WISH_CHARS.high + 1)]:
            await call(author, "set_branch_wish", {"value": value})
            assert notice(author) in (WISH_NOT_TEXT, WISH_TOO_LONG), value
            assert author.var(BRANCH_STATE, "branch_wish") == ""
        await call(author, "branch_here")  # no message chosen
        assert notice(author) == NOT_ON_BRANCH
        assert {b: auth_app.message_ids(b) for b in before} == before
        assert versions(author) == []

        # Both tabs open the form at chapter 1 and start at once: one wins.
        for tab in (author, member):
            await tab.wait_for(
                lambda t=tab: t.var(BOOK_STATE, "status") == "complete", 20
            )
            await call(tab, "choose_branch_point", {"message_id": chapter_id})
            await call(tab, "set_branch_wish", {"value": WISH})
            assert notice(tab) == ""
        await asyncio.gather(
            *(
                t.emit(f"{BRANCH_STATE}.branch_here", {}, t.path)
                for t in (author, member)
            )
        )
        await asyncio.gather(mark(author), mark(member))
        # The loser saw the old version, or (its watcher quicker) a thread
        # where its message is no longer: refused either way.
        lost = sorted([notice(author), notice(member)])
        assert lost[0] == "" and lost[1] in (CHANGED, NOT_ON_BRANCH), lost
        for tab in (author, member):
            await tab.wait_for(lambda t=tab: versions(t) == [(1, False), (2, True)], 30)
        added = auth_app.message_ids(acted)[len(before[acted]) :]
        assert len(added) >= 1  # the branch's note, then what it writes
        assert auth_app.message_ids(acted)[: len(before[acted])] == before[acted]

        # Both switch back at once: one switch lands, both tabs show version 1.
        first = version_id(author, 1)
        for tab in (author, member):
            await tab.wait_for(
                lambda t=tab: t.var(BOOK_STATE, "status") == "complete", 60
            )
        await asyncio.gather(
            *(
                t.emit(f"{BRANCH_STATE}.switch_branch", {"thread_id": first}, t.path)
                for t in (author, member)
            )
        )
        await asyncio.gather(mark(author), mark(member))
        assert sorted([notice(author), notice(member)]) in (["", CHANGED], ["", ""])
        for tab in (author, member):
            await tab.wait_for(lambda t=tab: versions(t) == [(1, True), (2, False)], 30)
            assert [c["id"] for c in tab.var(BOOK_STATE, "chapters")] == [chapter_id]
        # The read-only teammate cannot switch either.
        await call(reader, "switch_branch", {"thread_id": first})
        assert notice(reader) == READ_ONLY
    finally:
        for tab in tabs:
            await tab.close()

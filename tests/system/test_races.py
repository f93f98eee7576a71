"""Concurrent and hostile events through the real event path.

Exactly one decision wins, exactly one runner writes, and bad ids or argument
types get a notice (or "not found"), never an exception.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bookgen import routes
from bookgen.generation.service import store_new_book
from bookgen.state.book import NOT_FOUND
from bookgen.storage.models import BookStatus, MessageKind
from bookgen.storage.store import BookSnapshot
from tests.conftest import PG_URL, reset_postgres
from tests.generation.helpers import form
from tests.support.devserver import AppServer
from tests.support.reflex_client import BOOK_STATE, ReflexClient
from tests.system.conftest import SINGLE_AUTHOR, create_book, wait_snapshot, wait_until

pytestmark = pytest.mark.system


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app_db(request, sqlite_db) -> str:
    if request.param == "postgres":
        reset_postgres()
        return PG_URL
    return sqlite_db


async def settled(tab: ReflexClient, marker: str) -> None:
    """Wait until the tab's earlier events were all handled.

    A tab's events are handled in order, so once a later ``set_feedback``
    shows, every event sent before it is done.
    """
    await tab.emit(f"{BOOK_STATE}.set_feedback", {"value": marker})
    await tab.wait_for(lambda: tab.var(BOOK_STATE, "feedback") == marker, 30)


def outlines(snap: BookSnapshot) -> int:
    return sum(m.kind == MessageKind.OUTLINE for m in snap.messages)


async def test_approve_and_reject_at_once_in_two_tabs(app_db, store_for):
    store = store_for(app_db)
    env = {
        "BOOKGEN_AUTH": SINGLE_AUTHOR,
        "DATABASE_URL": app_db,
        "BOOKGEN_OFFLINE_WPS": "200",
    }
    with AppServer(env) as app:
        book_id = await create_book(app.url, chapters=1, words=300)
        tabs = [ReflexClient(app.url) for _ in range(3)]
        try:
            for tab in tabs:
                await tab.open(routes.book_url(book_id))
            for tab in tabs:
                await tab.wait_for(
                    lambda t=tab: t.var(BOOK_STATE, "status") == "awaiting_approval", 60
                )
            await settled(tabs[1], "make it darker")
            await asyncio.gather(
                tabs[0].emit(f"{BOOK_STATE}.approve"),
                tabs[1].emit(f"{BOOK_STATE}.reject"),
                tabs[0].emit(f"{BOOK_STATE}.approve"),  # a double click
            )
            for tab in tabs[:2]:
                await settled(tab, "done")
            notices = [t.var(BOOK_STATE, "notice") for t in tabs[:2]]
            snap = await store.snapshot(book_id)
            assert snap is not None
            decisions = [
                m
                for m in snap.messages
                if m.kind in (MessageKind.APPROVAL, MessageKind.FEEDBACK)
            ]
            assert len(decisions) == 1
            assert "The outline was already decided." in notices
            assert snap.book.status in (BookStatus.WRITING, BookStatus.OUTLINING)
        finally:
            for tab in tabs:
                await tab.close()


async def test_double_continue_starts_one_generation(app_db, store_for):
    store = store_for(app_db)
    env = {
        "BOOKGEN_AUTH": SINGLE_AUTHOR,
        "DATABASE_URL": app_db,
        "BOOKGEN_OFFLINE_WPS": "60",
    }
    with AppServer(env) as app:
        book_id = await create_book(app.url, chapters=1, words=300)
        tab = ReflexClient(app.url)
        try:
            await tab.open(routes.book_url(book_id))
            await tab.wait_for(lambda: tab.var(BOOK_STATE, "status") == "outlining", 30)
            await tab.emit(f"{BOOK_STATE}.stop")
            await wait_snapshot(
                store, book_id, lambda s: s.book.status == BookStatus.STOPPED, 30
            )
            await asyncio.gather(
                tab.emit(f"{BOOK_STATE}.resume"), tab.emit(f"{BOOK_STATE}.resume")
            )
            snap = await wait_snapshot(
                store,
                book_id,
                lambda s: s.book.status == BookStatus.AWAITING_APPROVAL,
                60,
            )
        finally:
            await tab.close()
    assert outlines(snap) == 1, "the outline was restarted instead of continued"
    outline = next(m for m in snap.messages if m.kind == MessageKind.OUTLINE)
    assert outline.content.count("## Chapter") == 1


async def test_many_would_be_starters_make_one_runner(
    app_db, store_for, tmp_path: Path
):
    """Page loads of a book whose lease expired, from many sockets at once, plus
    raw events of the removed ``run_book`` handler naming it: one outline."""
    store = store_for(app_db)
    log = tmp_path / "app.log"
    env = {
        "BOOKGEN_AUTH": SINGLE_AUTHOR,
        "DATABASE_URL": app_db,
        "BOOKGEN_OFFLINE_WPS": "100",
    }
    with AppServer(env, log=log) as app:
        book = await store_new_book(
            store, form(chapters=1), default_model="bookgen-offline"
        )
        assert book.id is not None
        book_id = book.id
        # A runner that died: its lease ran out a minute ago.
        assert await store.claim_lease(book_id, "dead-worker", -60)
        tabs = [ReflexClient(app.url) for _ in range(12)]
        forgers = [ReflexClient(app.url) for _ in range(4)]
        try:
            await asyncio.gather(*(f.open(routes.DASHBOARD) for f in forgers))
            await asyncio.gather(
                *(t.open(routes.book_url(book_id)) for t in tabs),
                *(
                    f.emit(f"{BOOK_STATE}.run_book", {"book_id": book_id})
                    for f in forgers
                ),
            )
            snap = await wait_snapshot(
                store,
                book_id,
                lambda s: s.book.status == BookStatus.AWAITING_APPROVAL,
                60,
            )
            assert outlines(snap) == 1, "more than one runner wrote the outline"

            async def refused() -> bool:
                text = log.read_text(errors="replace")
                return (
                    f"No registered handler found for event: {BOOK_STATE}.run_book"
                    in text
                )

            await wait_until(refused, "the server to refuse the run_book event")
        finally:
            for client in tabs + forgers:
                await client.close()
    # Every runner has ended (the app stopped): none wrote a second outline.
    final = await store.snapshot(book_id)
    assert final is not None and outlines(final) == 1


async def expect_not_found(url: str, path: str) -> None:
    tab = ReflexClient(url)
    try:
        await tab.open(path)
        await tab.wait_for(lambda: tab.var(BOOK_STATE, "found") is False, 20)
        # Actions on a page that loaded no book do nothing and raise nothing;
        # they answer "not found", as for a book the viewer may not see.
        await tab.emit(f"{BOOK_STATE}.approve")
        await settled(tab, "still answering")
        assert tab.var(BOOK_STATE, "notice") == NOT_FOUND
    finally:
        await tab.close()


async def test_bad_ids_and_arguments_get_a_notice_not_a_crash(sqlite_db, store_for):
    store = store_for(sqlite_db)
    env = {
        "BOOKGEN_AUTH": SINGLE_AUTHOR,
        "DATABASE_URL": sqlite_db,
        "BOOKGEN_OFFLINE_WPS": "200",
    }
    with AppServer(env) as app:
        book_id = await create_book(app.url, chapters=1, words=300)
        for raw in ("1" * 30, "abc", "-1", "0", str(2**31)):
            await expect_not_found(app.url, f"/books/{raw}")

        tab = ReflexClient(app.url)
        try:
            await tab.open(routes.book_url(book_id))
            await tab.wait_for(
                lambda: tab.var(BOOK_STATE, "status") == "awaiting_approval", 60
            )
            await tab.emit(f"{BOOK_STATE}.set_feedback", {"value": {"a": 1}})
            await tab.wait_for(
                lambda: tab.var(BOOK_STATE, "notice") == "Feedback must be text.", 20
            )
            # Near 1 MB: Reflex drops the socket of a message over 1,000,000 bytes
            # before any handler runs.
            await tab.emit(f"{BOOK_STATE}.set_feedback", {"value": "x" * 990_000})
            await tab.wait_for(
                lambda: "limited to 4,000" in tab.var(BOOK_STATE, "notice", ""), 20
            )
            assert tab.var(BOOK_STATE, "feedback") == ""
            # The tab still works: good text is kept and clears the notice.
            await settled(tab, "darker, please")
            assert tab.var(BOOK_STATE, "notice") == ""
        finally:
            await tab.close()
    snap = await store.snapshot(book_id)
    assert snap is not None and snap.book.status == BookStatus.AWAITING_APPROVAL

"""Concurrent decisions through the real event path: exactly one wins."""

from __future__ import annotations

import asyncio

import pytest

from bookgen.storage.models import BookStatus, MessageKind
from tests.conftest import PG_URL, reset_postgres
from tests.support.devserver import AppServer
from tests.support.reflex_client import BOOK_STATE, ReflexClient
from tests.system.conftest import create_book, wait_snapshot

pytestmark = pytest.mark.system


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app_db(request, sqlite_db) -> str:
    if request.param == "postgres":
        reset_postgres()
        return PG_URL
    return sqlite_db


async def test_approve_and_reject_at_once_in_two_tabs(app_db, store_for):
    store = store_for(app_db)
    env = {"DATABASE_URL": app_db, "BOOKGEN_OFFLINE_WPS": "200"}
    with AppServer(env) as app:
        book_id = await create_book(app.url, chapters=1, words=300)
        tabs = [ReflexClient(app.url) for _ in range(3)]
        try:
            for tab in tabs:
                await tab.open(f"/books/{book_id}")
            for tab in tabs:
                await tab.wait_for(
                    lambda t=tab: t.var(BOOK_STATE, "status") == "awaiting_approval", 60
                )
            await tabs[1].emit(
                f"{BOOK_STATE}.set_feedback", {"value": "make it darker"}
            )
            await asyncio.sleep(0.3)
            await asyncio.gather(
                tabs[0].emit(f"{BOOK_STATE}.approve"),
                tabs[1].emit(f"{BOOK_STATE}.reject"),
                tabs[0].emit(f"{BOOK_STATE}.approve"),  # a double click
            )
            snap = await wait_snapshot(
                store,
                book_id,
                lambda s: s.book.status != BookStatus.AWAITING_APPROVAL,
                30,
            )
            await asyncio.sleep(1.0)
            decisions = [
                m
                for m in (await store.snapshot(book_id)).messages
                if m.kind in (MessageKind.APPROVAL, MessageKind.FEEDBACK)
            ]
            assert len(decisions) == 1
            notices = [t.var(BOOK_STATE, "notice") for t in tabs[:2]]
            assert "The outline was already decided." in notices
            assert snap.book.status in (BookStatus.WRITING, BookStatus.OUTLINING)
        finally:
            for tab in tabs:
                await tab.close()


async def test_double_continue_starts_one_generation(app_db, store_for):
    store = store_for(app_db)
    env = {"DATABASE_URL": app_db, "BOOKGEN_OFFLINE_WPS": "60"}
    with AppServer(env) as app:
        book_id = await create_book(app.url, chapters=1, words=300)
        tab = ReflexClient(app.url)
        try:
            await tab.open(f"/books/{book_id}")
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
    outlines = [m for m in snap.messages if m.kind == MessageKind.OUTLINE]
    assert len(outlines) == 1, "the outline was restarted instead of continued"
    assert outlines[0].content.count("## Chapter") == 1

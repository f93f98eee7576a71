"""Reactions in single-author mode (BOOKGEN_AUTH=off), through the real app.

With no accounts the one local author reacts as one user (LOCAL_AUTHOR): a
reaction from one tab shows as theirs in every other tab, and pressing it in
any tab takes it back.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import create_engine, text

from bookgen.generation.service import store_new_book
from bookgen.storage.db import migrate_to_head, sync_url
from bookgen.storage.models import BookStatus
from bookgen.storage.reaction_models import LOCAL_AUTHOR, REACTIONS, ReactionName
from tests.generation.helpers import form
from tests.support.devserver import AppServer
from tests.support.reflex_client import BOOK_STATE, ReflexClient
from tests.system.conftest import SINGLE_AUTHOR

pytestmark = [pytest.mark.system]

OFFLINE = "bookgen-offline"
UP = list(REACTIONS).index(ReactionName.UP)


def stored(db_url: str) -> list[tuple[Any, ...]]:
    engine = create_engine(sync_url(db_url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT message_id, user_id, name FROM reaction"))
            return [tuple(r) for r in rows.all()]
    finally:
        engine.dispose()


def up_shown(tab: ReflexClient, message_id: int) -> dict[str, Any] | None:
    for e in tab.var(BOOK_STATE, "thread") or []:
        if e["id"] == message_id:
            return e["reactions"][UP] if e["reactions"] else {}
    return None


async def test_the_local_author_reacts_as_one_user_in_every_tab(
    sqlite_db: str, store_for
) -> None:
    migrate_to_head(sqlite_db)
    store = store_for(sqlite_db)
    book = await store_new_book(store, form(chapters=1), default_model=OFFLINE)
    assert book.id is not None
    await store.transition(
        book.id, from_statuses=[BookStatus.OUTLINING], to_status=BookStatus.STOPPED
    )
    overview = await store.overview(book.id)
    assert overview is not None
    request = overview.messages[0].id
    path = f"/books/{book.id}"
    env = {"BOOKGEN_AUTH": SINGLE_AUTHOR, "DATABASE_URL": sqlite_db}
    with AppServer(env) as app:
        one, two = ReflexClient(app.url), ReflexClient(app.url)
        try:
            for tab in (one, two):
                await tab.open(path)
                await tab.wait_for(lambda t=tab: up_shown(t, request) == {}, 20)
            await one.emit(
                f"{BOOK_STATE}.react", {"message_id": request, "name": "up"}, path
            )
            mine = {"total": 1, "mine": True}
            await two.wait_for(lambda: up_shown(two, request) == mine, 20)
            assert stored(sqlite_db) == [(request, LOCAL_AUTHOR, "up")]
            await two.emit(
                f"{BOOK_STATE}.react", {"message_id": request, "name": "up"}, path
            )
            await one.wait_for(lambda: up_shown(one, request) == {}, 20)
            assert stored(sqlite_db) == []
        finally:
            await one.close()
            await two.close()

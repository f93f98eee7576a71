"""Two worker processes, Redis and PostgreSQL: a viewer on one worker sees who
edits on the other, and the saved text's new version, live."""

from __future__ import annotations

import pytest

from bookgen.state.editing import EditState
from bookgen.storage.models import BookStatus, MessageKind
from tests.conftest import PG_URL, reset_postgres
from tests.support.devserver import AppServer
from tests.support.reflex_client import BOOK_STATE
from tests.system.conftest import REDIS_URL, SINGLE_AUTHOR, create_book, wait_snapshot
from tests.system.test_multiworker import viewers_on_two_workers

pytestmark = [pytest.mark.system, pytest.mark.postgres]
EDIT_STATE = EditState.get_full_name()
EDITED = "Edited on one worker, seen on the other."


async def test_presence_and_saves_cross_workers(store_for):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    reset_postgres()
    env = {
        "BOOKGEN_AUTH": SINGLE_AUTHOR,
        "DATABASE_URL": PG_URL,
        "REDIS_URL": REDIS_URL,
        "GUNICORN_CMD_ARGS": "--workers 2",
        "BOOKGEN_OFFLINE_WPS": "400",
    }
    store = store_for(PG_URL)
    with AppServer(env) as app:
        book_id = await create_book(app.url, chapters=1, words=200)
        a, b = await viewers_on_two_workers(app.url, f"/books/{book_id}")
        try:
            assert a.var(BOOK_STATE, "served_by") != b.var(BOOK_STATE, "served_by")
            await a.wait_for(
                lambda: a.var(BOOK_STATE, "status") == "awaiting_approval", 60
            )
            await a.emit(f"{BOOK_STATE}.approve")
            done = await wait_snapshot(
                store, book_id, lambda s: s.book.status == BookStatus.COMPLETE, 90
            )
            chapter = next(m for m in done.messages if m.kind == MessageKind.CHAPTER)

            await a.emit(f"{EDIT_STATE}.open_editor", {"target": 1})
            await b.wait_for(
                lambda: (
                    [e["note"] for e in b.var(BOOK_STATE, "editors") or []]
                    == ["The author is editing chapter 1"]
                ),
                20,
            )
            await a.emit(f"{EDIT_STATE}.save_edit", {"form_data": {"text": EDITED}})
            await b.wait_for(
                lambda: (
                    b.var(BOOK_STATE, "editors") == []
                    and [c["version"] for c in b.var(BOOK_STATE, "chapters")] == [1]
                ),
                20,
            )
        finally:
            await a.close()
            await b.close()
    assert await store.message_text(chapter.id) == EDITED

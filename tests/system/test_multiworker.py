"""Two worker processes, Redis and PostgreSQL: a viewer on one worker sees,
live, the generation running on the other."""

from __future__ import annotations

import asyncio

import pytest

from bookgen.state.live import LiveChunk, parse_live
from bookgen.state.reflex_bridge import delta_key
from bookgen.storage.models import BookStatus, MessageKind
from tests.conftest import PG_URL, reset_postgres
from tests.support.devserver import AppServer
from tests.support.reflex_client import BOOK_STATE, ReflexClient
from tests.system.conftest import REDIS_URL, SINGLE_AUTHOR, create_book, wait_snapshot

pytestmark = [pytest.mark.system, pytest.mark.postgres]
LIVE = delta_key("live")


async def viewers_on_two_workers(
    url: str, path: str
) -> tuple[ReflexClient, ReflexClient]:
    """Open viewers until two are served by different worker processes.

    Four connect at once: one after another, a worker that is quick to accept
    can take every connection, while the kernel hands simultaneous ones out.
    """
    opened: list[ReflexClient] = []
    try:
        for _ in range(10):
            batch = [ReflexClient(url) for _ in range(4)]
            opened.extend(batch)
            await asyncio.gather(*(c.open(path) for c in batch))
            for client in batch:
                await client.wait_for(
                    lambda c=client: c.var(BOOK_STATE, "served_by"), 20
                )
            workers = {c.var(BOOK_STATE, "served_by"): c for c in opened}
            if len(workers) == 2:
                a, b = workers.values()
                for c in opened:
                    if c not in (a, b):
                        await c.close()
                return a, b
    except BaseException:
        for c in opened:
            await c.close()
        raise
    for c in opened:
        await c.close()
    pytest.fail("every connection landed on the same worker")


async def test_a_viewer_on_another_worker_sees_the_stream_live(store_for):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    reset_postgres()
    env = {
        "BOOKGEN_AUTH": SINGLE_AUTHOR,
        "DATABASE_URL": PG_URL,
        "REDIS_URL": REDIS_URL,
        "GUNICORN_CMD_ARGS": "--workers 2",
        "BOOKGEN_OFFLINE_WPS": "80",
    }
    store = store_for(PG_URL)
    with AppServer(env) as app:
        book_id = await create_book(app.url, chapters=1, words=600)
        a, b = await viewers_on_two_workers(app.url, f"/books/{book_id}")
        try:
            await a.wait_for(
                lambda: a.var(BOOK_STATE, "status") == "awaiting_approval", 60
            )
            await a.emit(f"{BOOK_STATE}.approve")
            snap = await wait_snapshot(
                store,
                book_id,
                lambda s: any(m.kind == MessageKind.CHAPTER for m in s.messages),
                30,
            )
            runner = snap.book.lease_owner
            # Whichever worker runs the chapter, one of the two viewers is elsewhere.
            other = b if a.var(BOOK_STATE, "served_by") == runner else a
            assert other.var(BOOK_STATE, "served_by") != runner
            live: list[LiveChunk] = []

            def record(delta: dict, _at: float) -> None:
                if LIVE in delta.get(BOOK_STATE, {}):
                    live.append(parse_live(delta[BOOK_STATE][LIVE]))

            other.on_delta = record
            done = await wait_snapshot(
                store, book_id, lambda s: s.book.status == BookStatus.COMPLETE, 90
            )
            ch = next(m for m in done.messages if m.kind == MessageKind.CHAPTER)
            text, key = ch.content, f"m{ch.id}"
            # The chapter's last words were published before it completed.
            await other.wait_for(
                lambda: any(
                    p.key == key and p.offset + len(p.text) == len(text) for p in live
                ),
                20,
            )
        finally:
            await a.close()
            await b.close()
    pushes = [p for p in live if p.key == key and p.text]
    assert len(pushes) > 10, "the other worker's viewer saw no live stream"
    for p in pushes:
        assert text[p.offset : p.offset + len(p.text)] == p.text

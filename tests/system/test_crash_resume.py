"""Kill the real app mid-chapter, start it again: the chapter resumes, no seam.

The offline model is deterministic, so the finished chapter must equal the
chapter an uninterrupted run writes, word for word.
"""

from __future__ import annotations

import signal

import pytest

from bookgen.storage.models import BookStatus, Message, MessageKind, MessageStatus
from bookgen.storage.store import BookSnapshot
from tests.generation.helpers import form, make_service
from tests.support.devserver import AppServer
from tests.support.reflex_client import BOOK_STATE, ReflexClient
from tests.system.conftest import SINGLE_AUTHOR, create_book, wait_snapshot

pytestmark = pytest.mark.system


def chapter(snap: BookSnapshot | None) -> Message | None:
    if snap is None:
        return None
    return next((m for m in snap.messages if m.kind == MessageKind.CHAPTER), None)


def chapter_of(snap: BookSnapshot | None) -> Message:
    found = chapter(snap)
    assert found is not None, "the book has no chapter yet"
    return found


def words_in_chapter(snap: BookSnapshot) -> int:
    found = chapter(snap)
    return len(found.content.split()) if found is not None else 0


async def reference_chapter(store_for, tmp_path, words: int) -> str:
    """The same chapter, written in-process without interruption."""
    from bookgen.storage.db import migrate_to_head

    url = f"sqlite:///{tmp_path / 'ref.db'}"
    migrate_to_head(url)
    store = store_for(url)
    service = make_service(store)
    book = await service.create_book(
        form(
            chapters=1,
            words=words,
            title="The Night Ferry",
            premise="A ferry pilot carries one last passenger across a frozen strait.",
            genre="",
            tone="",
        )
    )
    assert book.id is not None
    await service.run(book.id)
    await service.approve(book.id)
    await service.run(book.id)
    return chapter_of(await store.snapshot(book.id)).content


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill", "term"])
async def test_generation_resumes_after_the_server_dies(
    sig, sqlite_db, store_for, tmp_path
):
    words = 900
    env = {
        "BOOKGEN_AUTH": SINGLE_AUTHOR,
        "DATABASE_URL": sqlite_db,
        "BOOKGEN_OFFLINE_WPS": "60",
        "BOOKGEN_LEASE_S": "3",
    }
    store = store_for(sqlite_db)
    app = AppServer(env).start()
    try:
        book_id = await create_book(app.url, chapters=1, words=words)
        viewer = ReflexClient(app.url)
        await viewer.open(f"/books/{book_id}")
        await viewer.wait_for(
            lambda: viewer.var(BOOK_STATE, "status") == "awaiting_approval", 60
        )
        await viewer.emit(f"{BOOK_STATE}.approve")
        snap = await wait_snapshot(
            store,
            book_id,
            lambda s: words_in_chapter(s) > 150,
            60,
        )
        app.kill(sig)  # returns once every process of the app is gone
        await viewer.close()
        at_death = chapter_of(await store.snapshot(book_id))
        assert len(at_death.content.split()) > 150
        assert at_death.content.startswith(chapter_of(snap).content)
        if sig == signal.SIGTERM:
            # A drained shutdown marks the message and frees the lease at once.
            book = await store.get_book(book_id)
            assert book is not None
            assert at_death.status == MessageStatus.INTERRUPTED
            assert book.lease_owner is None

        app = AppServer(env, port=app.port).start()
        done = await wait_snapshot(
            store, book_id, lambda s: s.book.status == BookStatus.COMPLETE, 120
        )
    finally:
        app.stop()
    final = chapter_of(done)
    assert final.id == at_death.id, "the chapter was restarted, not resumed"
    assert final.content.startswith(at_death.content)
    assert final.content == await reference_chapter(store_for, tmp_path, words)
    assert await store.chunk_count() == 0

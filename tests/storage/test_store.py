"""Storage on real SQLite and PostgreSQL: chunk log, folding, leases, races."""

import asyncio

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import create_async_engine

from bookgen.storage.db import async_url
from bookgen.storage.models import (
    Book,
    BookStatus,
    MessageKind,
    MessageStatus,
    Role,
)
from bookgen.storage.store import BookSnapshot, NewMessage, Store

STREAMING_OUTLINE = NewMessage(
    role=Role.ASSISTANT, kind=MessageKind.OUTLINE, status=MessageStatus.STREAMING
)


async def new_book(store: Store, **kw) -> Book:
    book = Book(title="T", premise="P", chapter_count=2, **kw)
    first = NewMessage(role=Role.USER, kind=MessageKind.REQUEST)
    return await store.create_book(book, first)


async def new_book_id(store: Store, **kw) -> int:
    book = await new_book(store, **kw)
    assert book.id is not None
    return book.id


async def streaming_outline(store: Store, book_id: int) -> int:
    message = await store.add_message(book_id, STREAMING_OUTLINE)
    assert message is not None and message.id is not None
    return message.id


async def snapshot(store: Store, book_id: int) -> BookSnapshot:
    snap = await store.snapshot(book_id)
    assert snap is not None
    return snap


async def test_chunks_are_folded_into_the_message_and_deleted(store: Store):
    book_id = await new_book_id(store)
    assert await store.claim_lease(book_id, "me", 30)
    msg_id = await streaming_outline(store, book_id)
    for piece in ["Once", " upon", " a time"]:
        assert await store.append_chunk(
            msg_id, piece, book_id=book_id, owner="me", lease_s=30
        )
    # Rebuilt from the chunk log while streaming.
    assert (await snapshot(store, book_id)).text_of(msg_id) == "Once upon a time"
    assert await store.chunk_count(msg_id) == 3
    text = await store.finish_message(msg_id, status="complete", completion_tokens=4)
    assert text == "Once upon a time"
    assert await store.chunk_count() == 0
    assert (await snapshot(store, book_id)).text_of(msg_id) == "Once upon a time"


async def test_a_message_joins_its_books_thread(store: Store):
    book_id = await new_book_id(store)
    added = await store.add_message(book_id, STREAMING_OUTLINE)
    assert added is not None
    request, outline = (await snapshot(store, book_id)).messages
    assert outline.id == added.id
    assert outline.thread_id == request.thread_id
    assert (outline.kind, outline.status) == (MessageKind.OUTLINE, "streaming")
    assert await store.add_message(book_id + 1000, STREAMING_OUTLINE) is None


async def test_a_lease_has_one_owner_until_it_expires(store: Store):
    book_id = await new_book_id(store)
    assert await store.claim_lease(book_id, "a", 30)
    assert not await store.claim_lease(book_id, "b", 30)
    assert await store.release_lease(book_id, "a")
    assert await store.claim_lease(book_id, "b", 0.01)
    await asyncio.sleep(0.05)  # the 10 ms lease runs out: nothing to wait for
    assert book_id in await store.orphaned_books()
    assert await store.claim_lease(book_id, "a", 30)


async def test_a_held_lease_is_not_granted_again_even_to_its_owner(store: Store):
    """A second runner with the same owner must not get the book too."""
    book_id = await new_book_id(store)
    claims = await asyncio.gather(
        *[store.claim_lease(book_id, "me", 30) for _ in range(5)]
    )
    assert claims.count(True) == 1
    assert not await store.claim_lease(book_id, "me", 30)
    assert await store.release_lease(book_id, "me")
    assert await store.claim_lease(book_id, "me", 30)


async def test_heartbeat_fails_once_the_book_is_stopped(store: Store):
    book_id = await new_book_id(store)
    await store.claim_lease(book_id, "me", 30)
    msg_id = await streaming_outline(store, book_id)
    assert await store.transition(
        book_id, from_statuses=[BookStatus.OUTLINING], to_status=BookStatus.STOPPED
    )
    assert not await store.append_chunk(
        msg_id, " kept", book_id=book_id, owner="me", lease_s=30
    )
    assert (await snapshot(store, book_id)).text_of(msg_id) == " kept"


async def test_concurrent_transitions_let_exactly_one_win(store: Store):
    book = await new_book(store, status=BookStatus.AWAITING_APPROVAL)
    assert book.id is not None
    approval = NewMessage(role=Role.USER, kind=MessageKind.APPROVAL, content="ok")
    results = await asyncio.gather(
        *[
            store.transition(
                book.id,
                from_statuses=[BookStatus.AWAITING_APPROVAL],
                to_status=BookStatus.WRITING,
                version=book.version,
                message=approval,
            )
            for _ in range(8)
        ]
    )
    assert results.count(True) == 1
    snap = await snapshot(store, book.id)
    assert snap.book.version == book.version + 1
    assert [m.kind for m in snap.messages] == [MessageKind.REQUEST, "approval"]


async def test_a_transition_from_elsewhere_changes_nothing(store: Store):
    book_id = await new_book_id(store)
    feedback = NewMessage(role=Role.USER, kind=MessageKind.FEEDBACK, content="x")
    assert not await store.transition(
        book_id,
        from_statuses=[BookStatus.AWAITING_APPROVAL],
        to_status=BookStatus.OUTLINING,
        message=feedback,
    )
    snap = await snapshot(store, book_id)
    assert snap.book.status == BookStatus.OUTLINING and snap.book.version == 0
    assert [m.kind for m in snap.messages] == [MessageKind.REQUEST]


async def test_books_are_listed_newest_first(store: Store):
    a = await new_book(store)
    b = await new_book(store)
    assert [x.id for x in await store.list_books()][:2] == [b.id, a.id]


async def test_concurrent_flushes_share_transactions(store: Store):
    books = [await new_book_id(store) for _ in range(10)]
    msgs = []
    for book_id in books:
        assert await store.claim_lease(book_id, "me", 30)
        msgs.append(await streaming_outline(store, book_id))
    await store.transition(
        books[0], from_statuses=[BookStatus.OUTLINING], to_status=BookStatus.STOPPED
    )
    before = store.chunk_log.transactions
    results = await asyncio.gather(
        *[
            store.append_chunk(m, f"text {i}", book_id=b, owner="me", lease_s=30)
            for i, (b, m) in enumerate(zip(books, msgs, strict=True))
        ]
    )
    assert results == [False] + [True] * 9  # the stopped book lost its lease
    assert store.chunk_log.transactions - before < 10
    for i, (b, m) in enumerate(zip(books, msgs, strict=True)):
        assert (await snapshot(store, b)).text_of(m) == f"text {i}"


async def test_chunk_log_alone_skips_the_wal_wait(db_url: str):
    """On PostgreSQL the chunk-log batch commits without waiting for the WAL
    flush (its latency paces every stream); no other transaction does, even on
    the very same pooled connection."""
    engine = create_async_engine(async_url(db_url), pool_size=1, max_overflow=0)
    store = Store(engine)
    postgres = engine.dialect.name == "postgresql"
    seen: list[tuple[str, str]] = []

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def setting_in_force(conn, _cursor, statement: str, *_args) -> None:
        words = statement.split()
        if postgres and words[0] in ("INSERT", "UPDATE"):
            value = conn.exec_driver_sql("SHOW synchronous_commit").scalar()
            seen.append((" ".join(words[:3]), value))

    try:
        book_id = await new_book_id(store)
        assert await store.claim_lease(book_id, "me", 30)
        message_id = await streaming_outline(store, book_id)
        seen.clear()
        assert await store.append_chunk(
            message_id, "logged", book_id=book_id, owner="me", lease_s=30
        )
        chunk_writes = list(seen)
        seen.clear()
        await store.add_message(
            book_id,
            NewMessage(role=Role.USER, kind=MessageKind.APPROVAL, content="ok"),
        )
        later_writes = list(seen)
        assert (await snapshot(store, book_id)).text_of(message_id) == "logged"
    finally:
        await engine.dispose()
    if postgres:
        assert chunk_writes == [
            ("INSERT INTO chunk", "off"),
            ("UPDATE book SET", "off"),
        ]
        assert later_writes and {value for _, value in later_writes} == {"on"}


@pytest.mark.parametrize("bad_id", [10**30, 2**63, 2**31, -1, -(10**30), 0])
async def test_ids_that_cannot_exist_are_not_found(store: Store, bad_id: int):
    """Ids from a URL or a socket may be anything: never an exception."""
    book_id = await new_book_id(store)
    msg_id = await streaming_outline(store, book_id)
    assert await store.get_book(bad_id) is None
    assert await store.snapshot(bad_id) is None
    assert await store.overview(bad_id) is None
    assert await store.message_text(bad_id) is None
    assert await store.message_text(msg_id, bad_id) in ("", None)
    statuses = [BookStatus.OUTLINING]
    assert not await store.transition(
        bad_id, from_statuses=statuses, to_status=BookStatus.STOPPED
    )
    bad_version = bad_id or -1  # 0 is a real version
    assert not await store.transition(
        book_id,
        from_statuses=statuses,
        to_status=BookStatus.STOPPED,
        version=bad_version,
    )
    assert not await store.set_chapters_done(bad_id, 1)
    assert not await store.claim_lease(bad_id, "me", 30)
    assert not await store.release_lease(bad_id, "me")
    assert await store.add_message(bad_id, STREAMING_OUTLINE) is None
    assert await store.reopen_message(bad_id) is None
    assert await store.finish_message(bad_id, status="complete") is None
    assert await store.chunk_count(bad_id) == 0
    assert not await store.append_chunk(
        bad_id, "x", book_id=book_id, owner="me", lease_s=30
    )
    assert not await store.append_chunk(
        msg_id, "x", book_id=bad_id, owner="me", lease_s=30
    )
    # Nothing happened to the real book.
    snap = await snapshot(store, book_id)
    assert snap.book.status == BookStatus.OUTLINING
    assert [m.status for m in snap.messages] == ["complete", "streaming"]

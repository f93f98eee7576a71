"""Storage on real SQLite and PostgreSQL: chunk log, folding, leases, races."""

import asyncio

from bookgen.storage.models import Book, BookStatus, Message, MessageKind, Role


async def new_book(store, **kw) -> Book:
    book = Book(title="T", premise="P", chapter_count=2, **kw)
    first = Message(book_id=0, thread_id=0, role=Role.USER, kind=MessageKind.REQUEST)
    return await store.create_book(book, first)


async def test_chunks_are_folded_into_the_message_and_deleted(store):
    book = await new_book(store)
    assert await store.claim_lease(book.id, "me", 30)
    msg = await store.add_message(
        Message(
            book_id=book.id,
            thread_id=0,
            role=Role.ASSISTANT,
            kind="outline",
            status="streaming",
        )
    )
    for piece in ["Once", " upon", " a time"]:
        assert await store.append_chunk(
            msg.id, piece, book_id=book.id, owner="me", lease_s=30
        )
    snap = await store.snapshot(book.id)
    assert snap.text_of(msg.id) == "Once upon a time"  # rebuilt from the chunk log
    assert await store.chunk_count(msg.id) == 3
    text = await store.finish_message(msg.id, status="complete", completion_tokens=4)
    assert text == "Once upon a time"
    assert await store.chunk_count() == 0
    snap = await store.snapshot(book.id)
    assert snap.text_of(msg.id) == "Once upon a time"


async def test_a_lease_has_one_owner_until_it_expires(store):
    book = await new_book(store)
    assert await store.claim_lease(book.id, "a", 30)
    assert not await store.claim_lease(book.id, "b", 30)
    await store.release_lease(book.id, "a")
    assert await store.claim_lease(book.id, "b", 0.01)
    await asyncio.sleep(0.05)
    assert book.id in await store.orphaned_books([BookStatus.OUTLINING])
    assert await store.claim_lease(book.id, "a", 30)


async def test_heartbeat_fails_once_the_book_is_stopped(store):
    book = await new_book(store)
    await store.claim_lease(book.id, "me", 30)
    msg = await store.add_message(
        Message(
            book_id=book.id,
            thread_id=0,
            role=Role.ASSISTANT,
            kind="outline",
            status="streaming",
        )
    )
    assert await store.transition(
        book.id, from_statuses=[BookStatus.OUTLINING], to_status=BookStatus.STOPPED
    )
    assert not await store.append_chunk(
        msg.id, " kept", book_id=book.id, owner="me", lease_s=30
    )
    assert (await store.snapshot(book.id)).text_of(msg.id) == " kept"


async def test_concurrent_transitions_let_exactly_one_win(store):
    book = await new_book(store, status=BookStatus.AWAITING_APPROVAL)
    results = await asyncio.gather(
        *[
            store.transition(
                book.id,
                from_statuses=[BookStatus.AWAITING_APPROVAL],
                to_status=BookStatus.WRITING,
                version=book.version,
            )
            for _ in range(8)
        ]
    )
    assert results.count(True) == 1
    assert (await store.get_book(book.id)).version == book.version + 1


async def test_books_are_listed_newest_first(store):
    a = await new_book(store)
    b = await new_book(store)
    assert [x.id for x in await store.list_books()][:2] == [b.id, a.id]


async def test_concurrent_flushes_share_transactions(store):
    books = [await new_book(store) for _ in range(10)]
    msgs = []
    for b in books:
        assert await store.claim_lease(b.id, "me", 30)
        msgs.append(
            await store.add_message(
                Message(
                    book_id=b.id,
                    thread_id=0,
                    role=Role.ASSISTANT,
                    kind="outline",
                    status="streaming",
                )
            )
        )
    await store.transition(
        books[0].id, from_statuses=[BookStatus.OUTLINING], to_status=BookStatus.STOPPED
    )
    before = store.chunk_log.transactions
    results = await asyncio.gather(
        *[
            store.append_chunk(m.id, f"text {i}", book_id=b.id, owner="me", lease_s=30)
            for i, (b, m) in enumerate(zip(books, msgs, strict=True))
        ]
    )
    assert results == [False] + [True] * 9  # the stopped book lost its lease
    assert store.chunk_log.transactions - before < 10
    for i, m in enumerate(msgs):
        assert (await store.snapshot(m.book_id)).text_of(m.id) == f"text {i}"

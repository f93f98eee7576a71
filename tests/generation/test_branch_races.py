"""Branches under concurrency and interruption, through the real service and
storage, offline model: a branch left while streaming stops and resumes later,
racing forks and switches each land once, concurrent adds hang one under
another, and a branch cut by a shutdown resumes on the next start.
"""

from __future__ import annotations

import asyncio

from bookgen.generation.branch_actions import CHANGED
from bookgen.generation.redraft import chapter_message
from bookgen.storage.models import (
    BookStatus,
    MessageKind,
    MessageStatus,
)
from bookgen.storage.store import Store
from tests.generation.helpers import book_of, make_service, wait_until
from tests.generation.test_branching import WISH, thread_count
from tests.generation.test_redraft import finished_book


async def test_a_branch_left_while_streaming_stops_and_resumes_later(store: Store):
    service = make_service(store)
    book_id = await finished_book(service, chapters=2)
    first = await book_of(store, book_id)
    chapter_1 = chapter_message(first.messages, 1)
    assert chapter_1 is not None and chapter_1.id is not None
    assert (await service.branch(book_id, chapter_1.id, WISH)).ok
    [one, two] = await store.branches(book_id)
    # A slow runner, as if in another worker, so the switch lands mid-chapter
    # and reaches it only through its lost lease.
    slow = make_service(store, offline_words_per_second=60.0)
    runner = asyncio.create_task(slow.run(book_id))

    async def streaming() -> bool:
        snap = await book_of(store, book_id)
        last = snap.messages[-1]
        return last.status == MessageStatus.STREAMING and len(last.content) > 40

    await wait_until(streaming, timeout=30)
    assert (await service.switch_branch(book_id, one.id)).ok
    assert not service.is_running(book_id)
    assert await asyncio.wait_for(runner, 30) is True
    shown = await book_of(store, book_id)
    assert shown.book.status == BookStatus.COMPLETE
    assert [m.id for m in shown.messages] == [m.id for m in first.messages]

    assert (await service.switch_branch(book_id, two.id)).ok
    left = await book_of(store, book_id)
    assert left.book.status == BookStatus.STOPPED
    stopped = left.messages[-1]
    assert (stopped.kind, stopped.status) == (
        MessageKind.CHAPTER,
        MessageStatus.STOPPED,
    )
    assert (await service.resume(book_id)).ok
    await service.run(book_id)
    done = await book_of(store, book_id)
    assert done.book.status == BookStatus.COMPLETE
    resumed = next(m for m in done.messages if m.id == stopped.id)
    assert resumed.status == MessageStatus.COMPLETE
    assert resumed.content.startswith(stopped.content)
    assert [(b.number, b.current) for b in await store.branches(book_id)] == [
        (1, False),
        (2, True),
    ]


async def test_racing_forks_and_switches_each_land_once(store: Store):
    service = make_service(store)
    book_id = await finished_book(service, chapters=2)
    snap = await book_of(store, book_id)
    chapter_2 = chapter_message(snap.messages, 2)
    assert chapter_2 is not None and chapter_2.id is not None
    version = snap.book.version
    results = await asyncio.gather(
        *(service.branch(book_id, chapter_2.id, f"wish {i}", version) for i in range(6))
    )
    assert sum(r.ok for r in results) == 1
    assert all(r.reason == CHANGED for r in results if not r.ok)
    assert await thread_count(store, book_id) == 2
    await service.run(book_id)

    [one, two] = await store.branches(book_id)
    version = (await book_of(store, book_id)).book.version
    switches = await asyncio.gather(
        *(service.switch_branch(book_id, one.id, version) for _ in range(6))
    )
    assert sum(r.ok for r in switches) == 1
    shown = await store.branches(book_id)
    assert [b.current for b in shown] == [True, False]
    assert two.id == shown[1].id


async def test_concurrent_messages_hang_one_under_another(store: Store):
    """Adds racing on one branch queue on the book's row: the branch stays a
    chain, with no message left off its path."""
    from bookgen.storage.models import Role
    from bookgen.storage.store import NewMessage

    service = make_service(store)
    book_id = await finished_book(service, chapters=1)
    before = len((await book_of(store, book_id)).messages)
    notes = [
        NewMessage(role=Role.USER, kind=MessageKind.FEEDBACK, content=f"n{i}")
        for i in range(12)
    ]
    added = await asyncio.gather(*(store.add_message(book_id, n) for n in notes))
    assert all(m is not None for m in added)
    snap = await book_of(store, book_id)
    assert len(snap.messages) == before + 12
    for parent, child in zip(snap.messages, snap.messages[1:], strict=False):
        assert child.parent_id == parent.id


async def test_a_branch_cut_by_a_shutdown_resumes_on_the_next_start(store: Store):
    """The runner of a new version is cancelled mid-chapter (as on SIGTERM):
    the chapter is kept as interrupted, the lease freed and the book stays
    writing on that version; the next start's recovery finishes the same
    message. Default (long) leases: the restart finds the book only because
    the shutdown released it, never because a short lease ran out."""
    service = make_service(store)
    book_id = await finished_book(service, chapters=1)
    first = await book_of(store, book_id)
    assert (await service.regenerate_from(book_id, 1, WISH)).ok
    slow = make_service(store, offline_words_per_second=60.0)
    restarted = make_service(store)
    try:
        slow.start(book_id)

        async def streaming() -> bool:
            last = (await book_of(store, book_id)).messages[-1]
            return last.status == MessageStatus.STREAMING and len(last.content) > 40

        await wait_until(streaming, timeout=30)
        await slow.stop_runners()
        cut_book = await book_of(store, book_id)
        cut = cut_book.messages[-1]
        assert (cut.kind, cut.status) == (
            MessageKind.CHAPTER,
            MessageStatus.INTERRUPTED,
        )
        assert cut_book.book.status == BookStatus.WRITING
        assert cut_book.book.lease_owner is None

        assert await restarted.resume_orphans() == [book_id]
        # Done when the runner has left (its lease freed), not merely when the
        # status reads complete: nothing of it still runs into what follows.
        await wait_until(lambda: _complete_and_free(store, book_id), timeout=60)
    finally:
        await slow.stop_runners()
        await restarted.stop_runners()
    done = await book_of(store, book_id)
    resumed = next(m for m in done.messages if m.id == cut.id)
    assert resumed.status == MessageStatus.COMPLETE
    assert resumed.content.startswith(cut.content)
    assert len(resumed.content) > len(cut.content)
    [one, two] = await store.branches(book_id)
    assert (one.current, two.current) == (False, True)
    assert (await service.switch_branch(book_id, one.id)).ok
    back = await book_of(store, book_id)
    assert [(m.id, m.content) for m in back.messages] == [
        (m.id, m.content) for m in first.messages
    ]


async def _complete_and_free(store: Store, book_id: int) -> bool:
    book = (await book_of(store, book_id)).book
    return book.status == BookStatus.COMPLETE and book.lease_owner is None

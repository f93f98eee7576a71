"""Per-book counters (rejections, Continue/Retry) and the per-worker runner cap."""

from __future__ import annotations

import asyncio

from bookgen.generation.limits import WORKER_BUSY, continues_spent, rejections_spent
from bookgen.generation.service import GenerationService
from bookgen.storage.models import BookStatus, MessageKind
from bookgen.storage.store import Store
from tests.generation.helpers import book_of, make_service, wait_until
from tests.limits.helpers import counters, create


async def test_rejections_are_bounded_per_book(store: Store):
    service = make_service(store, max_rejections_per_book=2)
    book_id = await create(service)
    await service.run(book_id)
    for n in (1, 2):
        assert (await service.reject(book_id, f"Revision {n}")).ok
        await service.run(book_id)
        assert await counters(store, book_id) == (n, 0)
    before = await book_of(store, book_id)

    result = await service.reject(book_id, "One more time")

    assert not result.ok and result.reason == rejections_spent(2)
    after = await book_of(store, book_id)
    assert after.book.status == BookStatus.AWAITING_APPROVAL
    assert len(after.messages) == len(before.messages)  # the feedback did not land
    assert await counters(store, book_id) == (2, 0)
    assert (await service.approve(book_id)).ok  # approving is still possible


async def test_continues_are_bounded_per_book(store: Store):
    service = make_service(store, max_continues_per_book=1)
    book_id = await create(service)
    assert (await service.stop(book_id)).ok
    assert (await service.resume(book_id)).ok
    assert await counters(store, book_id) == (0, 1)
    assert (await service.stop(book_id)).ok

    result = await service.resume(book_id)

    assert not result.ok and result.reason == continues_spent(1)
    assert (await book_of(store, book_id)).book.status == BookStatus.STOPPED
    assert await counters(store, book_id) == (0, 1)


async def test_a_lost_race_is_not_counted(store: Store):
    """A double-click on Continue starts once and counts once."""
    service = make_service(store)
    book_id = await create(service)
    assert (await service.stop(book_id)).ok

    first, second = await asyncio.gather(
        service.resume(book_id), service.resume(book_id)
    )

    assert first.ok != second.ok
    assert await counters(store, book_id) == (0, 1)


async def test_a_full_worker_queues_a_book_and_the_recovery_loop_starts_it_later(
    store: Store,
):
    # Slow enough that the first book is still outlining while we look.
    service = make_service(
        store, worker_concurrent_generations=1, offline_words_per_second=200
    )
    first, second = await create(service), await create(service)
    running = asyncio.create_task(service.run(first))
    await wait_until(lambda: asyncio.sleep(0, service.is_running(first)))

    assert not await service.run(second)  # refused at once, no lease taken
    assert not service.is_running(second)
    assert await service.resume_orphans() == []  # no free slot: starts nothing
    assert (await book_of(store, second)).book.status == BookStatus.OUTLINING

    assert (await service.stop(first)).ok
    await running
    assert await service.resume_orphans() == [second]
    await wait_until(
        lambda: _status_is(store, second, BookStatus.AWAITING_APPROVAL), 30
    )


async def test_an_action_on_a_full_worker_says_the_book_is_queued(store: Store):
    service = make_service(
        store, worker_concurrent_generations=1, offline_words_per_second=200
    )
    busy, waiting = await create(service), await create(service)
    await service.run(waiting)  # its outline, while the worker was free
    running = asyncio.create_task(service.run(busy))
    await wait_until(lambda: asyncio.sleep(0, service.is_running(busy)))

    result = await service.approve(waiting)

    assert result.ok and result.reason == WORKER_BUSY
    assert (await service.stop(busy)).ok
    await running


async def test_resume_orphans_starts_no_more_than_the_free_slots(store: Store):
    service = make_service(
        store,
        worker_concurrent_generations=2,
        user_concurrent_generations=3,
        offline_words_per_second=200,
    )
    books = [await create(service) for _ in range(3)]

    started = await service.resume_orphans()

    assert len(started) == 2 and set(started) < set(books)
    await wait_until(lambda: asyncio.sleep(0, _running(service, books) == 2))
    for book_id in books:
        await service.stop(book_id)
    await wait_until(lambda: asyncio.sleep(0, _running(service, books) == 0))
    (left,) = set(books) - set(started)
    snap = await book_of(store, left)
    assert [m.kind for m in snap.messages] == [MessageKind.REQUEST]  # never started


async def test_a_sweep_takes_at_most_its_batch_and_the_next_takes_the_rest(
    store: Store,
):
    """Several workers share a burst of orphans: each sweep takes a batch."""
    service = make_service(store, user_concurrent_generations=5)
    books = [await create(service) for _ in range(5)]

    first = await service.resume_orphans(batch=2)
    await wait_until(lambda: asyncio.sleep(0, _running(service, first) == 2))
    second = await service.resume_orphans(batch=10)

    assert len(first) == 2
    assert sorted(first + second) == sorted(books)
    for book_id in books:
        await service.stop(book_id)
    await wait_until(lambda: asyncio.sleep(0, _running(service, books) == 0))


def _running(service: GenerationService, books: list[int]) -> int:
    return sum(service.is_running(b) for b in books)


async def _status_is(store: Store, book_id: int, status: BookStatus) -> bool:
    return (await book_of(store, book_id)).book.status == status

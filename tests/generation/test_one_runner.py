"""Exactly one runner per book, however many calls race for it.

Each race here wrote several outlines before: concurrent ``run()`` calls all
passed the in-process check before their first await, and the lease was granted
again to the same owner.
"""

from __future__ import annotations

import asyncio

import pytest

from bookgen.generation.service import GenerationService
from bookgen.storage.models import BookStatus, MessageKind, MessageStatus
from bookgen.storage.store import Store
from tests.generation.helpers import book_of, make_service, new_book_id, wait_until
from tests.support.held_call import held

# Slow enough that every racing call arrives while the first runner writes.
WORDS_PER_SECOND = 300


async def outlines(store: Store, book_id: int) -> list[str]:
    snap = await book_of(store, book_id)
    return [m.status for m in snap.messages if m.kind == MessageKind.OUTLINE]


async def idle(*services: GenerationService, book_id: int) -> None:
    async def nobody_runs() -> bool:
        return not any(s.is_running(book_id) for s in services)

    await wait_until(nobody_runs)


async def test_concurrent_runs_in_one_process_write_one_outline(store: Store):
    service = make_service(store, offline_words_per_second=WORDS_PER_SECOND)
    book_id = await new_book_id(service, chapters=1)
    for _ in range(3):
        service.start(book_id)
    ran, orphans = await asyncio.gather(
        asyncio.gather(*[service.run(book_id) for _ in range(8)]),
        service.resume_orphans(),
    )
    await idle(service, book_id=book_id)
    assert await outlines(store, book_id) == [MessageStatus.COMPLETE]
    assert sum(ran) <= 1, "two run() calls wrote the book"
    assert orphans in ([], [book_id])
    snap = await book_of(store, book_id)
    assert snap.book.status == BookStatus.AWAITING_APPROVAL
    assert snap.book.lease_owner is None


async def test_two_services_racing_run_the_book_once(store: Store):
    a = make_service(store, offline_words_per_second=WORDS_PER_SECOND)
    b = make_service(store, offline_words_per_second=WORDS_PER_SECOND)
    assert a.owner != b.owner
    book_id = await new_book_id(a, chapters=1)
    ran = await asyncio.gather(
        *[service.run(book_id) for _ in range(4) for service in (a, b)]
    )
    await idle(a, b, book_id=book_id)
    assert sum(ran) == 1
    assert await outlines(store, book_id) == [MessageStatus.COMPLETE]


async def test_two_services_with_one_owner_run_the_book_once(store: Store):
    """The lease is never granted again while held, even to the same owner."""
    a = make_service(store, owner="same", offline_words_per_second=WORDS_PER_SECOND)
    b = make_service(store, owner="same", offline_words_per_second=WORDS_PER_SECOND)
    book_id = await new_book_id(a, chapters=1)
    ran = await asyncio.gather(a.run(book_id), b.run(book_id))
    assert sorted(ran) == [False, True]
    assert await outlines(store, book_id) == [MessageStatus.COMPLETE]


async def test_a_run_asked_for_while_the_runner_leaves_is_not_lost(
    store: Store, monkeypatch: pytest.MonkeyPatch
):
    """Approve while the outline's runner is still releasing its lease: the
    runner that was leaving writes the chapters rather than refusing them."""
    service = make_service(store)
    book_id = await new_book_id(service, chapters=1)
    with held(monkeypatch, store, "release_lease") as leaving:
        runner = asyncio.create_task(service.run(book_id))
        try:
            await leaving.entered.wait()
            assert (await service.approve(book_id)).ok
            async with asyncio.timeout(5):  # the leaving runner has it: no wait
                assert not await service.run(book_id)
        finally:
            leaving.released.set()
    assert await runner
    snap = await book_of(store, book_id)
    assert snap.book.status == BookStatus.COMPLETE
    assert snap.book.lease_owner is None
    assert not service.is_running(book_id)

"""Two tabs (on two workers) racing past a user's concurrent cap.

Each "worker" is its own service over its own engine, so the calls really
overlap in the database: exactly as many starts win as the cap allows, the
others are refused with the reason, and nothing of theirs is stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from bookgen.generation.limits import LimitReached, owner_busy
from bookgen.generation.service import GenerationService
from bookgen.storage.db import make_engine
from bookgen.storage.models import ACTIVE_STATUSES, BookStatus, MessageKind
from bookgen.storage.store import Store
from tests.generation.helpers import book_of, form, make_service
from tests.limits.helpers import add_user

WORKERS = 6


@pytest.fixture
async def workers(db_url: str) -> AsyncIterator[list[GenerationService]]:
    """Services with their own engines (their own connections), cap 1."""
    engines = [make_engine(db_url) for _ in range(WORKERS)]
    yield [
        make_service(Store(engine), user_concurrent_generations=1) for engine in engines
    ]
    for engine in engines:
        await engine.dispose()


async def created(service: GenerationService, owner_id: int) -> int | str:
    """The new book's id, or the reason it was refused."""
    try:
        book = await service.create_book(form(chapters=1), owner_id=owner_id)
    except LimitReached as refused:
        return refused.reason
    assert book.id is not None
    return book.id


async def test_tabs_creating_at_once_start_one_book(
    workers: list[GenerationService], store: Store
):
    ada = await add_user(store, "ada")

    results = await asyncio.gather(*(created(w, ada) for w in workers))

    ids = [r for r in results if isinstance(r, int)]
    assert len(ids) == 1
    assert [r for r in results if isinstance(r, str)] == [owner_busy(1)] * (WORKERS - 1)
    books = await store.list_books()
    assert [b.id for b in books] == ids  # the refused left no rows behind
    assert await store.active_book_count(ada) == 1


async def test_tabs_approving_different_books_at_once_start_one(
    workers: list[GenerationService], store: Store
):
    ada = await add_user(store, "ada")
    service = make_service(store, user_concurrent_generations=WORKERS)
    book_ids = []
    for _ in range(WORKERS):
        book = await service.create_book(form(chapters=1), owner_id=ada)
        assert book.id is not None
        book_ids.append(book.id)
    await asyncio.gather(*(service.run(b) for b in book_ids))  # all await approval

    results = await asyncio.gather(
        *(w.approve(b) for w, b in zip(workers, book_ids, strict=True))
    )

    assert sum(r.ok for r in results) == 1
    assert {r.reason for r in results if not r.ok} == {owner_busy(1)}
    statuses = [(await book_of(store, b)).book.status for b in book_ids]
    assert sum(s in ACTIVE_STATUSES for s in statuses) == 1
    assert statuses.count(BookStatus.AWAITING_APPROVAL) == WORKERS - 1
    for b in book_ids:  # an approval message exists only where it took effect
        snap = await book_of(store, b)
        approved = any(m.kind == MessageKind.APPROVAL for m in snap.messages)
        assert approved == (snap.book.status == BookStatus.WRITING)


async def test_a_create_and_a_continue_racing_start_one(
    workers: list[GenerationService], store: Store
):
    ada = await add_user(store, "ada")
    stopped = await workers[0].create_book(form(chapters=1), owner_id=ada)
    assert stopped.id is not None
    assert (await workers[0].stop(stopped.id)).ok

    resumed, new = await asyncio.gather(
        workers[1].resume(stopped.id), created(workers[2], ada)
    )

    assert resumed.ok != isinstance(new, int)  # exactly one of the two started
    assert await store.active_book_count(ada) == 1

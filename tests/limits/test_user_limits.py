"""Per-user limits through the real service, on SQLite and PostgreSQL.

Books generating at once per user (single-author mode is one user), and
tokens per UTC day: refused with a sentence for the author, nothing stored,
and a book paused by the daily cap continues once the day has turned.
"""

from __future__ import annotations

import pytest

from bookgen.generation.limits import (
    LimitReached,
    daily_allowance_spent,
    owner_busy,
    stopped_for_allowance,
)
from bookgen.storage.models import BookStatus, MessageKind, MessageStatus
from bookgen.storage.store import Store
from tests.generation.helpers import book_of, form, make_service
from tests.limits.helpers import add_user, book_count, create, make_it_tomorrow


async def test_a_user_at_the_concurrent_cap_cannot_create_another_book(store: Store):
    service = make_service(store, user_concurrent_generations=1)
    first = await create(service)  # outlining: generating

    with pytest.raises(LimitReached) as refused:
        await create(service)
    assert refused.value.reason == owner_busy(1)
    assert refused.value.errors == {"form": owner_busy(1)}
    assert await book_count(store) == 1  # nothing half-stored

    assert (await service.stop(first)).ok  # a slot frees up
    await create(service)
    assert await book_count(store) == 2


async def test_the_cap_counts_each_user_apart(store: Store):
    service = make_service(store, user_concurrent_generations=1)
    ada, bo = await add_user(store, "ada"), await add_user(store, "bo")
    await create(service, owner_id=ada)

    with pytest.raises(LimitReached):
        await create(service, owner_id=ada)
    await create(service, owner_id=bo)  # someone else's cap is untouched
    await create(service)  # and so is single-author mode's one author


async def test_approve_beyond_the_cap_is_refused_and_changes_nothing(store: Store):
    service = make_service(store, user_concurrent_generations=1)
    waiting = await create(service)
    await service.run(waiting)  # outline written: waits for approval, not generating
    busy = await create(service)  # generating now: the one slot is taken
    before = await book_of(store, waiting)

    result = await service.approve(waiting)

    assert not result.ok and result.reason == owner_busy(1)
    after = await book_of(store, waiting)
    assert after.book.status == BookStatus.AWAITING_APPROVAL
    assert after.book.version == before.book.version
    assert [m.id for m in after.messages] == [m.id for m in before.messages]
    assert (await service.stop(busy)).ok
    assert (await service.approve(waiting)).ok


async def test_continue_beyond_the_cap_is_refused(store: Store):
    service = make_service(store, user_concurrent_generations=1)
    stopped = await create(service)
    assert (await service.stop(stopped)).ok
    await create(service)

    result = await service.resume(stopped)

    assert not result.ok and result.reason == owner_busy(1)
    assert (await book_of(store, stopped)).book.status == BookStatus.STOPPED


async def test_a_new_book_is_refused_once_the_daily_allowance_is_spent(store: Store):
    service = make_service(store)
    book_id = await create(service)
    await service.run(book_id)
    used = sum(
        m.prompt_tokens + m.completion_tokens
        for m in (await book_of(store, book_id)).messages
    )
    assert used > 0
    spent = make_service(store, user_tokens_per_day=used)

    with pytest.raises(LimitReached) as refused:
        await create(spent)
    assert refused.value.reason == daily_allowance_spent(used)
    assert not (await spent.approve(book_id)).ok
    assert await book_count(store) == 1

    await make_it_tomorrow(store)
    await create(spent)
    assert (await spent.approve(book_id)).ok


async def test_the_runner_pauses_a_book_when_the_allowance_runs_out_and_continue_tomorrow_finishes_it(  # noqa: E501
    store: Store,
):
    """The allowance is checked before each message: the book stops with the
    reason on the message it was about to write, and picks it up tomorrow."""
    service = make_service(store)
    book_id = await create(service)
    await service.run(book_id)
    outline_tokens = sum(
        m.prompt_tokens + m.completion_tokens
        for m in (await book_of(store, book_id)).messages
    )
    # Room for the chapter (checked before it starts), not for its summary.
    capped = make_service(store, user_tokens_per_day=outline_tokens + 1)
    assert (await capped.approve(book_id)).ok

    await capped.run(book_id)

    snap = await book_of(store, book_id)
    assert snap.book.status == BookStatus.STOPPED
    chapter, summary = [
        m for m in snap.messages if m.kind in (MessageKind.CHAPTER, MessageKind.SUMMARY)
    ]
    assert chapter.status == MessageStatus.COMPLETE
    assert summary.status == MessageStatus.STOPPED and summary.content == ""
    assert summary.error == stopped_for_allowance(outline_tokens + 1)
    refused = await capped.resume(book_id)
    assert not refused.ok
    assert refused.reason == daily_allowance_spent(outline_tokens + 1)

    await make_it_tomorrow(store)
    assert (await capped.resume(book_id)).ok
    await capped.run(book_id)

    snap = await book_of(store, book_id)
    assert snap.book.status == BookStatus.COMPLETE
    summaries = [m for m in snap.messages if m.kind == MessageKind.SUMMARY]
    assert [(m.id, m.status, m.error) for m in summaries] == [
        (summary.id, MessageStatus.COMPLETE, "")
    ]


async def test_a_zero_allowance_means_no_daily_limit(store: Store):
    service = make_service(store, user_tokens_per_day=0)
    book_id = await create(service)
    await service.run(book_id)
    assert (await service.approve(book_id)).ok
    assert (await service.create_book(form(chapters=1, words=200))).id

"""SIGTERM on deploy: a cancelled runner drains, and the next start finishes.

Reflex cancels running tasks at once on shutdown. The streamer must write what
it received but had not flushed yet, mark the message interrupted and release
the lease; ``resume_orphans()`` on the next start continues the message from
its text, ending equal to a chapter that was never interrupted.
"""

from __future__ import annotations

import asyncio

import pytest

from bookgen.generation import streamer
from bookgen.generation.flusher import run_shielded
from bookgen.storage.models import BookStatus, MessageKind, MessageStatus
from bookgen.storage.store import Store
from tests.faults.helpers import (
    CHAPTER,
    assert_exact_book,
    chapter_of,
    first_pieces,
    outline_and_approve,
    published_text,
)
from tests.faults.openai_server import PIECE, Fault
from tests.generation.helpers import book_of, make_service, new_book_id
from tests.support.held_call import held
from tests.support.runner_kill import (
    cancel_runner,
    cancel_twice,
    cut_mid_stream,
    first_text,
    resume_on_next_start,
    slow_offline_service,
    until,
)


async def assert_drained(
    store: Store, book_id: int, message_id: int, published: str
) -> str:
    """The message is interrupted and holds at least all that viewers saw."""
    book = await store.get_book(book_id)
    assert book is not None
    assert book.status == BookStatus.WRITING  # still to be written: an orphan
    assert book.lease_owner is None  # released: the next start resumes at once
    chapter = await chapter_of(store, book_id)
    assert chapter.id == message_id
    assert chapter.status == MessageStatus.INTERRUPTED
    assert chapter.content.startswith(published)
    assert await store.chunk_count() == 0
    return chapter.content


@pytest.mark.parametrize("cancels", [1, 2], ids=["cancelled", "cancelled twice"])
async def test_offline_chapter_cancelled_mid_stream_resumes_without_seam(
    store: Store, cancels: int, monkeypatch: pytest.MonkeyPatch
):
    reference = make_service(store)
    ref_id = await new_book_id(reference, chapters=1, words=600)
    await reference.run(ref_id)
    await reference.approve(ref_id)
    await reference.run(ref_id)
    expected = (await chapter_of(store, ref_id)).content

    book_id = await new_book_id(reference, chapters=1, words=600)
    await reference.run(book_id)
    await reference.approve(book_id)
    dying, model = slow_offline_service(store)

    async def cancel_twice_in_a_write(task: asyncio.Task) -> None:
        with held(monkeypatch, store, "append_chunk") as hold:
            await cancel_twice(task, hold)

    cut = await cut_mid_stream(
        dying,
        book_id,
        lambda: model.pieces,
        cancel=cancel_runner if cancels == 1 else cancel_twice_in_a_write,
    )
    message_id = cut.message_id
    partial = await assert_drained(store, book_id, message_id, cut.published)
    assert len(partial) > len(cut.before), "the buffered text was not drained"
    assert len(partial.split()) < 600

    await resume_on_next_start(make_service(store), book_id)
    snap = await book_of(store, book_id)
    assert snap.book.status == BookStatus.COMPLETE
    chapter = await chapter_of(store, book_id)
    assert chapter.id == message_id
    assert chapter.content == expected
    assert [m.kind for m in snap.messages].count(MessageKind.CHAPTER) == 1


async def test_cancelled_online_stream_is_continued_from_the_drained_text(
    online_service, fake_openai, store
):
    fake_openai.delay = 0.002
    service = online_service(flush_interval_s=0.3)
    book_id = await outline_and_approve(service)
    cut = await cut_mid_stream(
        service,
        book_id,
        lambda: len(PIECE.findall(fake_openai.calls[-1].sent)),
    )
    partial = await assert_drained(store, book_id, cut.message_id, cut.published)
    assert len(partial) > len(cut.before), "the buffered text was not drained"

    await resume_on_next_start(online_service(), book_id)
    await assert_exact_book(store, fake_openai, book_id)
    first, resumed = fake_openai.calls_for(CHAPTER)
    assert first.text_so_far is None
    assert resumed.text_so_far == partial


async def test_cancelled_while_backing_off_keeps_the_text(
    online_service, fake_openai, store, monkeypatch
):
    fake_openai.fail(
        CHAPTER, Fault("drop", after=40), Fault("status", status=429, retry_after="30")
    )
    waits: list[float] = []
    delay = streamer.backoff_delay

    def noted_delay(attempt: int, retry_after: float | None) -> float:
        waits.append(delay(attempt, retry_after))
        return waits[-1]

    monkeypatch.setattr(streamer, "backoff_delay", noted_delay)
    service = online_service()
    book_id = await outline_and_approve(service)
    runner = asyncio.create_task(service.run(book_id))
    # The second wait is the 429's 30 s: the streamer is backing off now.
    await until(lambda: len(waits) == 2)
    assert waits[1] == 30
    await cancel_runner(runner)
    message_id = (await chapter_of(store, book_id)).id
    assert message_id is not None
    partial = await assert_drained(store, book_id, message_id, first_pieces(40))
    assert partial == first_pieces(40)

    await resume_on_next_start(online_service(), book_id)
    await assert_exact_book(store, fake_openai, book_id)
    assert fake_openai.calls_for(CHAPTER)[-1].text_so_far == partial


async def test_shielded_work_finishes_and_the_cancellation_still_arrives():
    done: list[str] = []
    writing, finish = asyncio.Event(), asyncio.Event()

    async def write() -> str:
        writing.set()
        await finish.wait()
        done.append("written")
        return "ok"

    async def caller() -> str:
        return await run_shielded(write())

    task = asyncio.create_task(caller())
    await writing.wait()
    for _ in range(3):  # cancelled, and again, while the write is under way
        task.cancel()
        await asyncio.sleep(0)  # let each cancellation land
    assert not task.done()
    finish.set()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert done == ["written"]
    assert await run_shielded(write()) == "ok"


async def test_shielded_work_that_fails_raises_its_error():
    async def fail() -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        await run_shielded(fail())


async def test_the_lease_is_released_even_if_cancelled_again_meanwhile(
    online_service, fake_openai, store, monkeypatch
):
    fake_openai.delay = 0.002
    service = online_service()
    book_id = await outline_and_approve(service)
    async with published_text(service.hub, book_id) as events:
        runner = asyncio.create_task(service.run(book_id))
        await first_text(events)
        with held(monkeypatch, store, "release_lease") as hold:
            await cancel_twice(runner, hold)
    # The runner ended only after its shielded release: nothing left to wait for.
    book = await store.get_book(book_id)
    assert book is not None and book.lease_owner is None

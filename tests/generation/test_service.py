"""The whole book flow through the real service, offline model, real databases."""

import asyncio

from bookgen.generation.hub import TextEvent
from bookgen.storage.models import BookStatus, MessageKind, MessageStatus
from bookgen.storage.store import BookSnapshot, Store
from tests.generation.helpers import (
    book_of,
    make_service,
    new_book_id,
    wait_until,
)


def kinds(snap: BookSnapshot) -> list[str]:
    return [m.kind for m in snap.messages]


async def test_outline_reject_approve_chapters_complete(store: Store):
    service = make_service(store)
    book_id = await new_book_id(service, chapters=3, words=300)
    assert (await book_of(store, book_id)).book.status == BookStatus.OUTLINING

    await service.run(book_id)
    snap = await book_of(store, book_id)
    assert snap.book.status == BookStatus.AWAITING_APPROVAL
    first_outline = snap.messages[-1]
    assert first_outline.kind == MessageKind.OUTLINE
    assert first_outline.content.count("## Chapter") == 3

    result = await service.reject(book_id, "Make the keeper's sister the villain")
    assert result.ok
    await service.run(book_id)
    snap = await book_of(store, book_id)
    assert snap.book.status == BookStatus.AWAITING_APPROVAL
    revised = snap.messages[-1]
    assert revised.kind == MessageKind.OUTLINE and revised.id != first_outline.id
    assert revised.content != first_outline.content
    assert "sister" in revised.content.lower()

    assert (await service.approve(book_id)).ok
    await service.run(book_id)
    snap = await book_of(store, book_id)
    assert snap.book.status == BookStatus.COMPLETE
    assert snap.book.chapters_done == 3
    chapters = [m for m in snap.messages if m.kind == MessageKind.CHAPTER]
    summaries = [m for m in snap.messages if m.kind == MessageKind.SUMMARY]
    assert [c.chapter for c in chapters] == [1, 2, 3]
    assert [s.chapter for s in summaries] == [1, 2, 3]
    for c in chapters:
        assert c.status == MessageStatus.COMPLETE
        assert 255 <= len(c.content.split()) <= 345  # within 15 % of 300
        assert c.completion_tokens > 0
    assert await store.chunk_count() == 0
    assert kinds(snap)[:5] == [
        MessageKind.REQUEST,
        MessageKind.OUTLINE,
        MessageKind.FEEDBACK,
        MessageKind.OUTLINE,
        MessageKind.APPROVAL,
    ]


async def test_chapters_stream_in_several_pushes_with_contiguous_offsets(
    store: Store,
):
    service = make_service(store, offline_words_per_second=400, flush_interval_s=0.02)
    book_id = await new_book_id(service, chapters=1, words=200)
    events: list[TextEvent] = []
    async with service.hub.subscribe(book_id) as queue:
        await service.run(book_id)
        while not queue.empty():
            if isinstance(event := queue.get_nowait(), TextEvent):
                events.append(event)
    outline = (await book_of(store, book_id)).messages[-1]
    mine = [e for e in events if e.message_id == outline.id]
    assert len(mine) > 3, "the outline arrived in one piece"
    offset = 0
    for ev in mine:
        assert ev.offset == offset
        offset += len(ev.text)
    assert "".join(e.text for e in mine) == outline.content


async def test_stop_then_continue_leaves_no_seam(store: Store):
    """Stop mid-chapter, continue: the chapter equals an uninterrupted one."""
    fast = make_service(store)
    reference_id = await new_book_id(fast, chapters=1, words=600)
    await fast.run(reference_id)
    await fast.approve(reference_id)
    await fast.run(reference_id)
    expected = next(
        m.content
        for m in (await book_of(store, reference_id)).messages
        if m.kind == MessageKind.CHAPTER
    )

    book_id = await new_book_id(fast, chapters=1, words=600)
    await fast.run(book_id)
    await fast.approve(book_id)
    slow = make_service(store, offline_words_per_second=300, flush_interval_s=0.02)
    runner = asyncio.create_task(slow.run(book_id))

    async def sixty_words_written() -> bool:
        snap = await book_of(store, book_id)
        chapter = [m for m in snap.messages if m.kind == MessageKind.CHAPTER]
        return bool(chapter) and len(chapter[0].content.split()) > 60

    await wait_until(sixty_words_written)
    assert (await slow.stop(book_id)).ok
    await runner
    snap = await book_of(store, book_id)
    assert snap.book.status == BookStatus.STOPPED
    partial = next(m for m in snap.messages if m.kind == MessageKind.CHAPTER)
    assert partial.status == MessageStatus.STOPPED
    assert 60 < len(partial.content.split()) < 600
    assert await store.chunk_count() == 0

    assert (await slow.resume(book_id)).ok
    await fast.run(book_id)
    snap = await book_of(store, book_id)
    assert snap.book.status == BookStatus.COMPLETE
    chapter = next(m for m in snap.messages if m.kind == MessageKind.CHAPTER)
    assert chapter.id == partial.id
    assert chapter.content.startswith(partial.content)
    assert chapter.content == expected


async def test_only_one_decision_wins(store: Store):
    service = make_service(store)
    book_id = await new_book_id(service, chapters=1)
    await service.run(book_id)
    version = (await book_of(store, book_id)).book.version
    results = await asyncio.gather(
        service.approve(book_id, version),
        service.reject(book_id, "darker", version),
        service.approve(book_id, version),
    )
    assert sum(r.ok for r in results) == 1
    assert all(
        r.reason == "The outline was already decided." for r in results if not r.ok
    )
    snap = await book_of(store, book_id)
    decisions = [
        m
        for m in snap.messages
        if m.kind in (MessageKind.APPROVAL, MessageKind.FEEDBACK)
    ]
    assert len(decisions) == 1


async def test_two_runners_never_write_the_same_book(store: Store):
    a = make_service(store, offline_words_per_second=500)
    b = make_service(store, offline_words_per_second=500)
    book_id = await new_book_id(a, chapters=1)
    ran = await asyncio.gather(a.run(book_id), b.run(book_id))
    assert sorted(ran) == [False, True]
    snap = await book_of(store, book_id)
    assert [m.kind for m in snap.messages].count(MessageKind.OUTLINE) == 1


async def test_rejecting_needs_feedback(store: Store):
    service = make_service(store)
    book_id = await new_book_id(service, chapters=1)
    await service.run(book_id)
    result = await service.reject(book_id, "   ")
    assert not result.ok and "what should change" in result.reason.lower()
    assert (await book_of(store, book_id)).book.status == BookStatus.AWAITING_APPROVAL


async def test_a_book_needs_a_runner_only_while_active_and_unleased(store: Store):
    service = make_service(store)
    book_id = await new_book_id(service, chapters=1)
    assert service.needs_runner((await book_of(store, book_id)).book)
    assert await store.claim_lease(book_id, "someone-else", 30)
    assert not service.needs_runner((await book_of(store, book_id)).book)
    await store.release_lease(book_id, "someone-else")
    await service.run(book_id)  # writes the outline, then waits for the author
    assert not service.needs_runner((await book_of(store, book_id)).book)

"""Driving a one-chapter book and checking what a fault may not change."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from bookgen.generation.hub import Hub, TextEvent
from bookgen.generation.service import GenerationService
from bookgen.storage.models import BookStatus, Message, MessageKind, MessageStatus
from bookgen.storage.store import Store
from tests.faults.openai_server import PIECE, FakeOpenAI, chapter_text
from tests.generation.helpers import form

CHAPTER = "chapter 1"
TRUE_CHAPTER = chapter_text(1)
TRUE_PIECES = PIECE.findall(TRUE_CHAPTER)


def first_pieces(n: int) -> str:
    """The first ``n`` content chunks of the true chapter, joined."""
    return "".join(TRUE_PIECES[:n])


async def outline_and_approve(service: GenerationService) -> int:
    book = await service.create_book(form(chapters=1, words=400))
    assert book.id is not None
    await service.run(book.id)
    assert (await service.approve(book.id)).ok
    return book.id


async def write_book(service: GenerationService) -> int:
    """Outline, approve, then run the writing phase to its end (or failure)."""
    book_id = await outline_and_approve(service)
    await service.run(book_id)
    return book_id


async def chapter_of(store: Store, book_id: int) -> Message:
    snap = await store.snapshot(book_id)
    assert snap is not None
    return next(m for m in snap.messages if m.kind == MessageKind.CHAPTER)


async def assert_exact_book(store: Store, server: FakeOpenAI, book_id: int) -> None:
    """Complete, chapter equal to the server's reply, nothing left in the chunk log."""
    snap = await store.snapshot(book_id)
    assert snap is not None
    assert server.violations == []
    assert snap.book.status == BookStatus.COMPLETE
    chapter = await chapter_of(store, book_id)
    assert chapter.status == MessageStatus.COMPLETE
    assert chapter.content == TRUE_CHAPTER
    summaries = [m for m in snap.messages if m.kind == MessageKind.SUMMARY]
    assert [s.status for s in summaries] == [MessageStatus.COMPLETE]
    assert await store.chunk_count() == 0


async def wait_until(predicate, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not await predicate():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def published_text(hub: Hub, book_id: int) -> AsyncIterator[list[TextEvent]]:
    """Collect every TextEvent the hub publishes for ``book_id`` meanwhile."""
    events: list[TextEvent] = []

    async def listen(queue: asyncio.Queue) -> None:
        while True:
            if isinstance(event := await queue.get(), TextEvent):
                events.append(event)

    async with hub.subscribe(book_id) as queue:
        listener = asyncio.create_task(listen(queue))
        try:
            yield events
        finally:
            listener.cancel()
            while not queue.empty():  # what was published but not yet read
                if isinstance(event := queue.get_nowait(), TextEvent):
                    events.append(event)


def joined(events: list[TextEvent], message_id: int) -> str:
    """The text published for one message, checking offsets are contiguous."""
    text = ""
    for event in events:
        if event.message_id == message_id:
            assert event.offset == len(text), "a gap or overlap in published text"
            text += event.text
    return text

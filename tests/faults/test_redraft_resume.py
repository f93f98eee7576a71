"""A regenerated chapter cut by a shutdown resumes on the next start, seamless.

The runner is cancelled mid-stream (as Reflex does on SIGTERM): the new
version is drained and marked interrupted, the book stays writing, and the
next start's ``resume_orphans`` finishes it from its text, ending equal to a
new version that was never interrupted, in the same message.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator

import pytest

from bookgen.generation.service import GenerationService
from bookgen.llm import ChatMessage, LLMProvider, StreamStats, make_provider
from bookgen.storage.models import BookStatus, Message, MessageKind, MessageStatus
from bookgen.storage.store import Store
from tests.faults.helpers import joined, published_text, wait_until
from tests.generation.helpers import FAST, book_of, make_service, new_book_id

WISH = "End on the storm."
WORDS = 600


class CountingProvider:
    """The offline provider, counting the pieces it hands to the streamer."""

    def __init__(self, inner: LLMProvider) -> None:
        self.inner = inner
        self.offline = inner.offline
        self.pieces = 0

    async def stream(
        self,
        messages: list[ChatMessage],
        *,
        model: str,
        stats: StreamStats,
        max_tokens: int,
    ) -> AsyncGenerator[str, None]:
        stream = self.inner.stream(
            messages, model=model, stats=stats, max_tokens=max_tokens
        )
        async with contextlib.aclosing(stream):
            async for piece in stream:
                self.pieces += 1
                yield piece


async def asked_for_redraft(service: GenerationService) -> int:
    """A finished one-chapter book whose chapter is to be regenerated."""
    book_id = await new_book_id(service, chapters=1, words=WORDS)
    await service.run(book_id)
    assert (await service.approve(book_id)).ok
    await service.run(book_id)
    assert (await service.regenerate(book_id, 1, WISH)).ok
    return book_id


async def redraft_of(store: Store, book_id: int) -> Message:
    snap = await book_of(store, book_id)
    [new] = [m for m in snap.messages if m.kind == MessageKind.REDRAFT]
    return new


async def test_a_new_version_cancelled_mid_stream_resumes_without_seam(store: Store):
    reference = make_service(store)
    ref_id = await asked_for_redraft(reference)
    await reference.run(ref_id)
    expected = (await redraft_of(store, ref_id)).content
    chapter_text = next(
        m.content
        for m in (await book_of(store, ref_id)).messages
        if m.kind == MessageKind.CHAPTER
    )
    assert expected != chapter_text

    book_id = await asked_for_redraft(reference)
    model = CountingProvider(
        make_provider(FAST.model_copy(update={"offline_words_per_second": 300}))
    )
    dying = make_service(
        store, model, offline_words_per_second=300, flush_interval_s=0.5
    )
    async with published_text(dying.hub, book_id) as events:
        runner = asyncio.create_task(dying.run(book_id))

        async def started() -> bool:
            return bool(events)

        await wait_until(started)
        message_id = events[0].message_id
        seen = model.pieces

        async def streamed_more() -> bool:
            return model.pieces >= seen + 40

        await wait_until(streamed_more)
        runner.cancel()
        with pytest.raises(asyncio.CancelledError):
            await runner
        published = joined(events, message_id)

    cut = await redraft_of(store, book_id)
    assert cut.id == message_id
    assert cut.status == MessageStatus.INTERRUPTED
    assert cut.content.startswith(published)
    assert len(cut.content.split()) < WORDS
    book = await store.get_book(book_id)
    assert book is not None and book.status == BookStatus.WRITING
    assert book.lease_owner is None

    next_start = make_service(store)
    assert await next_start.resume_orphans() == [book_id]

    async def finished() -> bool:
        book = await store.get_book(book_id)
        assert book is not None
        return book.status == BookStatus.COMPLETE and not next_start.is_running(book_id)

    await wait_until(finished)
    done = await redraft_of(store, book_id)
    assert done.id == message_id
    assert done.status == MessageStatus.COMPLETE
    assert done.content == expected
    snap = await book_of(store, book_id)
    chapters = [m for m in snap.messages if m.kind == MessageKind.CHAPTER]
    assert [m.content for m in chapters] == [chapter_text]
    assert snap.book.chapters_done == 1

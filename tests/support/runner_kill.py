"""Cutting a book's runner mid-stream, as a shutting-down server does.

The fault tests (shutdown drain, a regenerated chapter resumed, a reply cut
between calls) cut a runner while words arrive inside an open flush window,
so text is buffered and not yet flushed, then check what the drain wrote.
The provider that counts what it streamed and the cut itself are written once,
here.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass

import pytest

from bookgen.generation.hub import TextEvent
from bookgen.generation.service import GenerationService
from bookgen.llm import ChatMessage, LLMProvider, StreamStats, make_provider
from bookgen.storage.models import BookStatus
from bookgen.storage.store import Store
from tests.faults.helpers import joined, published_text, wait_until
from tests.generation.helpers import FAST, make_service
from tests.support.held_call import Hold

__all__ = [
    "CountingProvider",
    "Cut",
    "cancel_runner",
    "cancel_twice",
    "cut_mid_stream",
    "first_text",
    "resume_on_next_start",
    "slow_offline_service",
    "until",
]


class CountingProvider:
    """Wraps a provider; counts the pieces it hands to the streamer (in all
    and in the current call) and notes each call's ``max_tokens``."""

    def __init__(self, inner: LLMProvider) -> None:
        self.inner = inner
        self.offline = inner.offline
        self.pieces = 0
        self.call_pieces = 0
        self.max_tokens: list[int] = []

    async def stream(
        self,
        messages: list[ChatMessage],
        *,
        model: str,
        stats: StreamStats,
        max_tokens: int,
    ) -> AsyncGenerator[str, None]:
        self.max_tokens.append(max_tokens)
        self.call_pieces = 0
        stream = self.inner.stream(
            messages, model=model, stats=stats, max_tokens=max_tokens
        )
        async with contextlib.aclosing(stream):
            async for piece in stream:
                self.pieces += 1
                self.call_pieces += 1
                yield piece


def slow_offline_service(store: Store) -> tuple[GenerationService, CountingProvider]:
    """The offline model slow enough to cut mid-chapter, with flushes far
    apart so that text is buffered when the cut comes."""
    model = CountingProvider(
        make_provider(FAST.model_copy(update={"offline_words_per_second": 300}))
    )
    service = make_service(
        store, model, offline_words_per_second=300, flush_interval_s=0.5
    )
    return service, model


async def until(condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Wait for a plain (not async) condition."""

    async def holds() -> bool:
        return bool(condition())

    await wait_until(holds, timeout)


async def first_text(events: list[TextEvent], timeout: float = 10.0) -> int:
    """Wait for the first published text; return its message id."""
    await until(lambda: events, timeout)
    return events[0].message_id


async def cancel_runner(task: asyncio.Task) -> None:
    """Cancel like a shutting-down server and wait for the task to end."""
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def cancel_twice(task: asyncio.Task, hold: Hold) -> None:
    """Cancel, then again while the held call (a write of the drain) is under
    way, as the event loop's shutdown cancels everything again."""
    task.cancel()
    await hold.entered.wait()
    task.cancel()
    hold.released.set()
    with pytest.raises(asyncio.CancelledError):
        await task


@dataclass(frozen=True)
class Cut:
    message_id: int
    before: str  # published when the cut came
    published: str  # published in all: ``before`` and what the drain flushed


async def cut_mid_stream(
    service: GenerationService,
    book_id: int,
    streamed: Callable[[], int],
    *,
    more: int = 40,
    cancel: Callable[[asyncio.Task], Awaitable[None]] = cancel_runner,
) -> Cut:
    """Run the book until its text is published, let ``more`` pieces stream
    (``streamed`` counts them), then ``cancel`` the runner."""
    async with published_text(service.hub, book_id) as events:
        runner = asyncio.create_task(service.run(book_id))
        message_id = await first_text(events)
        # Words arrive while the flush window is open: buffered, not yet
        # flushed. (The first text goes out once the reply's opening has
        # passed the gate.)
        seen = streamed()
        await until(lambda: streamed() >= seen + more)
        before = joined(events, message_id)
        await cancel(runner)
    return Cut(message_id, before, joined(events, message_id))


async def resume_on_next_start(service: GenerationService, book_id: int) -> None:
    """``service`` is the next start: it resumes the cut book, which then runs
    until it is no longer writing."""
    assert await service.resume_orphans() == [book_id]

    async def finished() -> bool:
        book = await service.store.get_book(book_id)
        assert book is not None
        return book.status != BookStatus.WRITING and not service.is_running(book_id)

    await wait_until(finished)

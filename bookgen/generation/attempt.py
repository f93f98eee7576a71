"""One provider call for a message: a reader task feeds a queue, a consumer
drains it a flush window at a time through the gate and the flusher.

Split from the streamer, which decides *whether* to call again (retries,
fruitless replies, the plan); this module is *how* one call streams, stalls,
or drains on cancellation. It never raises for provider faults: a failed call
comes back as an ``AttemptResult`` with its error.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass

from bookgen.config import Settings
from bookgen.generation.flusher import Flusher, run_shielded
from bookgen.generation.gate import Gate
from bookgen.generation.hub import Hub
from bookgen.generation.limits import estimate_tokens
from bookgen.generation.replies import Ending, ModelCall
from bookgen.llm import ChatMessage, LLMProvider, ProviderError, StreamStats
from bookgen.llm.provider import StreamInterrupted
from bookgen.storage.store import Store

__all__ = ["AttemptResult", "AttemptRunner", "ProgressClock", "StreamEnd"]


# --- what the reader hands the consumer ------------------------------------
@dataclass(frozen=True, slots=True)
class StreamEnd:
    """The provider's stream is over: finished (``error`` None) or failed."""

    error: ProviderError | None = None


# Text as it arrives (plain strings: one per token, so no wrapper), then one end.
Received = str | StreamEnd


async def _take(queue: asyncio.Queue[Received], timeout: float) -> list[Received]:
    """Everything queued, waiting up to ``timeout`` for the first item.

    Taking all that is queued means one flush per interval however fast the
    model is. (asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a
    cancellation that lands as an item arrives.)
    """
    try:
        async with asyncio.timeout(timeout):
            first = await queue.get()
    except TimeoutError:
        return []
    return [first, *_take_nowait(queue)]


def _take_nowait(queue: asyncio.Queue[Received]) -> list[Received]:
    items: list[Received] = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


class ProgressClock:
    """When the provider last sent something, for the stall watchdog.

    The reader stamps it per chunk and the consumer compares: a timer per
    token would cost more than the token.
    """

    __slots__ = ("last",)

    def __init__(self) -> None:
        self.last = time.monotonic()

    def tick(self) -> None:
        self.last = time.monotonic()

    def quiet_for(self) -> float:
        return time.monotonic() - self.last


@dataclass
class AttemptResult:
    """What one call left: the whole text so far, and whether the book is ours."""

    text: str
    owned: bool
    error: ProviderError | None = None
    ending: Ending = Ending.STOP
    refused: bool = False


# Logs ``piece`` (maybe empty) for a message and renews the book's lease.
Append = Callable[[int, int, str], Awaitable[bool]]


@dataclass(frozen=True, kw_only=True)
class AttemptRunner:
    """Runs single provider calls for the streamer; owns nothing between calls."""

    provider: LLMProvider
    store: Store
    hub: Hub
    settings: Settings
    append: Append
    stop_requested: Callable[[], bool]

    async def run(
        self,
        book_id: int,
        message_id: int,
        model: str,
        call: ModelCall,
        text: str,
        totals: StreamStats,
    ) -> AttemptResult:
        """One provider call, flushing as it goes; never raises for provider faults.

        Text passes the gate (gate.py) on its way out: a continuation's head
        is held at the seam until it can be joined, a refusal is stopped, and
        a chapter's length limits apply. If the attempt fails, held text is
        dropped rather than guessed at: the retry asks for it again.
        """
        stats = StreamStats()
        flusher = Flusher(
            text=text,
            book_id=book_id,
            message_id=message_id,
            hub=self.hub,
            append=lambda piece: self.append(book_id, message_id, piece),
            interval=self.settings.flush_interval_s,
            beat=self.settings.lease_s / 3,
        )
        if call.lead:  # the app's own words (an outline's chapter line) go first
            flusher.add(call.lead)
            text += call.lead
        gate = Gate(text, limits=call.limits, dedupe=call.dedupe, shape=call.shape)
        queue: asyncio.Queue[Received] = asyncio.Queue()
        clock = ProgressClock()
        reader = asyncio.create_task(self._read(call, model, stats, queue, clock))
        try:
            return await self._consume(queue, gate, flusher, clock, reader, stats)
        except asyncio.CancelledError:
            # Drain: what already arrived reaches the database before we go.
            for item in _take_nowait(queue):
                if isinstance(item, str):
                    flusher.add(gate.feed(item))
            if flusher.pending:
                await flusher.flush(draining=True)
            await run_shielded(self.store.settle_writes())
            raise
        finally:
            reader.cancel()
            # Wait for the reader without taking on its cancellation: a
            # cancellation of this task must still propagate.
            await asyncio.wait([reader])
            _estimate_missing_usage(stats, call.messages, flusher.text[len(text) :])
            totals.prompt_tokens += stats.prompt_tokens
            totals.completion_tokens += stats.completion_tokens
            totals.chunks += stats.chunks
            totals.usage_estimated = totals.usage_estimated or stats.usage_estimated
            totals.finish_reason = stats.finish_reason

    async def _consume(
        self,
        queue: asyncio.Queue[Received],
        gate: Gate,
        flusher: Flusher,
        clock: ProgressClock,
        reader: asyncio.Task[None],
        stats: StreamStats,
    ) -> AttemptResult:
        """Take what the reader sent, a window at a time, until the stream ends."""
        stall = self.settings.stall_timeout_s
        idle_wait = min(flusher.beat, stall / 4)
        while True:
            if flusher.pending:
                # Inside a window: sleep to its end, then take all that came
                # (one wake-up per window, not one per token).
                await asyncio.sleep(flusher.window_left())
                batch = _take_nowait(queue)
            else:
                batch = await _take(queue, idle_wait)
            if not batch and clock.quiet_for() > stall:
                reader.cancel()  # the provider went quiet: a stalled attempt
                batch = [StreamEnd(StreamInterrupted(f"no data for {stall:g} s"))]
            for item in batch:
                if isinstance(item, str):
                    flusher.add(gate.feed(item))
            end = batch[-1] if batch else None
            if isinstance(end, StreamEnd) or gate.stopped:
                error = end.error if isinstance(end, StreamEnd) else None
                cut = stats.finish_reason == "length"
                if isinstance(end, StreamEnd):
                    flusher.add(gate.end(clean=error is None, cut=cut))
                owned = await flusher.flush()
                ending = Ending.LENGTH if cut else Ending.STOP
                return AttemptResult(
                    flusher.text, owned, error, ending, refused=gate.refused
                )
            if self.stop_requested():
                await flusher.flush()
                return AttemptResult(flusher.text, owned=False)
            if flusher.due() and not await flusher.flush():
                return AttemptResult(flusher.text, owned=False)

    async def _read(
        self,
        call: ModelCall,
        model: str,
        stats: StreamStats,
        queue: asyncio.Queue[Received],
        clock: ProgressClock,
    ) -> None:
        """Producer: provider chunks into the queue, then one StreamEnd."""
        stream: AsyncGenerator[str, None] = self.provider.stream(
            call.messages, model=model, stats=stats, max_tokens=call.max_tokens
        )
        try:
            async for piece in stream:
                clock.tick()
                queue.put_nowait(piece)
            queue.put_nowait(StreamEnd())
        except ProviderError as exc:
            queue.put_nowait(StreamEnd(exc))
        except Exception as exc:
            queue.put_nowait(StreamEnd(StreamInterrupted(f"unexpected: {exc!r}")))
        finally:
            # Closing a broken stream may fail again; its error is already known.
            with contextlib.suppress(Exception):
                await stream.aclose()


def _estimate_missing_usage(
    stats: StreamStats, prompt: list[ChatMessage], written: str
) -> None:
    """Servers that report no usage still count against the daily allowance."""
    if not stats.completion_tokens and written:
        stats.completion_tokens = estimate_tokens(written)
        stats.usage_estimated = True
        if not stats.prompt_tokens:
            stats.prompt_tokens = sum(estimate_tokens(m["content"]) for m in prompt)

"""The chunk loop: one assistant message from provider to database and viewers.

Text is flushed on the leading edge and then at most once per flush interval:
each flush is one hub event for the viewers, then one chunk-log row and lease
heartbeat (group-committed with other streams' flushes). Provider failures are
retried from the text written so far with a continuation prompt, so attempts
never restart or concatenate.

Cancellation (a deploy's SIGTERM) drains: text received but not yet flushed is
written, every queued write lands, the message is marked interrupted, and the
cancellation goes on. Writes run in the chunk log's own task, so a cancellation
never cuts one in half.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bookgen import metrics
from bookgen.config import Settings
from bookgen.generation.gate import Gate
from bookgen.generation.hub import ChangeEvent, Hub, TextEvent
from bookgen.generation.limits import estimate_tokens
from bookgen.generation.replies import Ending, ModelCall, ReplyPlan
from bookgen.llm import ChatMessage, LLMProvider, ProviderError, StreamStats
from bookgen.llm.errors import RETRY_NOTICE_KINDS
from bookgen.llm.provider import StreamInterrupted
from bookgen.logs import bind_log_context
from bookgen.storage.models import MessageStatus
from bookgen.storage.store import Store

__all__ = [
    "Flusher",
    "MessageStreamer",
    "ProgressClock",
    "StreamEnd",
    "StreamOutcome",
    "backoff_delay",
    "run_shielded",
]

T = TypeVar("T")

log = logging.getLogger(__name__)


async def run_shielded(aw: Awaitable[T]) -> T:
    """Await ``aw`` to its end even if the caller is cancelled meanwhile.

    A cancellation that arrives while waiting is re-raised once the work is
    done, so the caller still stops, but never halfway through a write.
    """
    task = asyncio.ensure_future(aw)
    cancelled: asyncio.CancelledError | None = None
    while True:
        try:
            result = await asyncio.shield(task)
            break
        except asyncio.CancelledError as exc:
            if task.done():  # the work itself was cancelled
                raise
            cancelled = exc
    if cancelled is not None:
        raise cancelled
    return result


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


class Flusher:
    """One attempt's text on its way out: to the viewers, then the chunk log.

    The first text flushes at once (leading edge), later text at most once per
    ``interval``; with nothing pending a flush every ``beat`` still renews the
    lease. ``text`` is the whole message as flushed so far.
    """

    def __init__(
        self,
        *,
        text: str,
        book_id: int,
        message_id: int,
        hub: Hub,
        append: Callable[[str], Awaitable[bool]],
        interval: float,
        beat: float,
    ) -> None:
        self.text = text
        self.book_id = book_id
        self.message_id = message_id
        self.hub = hub
        self.append = append
        self.interval = interval
        self.beat = beat
        self._pending: list[str] = []
        self._pending_since = 0.0  # wall time the oldest pending text arrived
        self._last_flush = 0.0  # monotonic; 0 makes the first flush immediate

    @property
    def pending(self) -> bool:
        return bool(self._pending)

    def add(self, piece: str) -> None:
        if piece:
            if not self._pending:
                self._pending_since = time.time()
            self._pending.append(piece)

    def window_left(self) -> float:
        """Seconds until the current flush window closes."""
        return max(self._last_flush + self.interval - time.monotonic(), 0)

    def due(self) -> bool:
        """Pending text whose window closed, or a heartbeat that is due."""
        since = time.monotonic() - self._last_flush
        return since >= self.interval if self._pending else since >= self.beat

    async def flush(self, *, draining: bool = False) -> bool:
        """Publish and log what is pending (maybe nothing: a heartbeat).

        Returns False when the runner no longer owns the book. The chunk log
        writes in its own task, so a cancelled flush still lands; while
        draining we also wait for it, whatever happens.
        """
        piece = "".join(self._pending)
        metrics.text_streamed(self._pending)
        self._pending.clear()
        self._last_flush = time.monotonic()
        offset = len(self.text)
        self.text += piece
        if piece:  # viewers first: the database write must not delay them
            event = TextEvent(
                self.book_id, self.message_id, offset, piece, self._pending_since
            )
            await self.hub.publish(event)
        append = self.append(piece)
        return await (run_shielded(append) if draining else append)


@dataclass
class _AttemptResult:
    text: str
    owned: bool
    error: ProviderError | None = None
    ending: Ending = Ending.STOP
    refused: bool = False


@dataclass
class StreamOutcome:
    status: MessageStatus
    text: str
    error: str = ""


# Calls in a row that bring no text (empty, blank, a refusal) before giving up.
MAX_FRUITLESS = 3
FRUITLESS_ERROR = (
    "The model sent no usable text ({n} empty, blank or declined replies in a "
    "row). Retry to ask again; the text so far is kept."
)
TOO_MANY_CALLS = (
    "The model needed more than {n} calls for this message without finishing "
    "it. Retry to carry on from the text so far."
)


def backoff_delay(attempt: int, retry_after: float | None) -> float:
    """Exponential backoff from 0.5 s, capped at 30 s, or what the server asked."""
    if retry_after is not None:
        return min(retry_after, 60.0)
    return min(0.5 * (2**attempt), 30.0)


class MessageStreamer:
    """Streams one message; owns nothing between calls."""

    def __init__(
        self,
        *,
        provider: LLMProvider,
        store: Store,
        hub: Hub,
        settings: Settings,
        owner: str,
        stop_requested: Callable[[], bool],
    ) -> None:
        self.provider = provider
        self.store = store
        self.hub = hub
        self.settings = settings
        self.owner = owner
        self.stop_requested = stop_requested

    async def run(
        self,
        *,
        book_id: int,
        message_id: int,
        model: str,
        plan: ReplyPlan,
        text_so_far: str = "",
    ) -> StreamOutcome:
        """Stream until the message is complete, stopped, or failed for good.

        The plan decides each call from the text so far; a call that fails is
        retried (with backoff) from the text it left, one that brings nothing
        is asked again more firmly, a bounded number of times.
        """
        bind_log_context(message_id=message_id)
        text = text_so_far
        totals = StreamStats()
        attempt = calls = fruitless = 0
        ending = Ending.FRESH
        status, error = MessageStatus.STOPPED, ""
        try:
            while True:
                call = plan.next_call(text, ending, fruitless)
                if call is None:
                    status = MessageStatus.COMPLETE
                    break
                calls += 1
                if calls > plan.max_calls:
                    status = MessageStatus.ERROR
                    error = TOO_MANY_CALLS.format(n=plan.max_calls)
                    break
                before = text
                result = await self._attempt(
                    book_id, message_id, model, call, text, totals
                )
                text, exc = result.text, result.error
                if exc is not None:
                    metrics.provider_failed(exc)
                if not result.owned or self.stop_requested():
                    break
                if exc is None:
                    attempt, ending = 0, result.ending
                    added = text[len(before) + len(call.lead) :]
                    if result.refused or not added.strip():
                        fruitless += 1
                        if fruitless >= MAX_FRUITLESS:
                            status = MessageStatus.ERROR
                            error = FRUITLESS_ERROR.format(n=fruitless)
                            break
                    else:
                        fruitless = 0
                    continue
                ending = Ending.FAULT
                _log_failure(message_id, exc, attempt)
                if not exc.retryable or attempt >= self.settings.max_retries:
                    status = (
                        MessageStatus.INTERRUPTED
                        if isinstance(exc, StreamInterrupted)
                        else MessageStatus.ERROR
                    )
                    error = exc.author_text()
                    break
                delay = backoff_delay(attempt, exc.retry_after)
                if not await self._wait_to_retry(book_id, message_id, exc, delay):
                    break
                attempt += 1
        except asyncio.CancelledError:
            await self._finish(
                message_id,
                MessageStatus.INTERRUPTED,
                totals,
                text,
                "Interrupted by a server restart; it continues on the next start.",
            )
            raise
        return await self._finish(message_id, status, totals, text, error)

    async def _wait_to_retry(
        self, book_id: int, message_id: int, exc: ProviderError, delay: float
    ) -> bool:
        """Back off; a wait the author would notice is shown on the message
        ("Rate-limited by the provider; retrying in 20 s.") while it lasts."""
        notice = exc.kind in RETRY_NOTICE_KINDS
        if notice:
            await self._show_error(book_id, message_id, exc.author_text(retry_in=delay))
        waited = await self._back_off(book_id, message_id, delay)
        if notice:
            await self._show_error(book_id, message_id, "")
        return waited

    async def _show_error(self, book_id: int, message_id: int, error: str) -> None:
        await run_shielded(self.store.set_message_error(message_id, error))
        await self.hub.publish(ChangeEvent(book_id))

    async def _attempt(
        self,
        book_id: int,
        message_id: int,
        model: str,
        call: ModelCall,
        text: str,
        totals: StreamStats,
    ) -> _AttemptResult:
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
            append=lambda piece: self._append(book_id, message_id, piece),
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
    ) -> _AttemptResult:
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
                return _AttemptResult(
                    flusher.text, owned, error, ending, refused=gate.refused
                )
            if self.stop_requested():
                await flusher.flush()
                return _AttemptResult(flusher.text, owned=False)
            if flusher.due() and not await flusher.flush():
                return _AttemptResult(flusher.text, owned=False)

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

    async def _append(self, book_id: int, message_id: int, piece: str) -> bool:
        """Log ``piece`` (may be empty) and renew the lease; False if not ours."""
        return await self.store.append_chunk(
            message_id,
            piece,
            book_id=book_id,
            owner=self.owner,
            lease_s=self.settings.lease_s,
        )

    async def _back_off(self, book_id: int, message_id: int, seconds: float) -> bool:
        """Wait before a retry, renewing the lease meanwhile so no other worker
        takes the book over; False if the author stopped it or it was lost."""
        deadline = time.monotonic() + seconds
        beat = self.settings.lease_s / 3
        next_beat = time.monotonic() + beat
        while (left := deadline - time.monotonic()) > 0:
            if self.stop_requested():
                return False
            if time.monotonic() >= next_beat:
                if not await run_shielded(self._append(book_id, message_id, "")):
                    return False
                next_beat = time.monotonic() + beat
            await asyncio.sleep(min(0.1, left))  # notice a stop within 0.1 s
        return not self.stop_requested()

    async def _finish(
        self,
        message_id: int,
        status: MessageStatus,
        stats: StreamStats,
        text: str,
        error: str = "",
    ) -> StreamOutcome:
        """Fold the chunk log and give the message its final status."""
        folded = await run_shielded(
            self.store.finish_message(
                message_id,
                status=status,
                error=error,
                prompt_tokens=stats.prompt_tokens,
                completion_tokens=stats.completion_tokens,
                usage_estimated=stats.usage_estimated,
            )
        )
        # None only if the message was deleted meanwhile: report what we wrote.
        return StreamOutcome(status, text if folded is None else folded, error)


def _log_failure(message_id: int, exc: ProviderError, attempt: int) -> None:
    """The provider's raw text goes to the server log, and only there."""
    log.warning(
        "provider call failed (message %s, attempt %s, %s): %s",
        message_id,
        attempt + 1,
        exc.kind,
        exc,
    )


def _estimate_missing_usage(
    stats: StreamStats, prompt: list[ChatMessage], written: str
) -> None:
    """Servers that report no usage still count against the daily allowance."""
    if not stats.completion_tokens and written:
        stats.completion_tokens = estimate_tokens(written)
        stats.usage_estimated = True
        if not stats.prompt_tokens:
            stats.prompt_tokens = sum(estimate_tokens(m["content"]) for m in prompt)

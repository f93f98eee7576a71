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
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bookgen.config import Settings
from bookgen.generation.hub import Hub, TextEvent
from bookgen.generation.seam import HOLD_CHARS, join_seam
from bookgen.llm import ChatMessage, LLMProvider, ProviderError, StreamStats
from bookgen.llm.provider import StreamInterrupted
from bookgen.storage.models import MessageStatus
from bookgen.storage.store import Store

__all__ = ["MessageStreamer", "StreamOutcome", "backoff_delay", "run_shielded"]

T = TypeVar("T")

_END = object()


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


async def _take(queue: asyncio.Queue[object], timeout: float) -> list[object]:
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


def _take_nowait(queue: asyncio.Queue[object]) -> list[object]:
    items = []
    while not queue.empty():
        items.append(queue.get_nowait())
    return items


@dataclass
class _Attempt:
    text: str
    owned: bool
    error: ProviderError | None = None


class _Seam:
    """Holds the head of a continuation until it can be joined to the text before it."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.joined = not prefix
        self.held: list[str] = []

    def feed(self, piece: str) -> str:
        if self.joined:
            return piece
        self.held.append(piece)
        return "" if sum(map(len, self.held)) < HOLD_CHARS else self.release()

    def release(self) -> str:
        if self.joined:
            return ""
        self.joined = True
        return join_seam(self.prefix, "".join(self.held))


@dataclass
class StreamOutcome:
    status: MessageStatus
    text: str
    error: str = ""


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
        prompt: list[ChatMessage],
        continue_prompt: Callable[[str], list[ChatMessage]],
        text_so_far: str = "",
    ) -> StreamOutcome:
        """Stream until the message is complete, stopped, or failed for good."""
        text = text_so_far
        stats = StreamStats()
        attempt = 0
        status, error = MessageStatus.STOPPED, ""
        try:
            while True:
                messages = continue_prompt(text) if text else prompt
                result = await self._attempt(
                    book_id, message_id, model, messages, text, stats
                )
                text = result.text
                exc = result.error
                if not result.owned or self.stop_requested():
                    break
                if exc is None:
                    status = MessageStatus.COMPLETE
                    break
                if not exc.retryable or attempt >= self.settings.max_retries:
                    status = (
                        MessageStatus.INTERRUPTED
                        if isinstance(exc, StreamInterrupted)
                        else MessageStatus.ERROR
                    )
                    error = str(exc)
                    break
                delay = backoff_delay(attempt, exc.retry_after)
                if not await self._back_off(book_id, message_id, delay):
                    break
                attempt += 1
        except asyncio.CancelledError:
            await self._finish(
                message_id,
                MessageStatus.INTERRUPTED,
                stats,
                "Interrupted by a server restart; it continues on the next start.",
            )
            raise
        return await self._finish(message_id, status, stats, error)

    async def _attempt(
        self,
        book_id: int,
        message_id: int,
        model: str,
        messages: list[ChatMessage],
        text: str,
        stats: StreamStats,
    ) -> _Attempt:
        """One provider call, flushing as it goes; never raises for provider faults.

        A continuation's head is held at the seam until it can be joined; if
        the attempt fails first, the held text is dropped rather than guessed
        at (a fragment of a repeated tail would be glued on twice): the retry
        asks for it again.
        """
        seam = _Seam(text)
        pending: list[str] = []
        pending_since = 0.0  # wall time the oldest pending text was received
        last_flush = 0.0
        interval = self.settings.flush_interval_s
        queue: asyncio.Queue[object] = asyncio.Queue()
        beat, stall = self.settings.lease_s / 3, self.settings.stall_timeout_s
        progress = [time.monotonic()]  # when the provider last sent something
        reader = asyncio.create_task(
            self._read(messages, model, stats, queue, progress)
        )

        def add(piece: str) -> None:
            nonlocal pending_since
            if piece:
                if not pending:
                    pending_since = time.time()
                pending.append(piece)

        async def flush(draining: bool = False) -> bool:
            nonlocal text, last_flush
            piece = "".join(pending)
            pending.clear()
            last_flush = time.monotonic()
            offset = len(text)
            text += piece
            if piece:  # viewers first: the database write must not delay them
                event = TextEvent(book_id, message_id, offset, piece, pending_since)
                await self.hub.publish(event)
            # The chunk log writes in its own task, so a cancelled flush still
            # lands; while draining we also wait for it, whatever happens.
            append = self._append(book_id, message_id, piece)
            return await (run_shielded(append) if draining else append)

        try:
            while True:
                if pending:
                    # Inside a window: sleep to its end, then take all that came
                    # (one wake-up per window, not one per token).
                    await asyncio.sleep(
                        max(last_flush + interval - time.monotonic(), 0)
                    )
                    batch = _take_nowait(queue)
                else:
                    batch = await _take(queue, min(beat, stall / 4))
                if not batch and time.monotonic() - progress[0] > stall:
                    reader.cancel()  # the provider went quiet: a stalled attempt
                    batch = [StreamInterrupted(f"no data for {stall:g} s")]
                for item in batch:
                    if isinstance(item, str):
                        add(seam.feed(item))
                end = batch[-1] if batch and not isinstance(batch[-1], str) else None
                if end is _END:
                    add(seam.release())
                if end is not None:
                    owned = await flush()
                    error = end if isinstance(end, ProviderError) else None
                    return _Attempt(text, owned, error)
                if self.stop_requested():
                    await flush()
                    return _Attempt(text, False)
                since = time.monotonic() - last_flush
                if (
                    since >= interval if pending else since >= beat
                ) and not await flush():
                    return _Attempt(text, False)
        except asyncio.CancelledError:
            # Drain: what already arrived reaches the database before we go.
            for item in _take_nowait(queue):
                if isinstance(item, str):
                    add(seam.feed(item))
            if pending:
                await flush(draining=True)
            # Everything published is in the database before we go.
            await run_shielded(self.store.settle_writes())
            raise
        finally:
            reader.cancel()
            # Wait for the reader without taking on its cancellation: a
            # cancellation of this task must still propagate.
            await asyncio.wait([reader])

    async def _read(
        self,
        messages: list[ChatMessage],
        model: str,
        stats: StreamStats,
        queue: asyncio.Queue[object],
        progress: list[float],
    ) -> None:
        """Producer: provider chunks into the queue, noting when each arrived.

        The stall timeout is watched by the consumer from ``progress``: a timer
        per token would cost more than the token.
        """
        stream: AsyncIterator[str] = self.provider.stream(
            messages, model=model, stats=stats
        )
        try:
            async for piece in stream:
                progress[0] = time.monotonic()
                queue.put_nowait(piece)
            queue.put_nowait(_END)
        except ProviderError as exc:
            queue.put_nowait(exc)
        except Exception as exc:
            queue.put_nowait(StreamInterrupted(f"unexpected: {exc!r}"))
        finally:
            # Closing a broken stream may fail again; its error is already known.
            with contextlib.suppress(Exception):
                await stream.aclose()  # type: ignore[attr-defined]

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
        error: str = "",
    ) -> StreamOutcome:
        text = await run_shielded(
            self.store.finish_message(
                message_id,
                status=status,
                error=error,
                prompt_tokens=stats.prompt_tokens,
                completion_tokens=stats.completion_tokens,
            )
        )
        return StreamOutcome(status, text, error)

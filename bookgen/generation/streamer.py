"""The chunk loop: one assistant message from provider to database and viewers.

Text is flushed on the leading edge and then at most once per flush interval:
each flush is one database transaction (chunk row + lease heartbeat) and one
hub event. Provider failures are retried from the text written so far with a
continuation prompt, so attempts never restart or concatenate.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from bookgen.config import Settings
from bookgen.generation.hub import Hub, TextEvent
from bookgen.generation.seam import HOLD_CHARS, join_seam
from bookgen.llm import ChatMessage, LLMProvider, ProviderError, StreamStats
from bookgen.llm.provider import StreamInterrupted
from bookgen.storage.models import MessageStatus
from bookgen.storage.store import Store

__all__ = ["MessageStreamer", "StreamOutcome", "backoff_delay"]

_END = object()


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
        while True:
            messages = continue_prompt(text) if text else prompt
            result = await self._attempt(
                book_id, message_id, model, messages, text, stats
            )
            text = result.text
            if not result.owned or self.stop_requested():
                return await self._finish(message_id, MessageStatus.STOPPED, stats)
            exc = result.error
            if exc is None:
                return await self._finish(message_id, MessageStatus.COMPLETE, stats)
            if not exc.retryable or attempt >= self.settings.max_retries:
                status = (
                    MessageStatus.INTERRUPTED
                    if isinstance(exc, StreamInterrupted)
                    else MessageStatus.ERROR
                )
                return await self._finish(message_id, status, stats, str(exc))
            await self._sleep_unless_stopped(backoff_delay(attempt, exc.retry_after))
            attempt += 1

    async def _attempt(
        self,
        book_id: int,
        message_id: int,
        model: str,
        messages: list[ChatMessage],
        text: str,
        stats: StreamStats,
    ) -> _Attempt:
        """One provider call, flushing as it goes; never raises for provider faults."""
        seam = _Seam(text)
        pending: list[str] = []
        last_flush = 0.0
        interval = self.settings.flush_interval_s
        queue: asyncio.Queue[object] = asyncio.Queue()
        reader = asyncio.create_task(self._read(messages, model, stats, queue))

        async def flush() -> bool:
            nonlocal text, last_flush
            piece = "".join(pending)
            pending.clear()
            last_flush = time.monotonic()
            offset = len(text)
            owned = await self.store.append_chunk(
                message_id,
                piece,
                book_id=book_id,
                owner=self.owner,
                lease_s=self.settings.lease_s,
            )
            text += piece
            if piece:
                await self.hub.publish(TextEvent(book_id, message_id, offset, piece))
            return owned

        try:
            while True:
                wait = last_flush + interval - time.monotonic() if pending else None
                try:
                    item = await asyncio.wait_for(
                        queue.get(),
                        max(wait, 0.0)
                        if wait is not None
                        else self.settings.lease_s / 3,
                    )
                except TimeoutError:
                    item = None  # a flush is due, or a heartbeat
                if item is _END or isinstance(item, ProviderError):
                    pending.append(seam.release())
                    owned = await flush()
                    error = item if isinstance(item, ProviderError) else None
                    return _Attempt(text, owned, error)
                if isinstance(item, str) and (piece := seam.feed(item)):
                    pending.append(piece)
                if self.stop_requested():
                    await flush()
                    return _Attempt(text, False)
                due = time.monotonic() - last_flush >= interval
                if (item is None or (pending and due)) and not await flush():
                    return _Attempt(text, False)
        finally:
            reader.cancel()
            with contextlib.suppress(BaseException):
                await reader

    async def _read(
        self,
        messages: list[ChatMessage],
        model: str,
        stats: StreamStats,
        queue: asyncio.Queue[object],
    ) -> None:
        """Producer: provider chunks into the queue, guarded by the stall timeout."""
        stream: AsyncIterator[str] = self.provider.stream(
            messages, model=model, stats=stats
        )
        try:
            while True:
                try:
                    piece = await asyncio.wait_for(
                        anext(stream), self.settings.stall_timeout_s
                    )
                except StopAsyncIteration:
                    break
                except TimeoutError:
                    raise StreamInterrupted(
                        f"no data for {self.settings.stall_timeout_s:g} s"
                    ) from None
                queue.put_nowait(piece)
            queue.put_nowait(_END)
        except ProviderError as exc:
            queue.put_nowait(exc)
        except Exception as exc:
            queue.put_nowait(StreamInterrupted(f"unexpected: {exc!r}"))
        finally:
            with contextlib.suppress(Exception):
                await stream.aclose()  # type: ignore[attr-defined]

    async def _finish(
        self,
        message_id: int,
        status: MessageStatus,
        stats: StreamStats,
        error: str = "",
    ) -> StreamOutcome:
        text = await self.store.finish_message(
            message_id,
            status=status,
            error=error,
            prompt_tokens=stats.prompt_tokens,
            completion_tokens=stats.completion_tokens,
        )
        return StreamOutcome(status, text, error)

    async def _sleep_unless_stopped(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self.stop_requested():
            await asyncio.sleep(min(0.1, deadline - time.monotonic()))

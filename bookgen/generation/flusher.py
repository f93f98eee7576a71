"""Text on its way out of the chunk loop: to the viewers, then the chunk log.

Split from the streamer so the flush policy (leading edge, one flush per
interval, a heartbeat when idle) can be read on its own. ``run_shielded``
lives here because every write the streamer makes goes through it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bookgen import metrics
from bookgen.generation.hub import Hub, TextEvent

__all__ = ["Flusher", "run_shielded"]

T = TypeVar("T")


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

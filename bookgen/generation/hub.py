"""Fan-out of live text to every viewer of a book, inside one process.

The generation service publishes; each open page subscribes. A Redis-backed
hub with the same interface carries events between worker processes.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

__all__ = ["ChangeEvent", "Event", "Hub", "LocalHub", "TextEvent"]


@dataclass(frozen=True)
class TextEvent:
    """``text`` starts at code-point ``offset`` of message ``message_id``."""

    book_id: int
    message_id: int
    offset: int
    text: str
    # Wall-clock time the provider produced the first of these words (metrics).
    at: float = 0.0


@dataclass(frozen=True)
class ChangeEvent:
    """Something other than text changed (status, a new message): reload it."""

    book_id: int


Event = TextEvent | ChangeEvent


class Hub(Protocol):
    """What the service publishes to and each open page subscribes to."""

    async def publish(self, event: Event) -> None:
        """Send ``event`` to every subscriber of its book, in every process."""
        ...

    def subscribe(
        self, book_id: int
    ) -> AbstractAsyncContextManager[asyncio.Queue[Event]]:
        """``async with hub.subscribe(book_id) as queue``: the book's events."""
        ...

    async def close(self) -> None:
        """Release connections; the hub is not used afterwards."""
        ...


class LocalHub:
    """In-process queues, one per subscriber; never blocks the publisher."""

    def __init__(self) -> None:
        self._subscribers: dict[int, set[asyncio.Queue[Event]]] = defaultdict(set)

    async def publish(self, event: Event) -> None:
        self.deliver(event)

    def deliver(self, event: Event) -> None:
        for queue in list(self._subscribers.get(event.book_id, ())):
            queue.put_nowait(event)

    @asynccontextmanager
    async def subscribe(self, book_id: int) -> AsyncIterator[asyncio.Queue[Event]]:
        queue: asyncio.Queue[Event] = asyncio.Queue()
        self._subscribers[book_id].add(queue)
        try:
            yield queue
        finally:
            self._subscribers[book_id].discard(queue)
            if not self._subscribers[book_id]:
                del self._subscribers[book_id]

    def subscriber_count(self, book_id: int) -> int:
        return len(self._subscribers.get(book_id, ()))

    async def close(self) -> None:
        """Nothing to release: the queues go with their subscribers."""

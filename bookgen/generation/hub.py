"""Fan-out of live text to every viewer of a book, inside one process.

The generation service publishes; each open page subscribes. A Redis-backed
hub with the same interface carries events between worker processes.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

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


class Hub:
    """Interface of a hub; see LocalHub."""

    async def publish(self, event: Event) -> None:
        raise NotImplementedError

    def subscribe(self, book_id: int) -> AsyncIterator[asyncio.Queue[Event]]:
        raise NotImplementedError

    async def close(self) -> None:
        return None


class LocalHub(Hub):
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

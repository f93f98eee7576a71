"""A hub that crosses worker processes through Redis pub/sub.

Each process keeps a LocalHub for its own viewers and one Redis subscription;
a published event goes to Redis once and every process delivers it locally.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis

from bookgen.generation.hub import ChangeEvent, Event, LocalHub, TextEvent

__all__ = ["RedisHub"]

log = logging.getLogger(__name__)
CHANNEL = "bookgen:book:"


def encode(event: Event) -> str:
    if isinstance(event, TextEvent):
        return json.dumps(["t", event.message_id, event.offset, event.text, event.at])
    return json.dumps(["c"])


def decode(book_id: int, raw: str | bytes) -> Event:
    data = json.loads(raw)
    if data[0] == "t":
        return TextEvent(
            book_id, int(data[1]), int(data[2]), str(data[3]), float(data[4])
        )
    return ChangeEvent(book_id)


class RedisHub:
    """Publishes to Redis; one listener per process delivers to local viewers."""

    def __init__(self, url: str) -> None:
        self.redis = aioredis.from_url(url)
        self.local = LocalHub()
        self._listener: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def publish(self, event: Event) -> None:
        await self.redis.publish(f"{CHANNEL}{event.book_id}", encode(event))

    @asynccontextmanager
    async def subscribe(self, book_id: int) -> AsyncIterator[asyncio.Queue[Event]]:
        await self._ensure_listener()
        async with self.local.subscribe(book_id) as queue:
            yield queue

    async def _ensure_listener(self) -> None:
        if self._listener is None or self._listener.done():
            self._ready.clear()
            self._listener = asyncio.get_running_loop().create_task(self._listen())
        await self._ready.wait()

    async def _listen(self) -> None:
        """Deliver every book's events to this process's viewers; reconnect on loss."""
        while True:
            try:
                pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
                await pubsub.psubscribe(f"{CHANNEL}*")
                self._ready.set()
                async for msg in pubsub.listen():
                    if msg.get("type") != "pmessage":
                        continue
                    channel = msg["channel"]
                    if isinstance(channel, bytes):
                        channel = channel.decode()
                    book_id = int(channel.rsplit(":", 1)[1])
                    self.local.deliver(decode(book_id, msg["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("redis hub listener failed; reconnecting")
                await asyncio.sleep(1.0)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(BaseException):
                await self._listener
        await self.redis.aclose()

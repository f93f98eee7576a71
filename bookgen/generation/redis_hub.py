"""A hub that crosses worker processes through Redis pub/sub.

Each process keeps a LocalHub for its own viewers and one Redis subscription;
a published event goes to Redis once and every process delivers it locally.

With a hundred streams each flushing ten times a second, one round trip per
event would cost the worker more than the push itself: events published while
a send is in flight wait and go together, in order, in one pipeline (the same
group commit as the chunk log). A process decodes only the events of books it
has viewers for.
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
        self._outbox: list[tuple[str, str, asyncio.Future[None]]] = []
        self._sender: asyncio.Task[None] | None = None
        self.sends = 0  # round trips to Redis for publishing (tests, benchmark)

    async def publish(self, event: Event) -> None:
        """Returns once Redis has the event (raises if it could not be sent)."""
        loop = asyncio.get_running_loop()
        sent: asyncio.Future[None] = loop.create_future()
        self._outbox.append((f"{CHANNEL}{event.book_id}", encode(event), sent))
        if self._sender is None or self._sender.done():
            self._sender = loop.create_task(self._send())
        await sent

    async def _send(self) -> None:
        """Send what waits, one pipeline at a time, until nothing waits."""
        while self._outbox:
            batch, self._outbox = self._outbox, []
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for channel, data, _ in batch:
                        pipe.publish(channel, data)
                    await pipe.execute()
                self.sends += 1
            except BaseException as exc:  # every waiter learns, none is left hanging
                error = exc if isinstance(exc, Exception) else RuntimeError(exc)
                cancelled = not isinstance(exc, Exception)
                for _, _, sent in batch + (self._outbox if cancelled else []):
                    if not sent.done():
                        sent.set_exception(error)
                if cancelled:
                    self._outbox = []
                    raise
                continue
            for _, _, sent in batch:
                if not sent.done():
                    sent.set_result(None)

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
                    if self.local.subscriber_count(book_id):
                        self.local.deliver(decode(book_id, msg["data"]))
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("redis hub listener failed; reconnecting")
                await asyncio.sleep(1.0)

    async def close(self) -> None:
        if self._sender is not None:
            self._sender.cancel()
            with contextlib.suppress(BaseException):
                await self._sender
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(BaseException):
                await self._listener
        await self.redis.aclose()

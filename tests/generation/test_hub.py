"""The hubs: both conform to the Hub protocol (pyright checks the assignments);
the Redis hub carries events between processes through a real Redis."""

from __future__ import annotations

import asyncio
import os

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from bookgen.generation.hub import ChangeEvent, Event, Hub, LocalHub, TextEvent
from bookgen.generation.redis_hub import RedisHub


def conforming_hubs() -> list[Hub]:
    """Typed as Hub: pyright fails here if either hub stops conforming."""
    return [LocalHub(), RedisHub("redis://127.0.0.1:6379/13")]


async def test_a_subscriber_gets_its_books_events_in_order():
    hub: Hub = LocalHub()
    async with hub.subscribe(1) as queue, hub.subscribe(2) as other:
        events: list[Event] = [TextEvent(1, 7, 0, "Once"), ChangeEvent(1)]
        for event in events:
            await hub.publish(event)
        await hub.publish(ChangeEvent(2))
        received = [queue.get_nowait() for _ in range(queue.qsize())]
        assert received == events
        assert other.get_nowait() == ChangeEvent(2)
        assert isinstance(queue, asyncio.Queue)
    await hub.close()


async def test_leaving_unsubscribes():
    hub = LocalHub()
    async with hub.subscribe(1):
        assert hub.subscriber_count(1) == 1
    assert hub.subscriber_count(1) == 0


async def test_redis_hub_builds_without_connecting():
    hubs = conforming_hubs()
    assert [type(h).__name__ for h in hubs] == ["LocalHub", "RedisHub"]
    for hub in hubs:
        await hub.close()


# A Redis database these tests may use (set it when others share the server).
REDIS_URL = os.environ.get("BOOKGEN_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


async def test_redis_hub_batches_publishes_and_keeps_each_books_order():
    """Two hubs on one Redis, as two workers: every event arrives, in order,
    and events published together share round trips."""
    sender, receiver = RedisHub(REDIS_URL), RedisHub(REDIS_URL)
    try:
        async with receiver.subscribe(1) as one, receiver.subscribe(2) as two:
            sent: dict[int, list[Event]] = {
                book: [TextEvent(book, 9, k, f"w{k} ", float(k)) for k in range(100)]
                + [ChangeEvent(book)]
                for book in (1, 2)
            }

            async def stream(book: int) -> None:
                for event in sent[book]:
                    await sender.publish(event)

            await asyncio.gather(stream(1), stream(2))
            got = {1: await take(one, 101), 2: await take(two, 101)}
            assert got == sent
            assert sender.sends < 202
    finally:
        await sender.close()
        await receiver.close()


async def test_redis_hub_publish_fails_loudly_without_redis():
    hub = RedisHub("redis://127.0.0.1:1/0")  # nothing listens on port 1
    try:
        for _ in range(2):  # and the next publish is not left hanging either
            with pytest.raises(RedisConnectionError):
                await asyncio.wait_for(hub.publish(ChangeEvent(1)), 10)
    finally:
        await hub.close()


async def take(queue: asyncio.Queue[Event], count: int) -> list[Event]:
    return [await asyncio.wait_for(queue.get(), 10) for _ in range(count)]

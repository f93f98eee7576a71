"""The hubs: both conform to the Hub protocol (pyright checks the assignments)."""

from __future__ import annotations

import asyncio

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

"""Live fan-out: one hub subscription per book per worker, shared by its tabs.

Pushing each chunk through every tab's state (lock, load, diff, save) costs a
full state round trip per viewer. Instead a chunk becomes one small delta for
the live var, encoded once and sent to every viewing tab's socket (a socket.io
room, see LiveTransport); other changes reload the book's overview once per
worker and wake every tab's watcher. Nothing here imports Reflex: the transport
that speaks its protocol lives in reflex_bridge.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from dataclasses import dataclass
from typing import Protocol

from bookgen import metrics
from bookgen.generation.hub import ChangeEvent, Event, Hub, TextEvent
from bookgen.storage.store import BookOverview, Store

__all__ = [
    "BookChannel",
    "Channels",
    "LiveChunk",
    "LiveTransport",
    "coalesce",
    "live_value",
    "parse_live",
]

log = logging.getLogger(__name__)

_JOINING = "\x00joining"  # placeholder member while a tab is being added


class LiveTransport(Protocol):
    """Where deltas go: the tabs of a book that are connected to this worker."""

    async def add(self, book_id: int, token: str) -> str | None:
        """Subscribe a tab; returns its member id (None if not connected here)."""

    async def remove(self, book_id: int, member: str) -> None: ...

    async def send(self, book_id: int, value: str) -> None:
        """One live value (see live_value) to every member of the book."""

    def connected(self, token: str) -> bool:
        """The tab is still connected to this worker."""
        ...


def coalesce(events: list[Event]) -> tuple[bool, TextEvent | None]:
    """Merge a burst of events: reload once, and join contiguous text."""
    reload, text = False, None
    for ev in events:
        if isinstance(ev, ChangeEvent):
            reload = True
        elif (
            text is not None
            and ev.message_id == text.message_id
            and ev.offset == text.offset + len(text.text)
        ):
            text = TextEvent(
                ev.book_id, ev.message_id, text.offset, text.text + ev.text, text.at
            )
        else:
            text = ev
    return reload, text


@dataclass(frozen=True)
class LiveChunk:
    """One live push, parsed: text of message ``key`` from code point ``offset``."""

    key: str
    offset: int
    text: str
    # When the provider produced it (ms since the epoch); benchmark mode only.
    at_ms: int | None = None


def live_value(
    message_id: int, offset: int, text: str, at_ms: int | None = None
) -> str:
    """``m<id>:<offset>:<text>``: one var, so a push repeats as little as possible.

    In benchmark mode the key carries the provider's timestamp,
    ``m<id>@<ms>:<offset>:<text>``, so no extra var exists in a normal run.
    """
    key = f"m{message_id}" if at_ms is None else f"m{message_id}@{at_ms}"
    return f"{key}:{offset}:{text}"


def parse_live(value: str) -> LiveChunk:
    """The inverse of live_value."""
    key, offset, text = value.split(":", 2)
    key, _, at = key.partition("@")
    return LiveChunk(key, int(offset), text, int(at) if at else None)


def chunk_value(text: TextEvent, with_timestamp: bool) -> str:
    """The live value for one coalesced chunk."""
    at_ms = round(text.at * 1000) if with_timestamp else None
    return live_value(text.message_id, text.offset, text.text, at_ms)


class BookChannel:
    """One book's live feed inside one worker process."""

    def __init__(
        self,
        book_id: int,
        *,
        hub: Hub,
        store: Store,
        transport: LiveTransport,
        timestamps: bool,
    ) -> None:
        self.book_id = book_id
        self.hub, self.store, self.transport = hub, store, transport
        self.timestamps = timestamps
        # Watchers per member (a refreshed tab's old watcher may linger a moment).
        self.members: Counter[str] = Counter()
        self.version = 0
        self.overview: BookOverview | None = None
        self._changed = asyncio.Condition()
        self._task: asyncio.Task | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._pump())
        await self._ready.wait()

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task

    async def wait_change(
        self, seen: int, timeout: float
    ) -> tuple[int, BookOverview] | None:
        """The next overview newer than version ``seen``, or None on timeout."""
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self.version > seen), timeout
                )
            if self.version > seen and self.overview is not None:
                return self.version, self.overview
        return None

    async def _pump(self) -> None:
        async with self.hub.subscribe(self.book_id) as queue:
            # Subscribed first, then read: nothing in between is missed.
            await self._reload()
            self._ready.set()
            while True:
                events = [await queue.get()]
                while not queue.empty():
                    events.append(queue.get_nowait())
                reload, text = coalesce(events)
                try:
                    if text is not None:
                        await self._push(text)
                    if reload:
                        await self._reload()
                except Exception:  # a viewer or database hiccup must not end the feed
                    log.exception("live feed for book %s failed", self.book_id)

    async def _push(self, text: TextEvent) -> None:
        await self.transport.send(self.book_id, chunk_value(text, self.timestamps))
        metrics.text_pushed(text.at)

    async def _reload(self) -> None:
        overview = await self.store.overview(self.book_id)
        async with self._changed:
            self.overview = overview
            self.version += 1
            self._changed.notify_all()


class Channels:
    """The channels of this worker, created on first viewer, dropped on last."""

    def __init__(
        self, *, hub: Hub, store: Store, transport: LiveTransport, timestamps: bool
    ) -> None:
        self.hub, self.store, self.transport = hub, store, transport
        self.timestamps = timestamps
        self._channels: dict[int, BookChannel] = {}
        # Each tab's current watch on this worker (its socket lives here): an
        # older watcher of the tab sees it has been replaced without a state
        # round trip.
        self._watches: dict[str, str] = {}

    def watching(self, token: str, watch_id: str) -> None:
        """The tab ``token`` now watches under ``watch_id``; older watches end."""
        self._watches[token] = watch_id

    def is_watching(self, token: str, watch_id: str) -> bool:
        return self._watches.get(token) == watch_id

    def done_watching(self, token: str, watch_id: str) -> None:
        if self._watches.get(token) == watch_id:
            del self._watches[token]

    async def join(self, book_id: int, token: str) -> tuple[BookChannel, str | None]:
        """Start (or share) the book's feed and add the tab to its members."""
        channel = self._channels.get(book_id)
        if channel is None:
            channel = self._channels[book_id] = BookChannel(
                book_id,
                hub=self.hub,
                store=self.store,
                transport=self.transport,
                timestamps=self.timestamps,
            )
        channel.members[_JOINING] += 1  # so a concurrent last leave keeps it
        try:
            member = await self.transport.add(book_id, token)
        finally:
            channel.members[_JOINING] -= 1
            if channel.members[_JOINING] <= 0:
                del channel.members[_JOINING]
        channel.members[member or ""] += 1
        await channel.start()
        return channel, member

    async def leave(self, book_id: int, member: str | None) -> None:
        channel = self._channels.get(book_id)
        if channel is None:
            return
        key = member or ""
        channel.members[key] -= 1
        if channel.members[key] <= 0:
            del channel.members[key]
            if member:
                await self.transport.remove(book_id, member)
        if not channel.members:
            del self._channels[book_id]
            await channel.stop()

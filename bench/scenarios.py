"""Benchmark scenarios, each against a running app, each returning figures."""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import dataclass, field

from bench import seed
from bench.naive_state import NaiveState
from bookgen import routes
from bookgen.state.live import parse_live
from bookgen.state.reflex_bridge import delta_key
from bookgen.storage.models import ACTIVE_STATUSES, BookStatus, MessageKind
from bookgen.storage.store import Store
from tests.support.reflex_client import BOOK_STATE, ReflexClient

__all__ = [
    "Lags",
    "chapter_bytes",
    "max_streams",
    "max_viewers",
    "naive_bytes",
    "percentile",
]

NAIVE_STATE = NaiveState.get_full_name()
LIVE = delta_key("live")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass
class Lags:
    """Token→viewer lag of every live push seen, and first-push latencies."""

    lags_ms: list[float] = field(default_factory=list)
    first_ms: list[float] = field(default_factory=list)
    intervals_ms: list[float] = field(default_factory=list)
    _last: dict[tuple[int, str], float] = field(default_factory=dict)
    _firsts: set[str] = field(default_factory=set)

    def attach(self, client: ReflexClient, record_intervals: bool = False) -> None:
        def on_delta(delta: dict, at: float) -> None:
            value = delta.get(BOOK_STATE, {}).get(LIVE)
            if not value:
                return  # not a push (e.g. the page's first snapshot)
            push = parse_live(value)
            if record_intervals:
                prev = self._last.get((id(client), push.key))
                if prev is not None:
                    self.intervals_ms.append((at - prev) * 1000)
                self._last[(id(client), push.key)] = at
            if push.at_ms is None:
                return  # timestamps are off: bytes are being measured
            lag = time.time() * 1000 - push.at_ms
            self.lags_ms.append(lag)
            if push.offset == 0 and push.key not in self._firsts:
                self._firsts.add(push.key)
                self.first_ms.append(lag)

        client.on_delta = on_delta


async def open_viewers(url: str, path: str, count: int) -> list[ReflexClient]:
    clients = [ReflexClient(url) for _ in range(count)]
    for i in range(0, count, 25):  # connect in batches, like people arriving
        await asyncio.gather(*(c.open(path) for c in clients[i : i + 25]))
    return clients


async def close_all(clients: list[ReflexClient]) -> None:
    await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)


async def stop_books(store: Store, book_ids: list[int]) -> None:
    for book_id in book_ids:
        await store.transition(
            book_id, from_statuses=ACTIVE_STATUSES, to_status=BookStatus.STOPPED
        )


@dataclass
class ChapterBytes:
    """One chapter streamed to one viewer: its text and the figures measured."""

    text: str
    figures: dict[str, float]


async def chapter_bytes(url: str, store: Store, words: int) -> ChapterBytes:
    """One viewer, one chapter: wire bytes per text byte, cadence, writes."""
    book_id = await seed.writing_book(store, 0, words)
    viewer = ReflexClient(url)
    lags = Lags()
    lags.attach(viewer, record_intervals=True)
    started_at_bytes = None

    def chapter_streaming() -> bool:
        chapters = viewer.var(BOOK_STATE, "chapters") or []
        return bool(chapters) and chapters[0]["is_streaming"] is True

    await viewer.open(routes.book_url(book_id))
    await viewer.wait_for(chapter_streaming, 60)
    started_at_bytes = viewer.wire_bytes
    writes = 0
    while chapter_streaming():
        writes = max(writes, await store.chunk_count())
        await asyncio.sleep(0.2)
    received = viewer.wire_bytes - started_at_bytes
    await viewer.wait_for(
        lambda: viewer.var(BOOK_STATE, "status") == BookStatus.COMPLETE, 120
    )
    await viewer.close()
    snap = await store.snapshot(book_id)
    assert snap is not None
    text = next(m.content for m in snap.messages if m.kind == MessageKind.CHAPTER)
    return ChapterBytes(
        text,
        {
            "ws_bytes_per_text_byte": received / len(text.encode()),
            "push_interval_ms_p50": percentile(lags.intervals_ms, 50),
            "push_interval_ms_p95": percentile(lags.intervals_ms, 95),
            "db_writes_per_stream_s": writes / (words / 30.0),
            "chunk_rows_after_complete": await store.chunk_count(),
        },
    )


async def first_pushes(url: str, store: Store, count: int, n0: int) -> list[float]:
    """Provider's first token to the viewer, one quiet generation at a time."""
    out: list[float] = []
    for i in range(count):
        book_id = await seed.writing_book(store, n0 + i, 300)
        viewer = ReflexClient(url)
        lags = Lags()
        lags.attach(viewer)
        await viewer.open(routes.book_url(book_id))
        try:
            await viewer.wait_for(lambda lags=lags: bool(lags.first_ms), 30)
            out += lags.first_ms
        finally:
            await stop_books(store, [book_id])
            await viewer.close()
    return out


async def naive_bytes(url: str, text: str, words_per_second: float) -> float:
    """The same text through a plain growing ``str`` var, bytes per text byte."""
    viewer = ReflexClient(url)
    await viewer.open("/")
    start = viewer.wire_bytes
    await viewer.emit(
        f"{NAIVE_STATE}.stream",
        {"text": text, "words_per_second": words_per_second, "flush_ms": 100},
    )
    await viewer.wait_for(lambda: viewer.var(NAIVE_STATE, "done") is True, 600)
    received = viewer.wire_bytes - start
    await viewer.close()
    return received / len(text.encode())


async def lag_p95(
    url: str, store: Store, streams: int, viewers: int, window_s: float, n0: int
) -> tuple[float, list[float]]:
    """p95 token→viewer lag with ``streams`` books each watched by ``viewers``."""
    book_ids = [await seed.writing_book(store, n0 + i, 3000) for i in range(streams)]
    lags = Lags()
    clients: list[ReflexClient] = []
    try:
        for book_id in book_ids:
            batch = await open_viewers(url, routes.book_url(book_id), viewers)
            for c in batch:
                lags.attach(c)
            clients += batch
        await asyncio.sleep(2.0)  # every stream under way
        lags.lags_ms.clear()
        await asyncio.sleep(window_s)
        return percentile(lags.lags_ms, 95), lags.first_ms
    finally:
        await stop_books(store, book_ids)
        await close_all(clients)
        await asyncio.sleep(1.0)


async def max_streams(
    url: str, store: Store, levels: list[int], window_s: float, n0: int
) -> tuple[int, dict[int, float], list[float]]:
    """The most concurrent generations (3 viewers each) with p95 lag ≤ 250 ms."""
    best, seen, firsts = 0, {}, []
    for i, n in enumerate(levels):
        p95, first = await lag_p95(url, store, n, 3, window_s, n0 + 1000 * i)
        seen[n], firsts = round(p95, 1), firsts + first
        if p95 > 250:
            break
        best = n
    return best, seen, firsts


async def max_viewers(
    url: str, store: Store, levels: list[int], window_s: float, n0: int
) -> tuple[int, dict[int, float]]:
    """The most viewers of one streaming book with p95 lag ≤ 250 ms."""
    best, seen = 0, {}
    for i, n in enumerate(levels):
        p95, _ = await lag_p95(url, store, 1, n, window_s, n0 + 1000 * i)
        seen[n] = round(p95, 1)
        if p95 > 250:
            break
        best = n
    return best, seen


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")

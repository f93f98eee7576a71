"""Process-level fixtures: the real app in a subprocess, headless socket clients."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from bookgen.storage.db import make_engine
from bookgen.storage.store import BookSnapshot, Store
from tests.support.reflex_client import DASHBOARD_STATE, ReflexClient

# A Redis database the system tests may flush: set it when others share the server.
REDIS_URL = os.environ.get("BOOKGEN_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
# System tests are about streaming, races and workers, not accounts (tests/auth
# covers those): the app runs single-author, as on a laptop (BOOKGEN_AUTH=off).
SINGLE_AUTHOR = "off"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


async def wait_until(
    check: Callable[[], Awaitable[bool]], what: str, timeout: float = 20.0
) -> None:
    """Await ``check`` until it holds; fail naming ``what`` after ``timeout`` s."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        await asyncio.sleep(0.05)


async def create_book(base_url: str, chapters: int = 1, words: int = 600) -> int:
    """Create a book through the dashboard's real event handler; return its id."""
    client = ReflexClient(base_url)
    await client.open("/")
    before = {b["id"] for b in client.var(DASHBOARD_STATE, "books", [])}
    form = {
        "title": "The Night Ferry",
        "premise": "A ferry pilot carries one last passenger across a frozen strait.",
        "chapters": str(chapters),
        "words": str(words),
    }
    await client.emit(f"{DASHBOARD_STATE}.create_book", {"form_data": form}, "/")
    await client.emit(f"{DASHBOARD_STATE}.load_books", {}, "/")
    await client.wait_for(
        lambda: {b["id"] for b in client.var(DASHBOARD_STATE, "books", [])} - before,
        30,
    )
    new = {b["id"] for b in client.var(DASHBOARD_STATE, "books", [])} - before
    await client.close()
    return int(new.pop())


async def wait_snapshot(
    store: Store,
    book_id: int,
    predicate: Callable[[BookSnapshot], bool],
    timeout: float,
) -> BookSnapshot:
    """Poll the database until ``predicate`` holds for the book."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        snap = await store.snapshot(book_id)
        if snap is not None and predicate(snap):
            return snap
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"book {book_id}: condition not met; last {snap}")
        await asyncio.sleep(0.1)


@pytest.fixture
def sqlite_db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'app.db'}"


@pytest.fixture
async def store_for():
    engines = []

    def make(url: str) -> Store:
        engine = make_engine(url)
        engines.append(engine)
        return Store(engine)

    yield make
    for engine in engines:
        await engine.dispose()

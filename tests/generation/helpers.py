"""Building a real service over a real database, with the offline model."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from bookgen.config import Settings
from bookgen.generation.forms import BookForm
from bookgen.generation.hub import LocalHub
from bookgen.generation.service import GenerationService
from bookgen.llm import LLMProvider, make_provider
from bookgen.storage.store import BookSnapshot, Store

FAST = Settings(offline_words_per_second=0, flush_interval_s=0.01, max_retries=2)


def make_service(
    store: Store,
    provider: LLMProvider | None = None,
    *,
    owner: str | None = None,
    **overrides: object,
) -> GenerationService:
    settings = FAST.model_copy(update=overrides)
    return GenerationService(
        store=store,
        provider=provider or make_provider(settings),
        hub=LocalHub(),
        settings=settings,
        owner=owner,
    )


def form(chapters: int = 2, words: int = 300, **kw: object) -> BookForm:
    data = {
        "title": "The Lighthouse Keeper",
        "premise": "A lighthouse keeper on a remote island finds a message in a "
        "bottle that predicts storms before they happen.",
        "genre": "mystery",
        "tone": "quiet and eerie",
        "chapters": chapters,
        "words": words,
        **kw,
    }
    return BookForm.parse(data)


async def wait_until(
    condition: Callable[[], Awaitable[bool]], timeout: float = 10.0
) -> None:
    """Poll ``condition`` until it holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, "timed out waiting for the condition"
        await asyncio.sleep(0.01)


async def book_of(store: Store, book_id: int) -> BookSnapshot:
    snap = await store.snapshot(book_id)
    assert snap is not None
    return snap


async def new_book_id(
    service: GenerationService, chapters: int = 2, words: int = 300
) -> int:
    book = await service.create_book(form(chapters=chapters, words=words))
    assert book.id is not None
    return book.id

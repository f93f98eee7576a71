"""Writing one spec'd book headless through the real generation service.

The only module of the eval that knows the service's API: create the book,
run it to its outline, approve whatever came back, run it to the end.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from bookgen.config import Settings
from bookgen.eval.specs import BookSpec
from bookgen.eval.usage import UsageEstimator
from bookgen.generation.hub import LocalHub
from bookgen.generation.service import GenerationService
from bookgen.llm import make_provider
from bookgen.storage.db import make_engine, migrate_to_head
from bookgen.storage.models import BookStatus, MessageKind, MessageStatus, Role
from bookgen.storage.store import Store

__all__ = ["BookRun", "ChapterRun", "eval_service", "eval_settings", "write_book"]

# What the eval's "author" does with an outline that cannot be approved.
AUTHOR_REJECTIONS = 2
REJECTION = "Write the outline with one entry per chapter, as asked."


@dataclass(frozen=True)
class ChapterRun:
    """The latest complete text of one chapter and what it cost."""

    number: int
    text: str
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True)
class BookRun:
    """Everything the metrics need from one written (or failed) book."""

    spec: BookSpec
    model: str
    status: str  # the book's final status, or "timeout"
    outline: str
    chapters: tuple[ChapterRun, ...]
    # Every assistant message: outline, chapters and summaries.
    prompt_tokens: int
    completion_tokens: int
    wall_s: float
    error: str = ""
    # Some calls sent no usage: their tokens are estimated (≈ 4 characters each).
    tokens_estimated: bool = False


def eval_settings(base: Settings, database_url: str) -> Settings:
    """The environment's settings, on a scratch database and an in-process hub.

    The offline model writes instantly unless ``BOOKGEN_OFFLINE_WPS`` is set:
    the eval measures what is written, not the demo pace.
    """
    pace = base.offline_words_per_second
    if not os.environ.get("BOOKGEN_OFFLINE_WPS", "").strip():
        pace = 0.0
    # A harness, not a team: no per-user caps (a timed-out book may still run).
    return base.model_copy(
        update={
            "database_url": database_url,
            "redis_url": "",
            "offline_words_per_second": pace,
            "user_concurrent_generations": 1_000,
            "user_tokens_per_day": 0,
        }
    )


@asynccontextmanager
async def eval_service(
    settings: Settings, workdir: Path
) -> AsyncIterator[GenerationService]:
    """A service over a fresh SQLite database in ``workdir``."""
    url = f"sqlite:///{workdir / 'eval.db'}"
    settings = eval_settings(settings, url)
    await asyncio.to_thread(migrate_to_head, url)
    engine = make_engine(url)
    try:
        yield GenerationService(
            store=Store(engine),
            provider=UsageEstimator(make_provider(settings)),
            hub=LocalHub(),
            settings=settings,
        )
    finally:
        await engine.dispose()


async def write_book(
    service: GenerationService, spec: BookSpec, *, timeout_s: float | None = None
) -> BookRun:
    """Outline, approve (whatever the outline looks like), write to the end."""
    started = time.monotonic()
    estimator = service.provider
    estimated_before = (
        estimator.estimated_calls if isinstance(estimator, UsageEstimator) else 0
    )
    book = await service.create_book(spec.form)
    assert book.id is not None
    status = ""
    try:
        async with asyncio.timeout(timeout_s):
            await service.run(book.id)
            for _ in range(AUTHOR_REJECTIONS + 1):
                if (await service.approve(book.id)).ok:
                    await service.run(book.id)
                    break
                # Like an author: an outline that cannot be approved is sent back.
                if not (await service.reject(book.id, REJECTION)).ok:
                    break
                await service.run(book.id)
    except TimeoutError:
        status = "timeout"
    wall = time.monotonic() - started
    snap = await service.store.snapshot(book.id)
    assert snap is not None
    messages = snap.messages
    outlines = [
        m
        for m in messages
        if m.kind == MessageKind.OUTLINE and m.status == MessageStatus.COMPLETE
    ]
    latest: dict[int, ChapterRun] = {}
    for m in messages:
        if (
            m.kind == MessageKind.CHAPTER
            and m.chapter is not None
            and m.status == MessageStatus.COMPLETE
        ):
            latest[m.chapter] = ChapterRun(
                m.chapter, m.content, m.prompt_tokens, m.completion_tokens
            )
    assistant = [m for m in messages if m.role == Role.ASSISTANT]
    errors = [m.error for m in assistant if m.error]
    return BookRun(
        spec=spec,
        model=snap.book.model,
        status=status or snap.book.status,
        outline=outlines[-1].content if outlines else "",
        chapters=tuple(latest[n] for n in sorted(latest)),
        prompt_tokens=sum(m.prompt_tokens for m in assistant),
        completion_tokens=sum(m.completion_tokens for m in assistant),
        wall_s=wall,
        error=errors[-1] if errors else "",
        tokens_estimated=isinstance(estimator, UsageEstimator)
        and estimator.estimated_calls > estimated_before,
    )


def is_complete(run: BookRun) -> bool:
    return run.status == BookStatus.COMPLETE

"""The process-wide service: built once from settings, shared by every state.

This is the only place that wires storage, the model and the hub together.
"""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache

from bookgen.config import get_settings
from bookgen.generation.hub import Hub, LocalHub
from bookgen.generation.service import GenerationService
from bookgen.llm import make_provider
from bookgen.storage.db import make_engine, migrate_to_head
from bookgen.storage.store import Store

__all__ = ["get_service", "prepare_database", "recovery_loop"]

log = logging.getLogger(__name__)


def _make_hub() -> Hub:
    settings = get_settings()
    if settings.redis_url:
        from bookgen.generation.redis_hub import RedisHub

        return RedisHub(settings.redis_url)
    return LocalHub()


@lru_cache(maxsize=1)
def get_service() -> GenerationService:
    settings = get_settings()
    return GenerationService(
        store=Store(make_engine(settings.database_url)),
        provider=make_provider(settings),
        hub=_make_hub(),
        settings=settings,
    )


def prepare_database() -> None:
    """Bring the schema to head before serving (idempotent; PostgreSQL-locked)."""
    migrate_to_head(get_settings().database_url)


async def recovery_loop() -> None:
    """Lifespan task: keep resuming generations whose runner died."""
    settings = get_settings()
    while True:
        try:
            started = await get_service().resume_orphans()
            if started:
                log.info("resumed generation for books %s", started)
        except Exception:  # keep sweeping; a database hiccup must not end recovery
            log.exception("recovery sweep failed")
        await asyncio.sleep(max(settings.lease_s / 3, 1.0))

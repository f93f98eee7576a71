"""The process-wide wiring: the service and the live channels, built once.

This is the only place that wires storage, the model, the hub and the live
fan-out together; states ask it for them instead of holding globals.
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import timedelta
from functools import lru_cache

import openai

from bookgen.accounts import AccountPolicy, AccountService, LoginLimiter, Viewer
from bookgen.accounts.claims import ClaimStore, make_claims
from bookgen.config import get_settings
from bookgen.generation.covers import CoverService
from bookgen.generation.hub import Hub, LocalHub
from bookgen.generation.service import GenerationService
from bookgen.llm import make_provider
from bookgen.llm.transcription import Transcriber, make_transcriber
from bookgen.state.live import Channels, LiveTransport
from bookgen.storage.db import make_engine, migrate_to_head
from bookgen.storage.store import Store
from bookgen.storage.toolkit import Toolkit

__all__ = [
    "get_accounts",
    "get_channels",
    "get_claims",
    "get_covers",
    "get_dictation_limiter",
    "get_service",
    "get_toolkit",
    "get_transcriber",
    "prepare_database",
    "recovery_loop",
    "use_live_transport",
    "viewer_for",
]

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


@lru_cache(maxsize=1)
def get_toolkit() -> Toolkit:
    """Usage, cover and author queries over the service's engine."""
    return Toolkit(get_service().store.engine)


@lru_cache(maxsize=1)
def get_covers() -> CoverService:
    """Stored covers; with BOOKGEN_IMAGE_MODEL, art from the endpoint's images API."""
    settings = get_settings()
    client = None
    if settings.cover_art:
        client = openai.AsyncOpenAI(
            api_key=settings.openai_api_key or "not-needed",
            base_url=settings.openai_base_url or None,
            max_retries=1,
            timeout=180.0,
        )
    return CoverService(get_toolkit(), settings, client, hub=get_service().hub)


@lru_cache(maxsize=1)
def get_transcriber() -> Transcriber | None:
    """The endpoint's audio API for dictated feedback (BOOKGEN_TRANSCRIBE_MODEL),
    or None: the browser's own speech recognition, if any, is used instead."""
    return make_transcriber(get_settings())


@lru_cache(maxsize=1)
def get_dictation_limiter() -> LoginLimiter:
    """Transcriptions per user and per address (each one is billed), counted
    like sign-in attempts: across workers through Redis."""
    return LoginLimiter(
        get_settings().redis_url,
        per_account="12/minute",
        per_address="30/minute",
        key_prefix="bookgen-dictation",
    )


@lru_cache(maxsize=1)
def get_accounts() -> AccountService:
    """Accounts over the service's engine; login limits shared through Redis."""
    settings = get_settings()
    return AccountService(
        get_service().store.engine,
        policy=AccountPolicy(session_ttl=timedelta(days=settings.session_days)),
        limiter=LoginLimiter(settings.redis_url),
    )


@lru_cache(maxsize=1)
def get_claims() -> ClaimStore:
    """Where sign-in handlers leave session tokens for the cookie route."""
    return make_claims(get_settings().redis_url)


async def viewer_for(session_token: object) -> Viewer | None:
    """Who holds this session token (any worker, any transport), or None.

    With accounts off everyone is the single author; otherwise the token must
    name a live session of an enabled user (one indexed query).
    """
    if not get_settings().auth_enabled:
        return Viewer.solo()
    user = await get_accounts().user_for_session(session_token)
    return Viewer(user=user) if user is not None else None


class _Live:
    """The transport the app registered, and the channels built over it."""

    transport: LiveTransport | None = None
    channels: Channels | None = None


def use_live_transport(transport: LiveTransport) -> None:
    """Called once by the app module: how live pushes reach this worker's tabs."""
    _Live.transport, _Live.channels = transport, None


def get_channels() -> Channels:
    """This worker's live channels (one hub subscription per viewed book)."""
    if _Live.channels is None:
        if _Live.transport is None:
            raise RuntimeError("no live transport: bookgen.bookgen registers one")
        service = get_service()
        _Live.channels = Channels(
            hub=service.hub,
            store=service.store,
            transport=_Live.transport,
            timestamps=get_settings().bench_timestamps,
        )
    return _Live.channels


def prepare_database() -> None:
    """Bring the schema to head before serving (idempotent; PostgreSQL-locked)."""
    migrate_to_head(get_settings().database_url)


# Orphans one sweep takes at most. After a crash or a burst of queued books,
# every worker then takes a batch in turn (sweeping again within a second while
# orphans remain) and the books spread over the workers, instead of the first
# worker to sweep taking them all.
SWEEP_BATCH = 10


async def recovery_loop() -> None:
    """Lifespan task: keep resuming generations whose runner died; on shutdown,
    drain this process's runners so nothing written is lost."""
    settings = get_settings()
    try:
        while True:
            started: list[int] = []
            try:
                started = await get_service().resume_orphans(SWEEP_BATCH)
                if started:
                    log.info("resumed generation for books %s", started)
            except Exception:  # keep sweeping; a database hiccup must not end it
                log.exception("recovery sweep failed")
            if len(started) >= SWEEP_BATCH:  # more may wait: come back soon
                await asyncio.sleep(random.uniform(0.2, 1.0))
            else:
                await asyncio.sleep(max(settings.lease_s / 3, 1.0))
    finally:
        await get_service().stop_runners()

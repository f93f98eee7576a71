"""Fixtures for fault tests: the fake OpenAI server and services that use it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import openai
import pytest

from bookgen.generation import streamer
from bookgen.generation.hub import LocalHub
from bookgen.generation.service import GenerationService
from bookgen.llm import OpenAIProvider
from bookgen.storage.store import Store
from tests.faults.openai_server import FakeOpenAI, running_server
from tests.generation.helpers import FAST

# Fast enough for tests, slow enough to be told apart from a flush or a backoff.
FAULTS = FAST.model_copy(update={"stall_timeout_s": 0.5, "model": "gpt-fake"})

ServiceFactory = Callable[..., GenerationService]


@pytest.fixture
async def fake_openai() -> AsyncIterator[FakeOpenAI]:
    async with running_server(FakeOpenAI()) as server:
        yield server


@pytest.fixture
async def online_service(
    store: Store, fake_openai: FakeOpenAI
) -> AsyncIterator[ServiceFactory]:
    """Build services whose provider is the real SDK pointed at ``fake_openai``."""
    clients: list[openai.AsyncOpenAI] = []

    def build(**overrides: object) -> GenerationService:
        client = openai.AsyncOpenAI(
            base_url=fake_openai.base_url, api_key="x", max_retries=0
        )
        clients.append(client)
        return GenerationService(
            store=store,
            provider=OpenAIProvider(client),
            hub=LocalHub(),
            settings=FAULTS.model_copy(update=overrides),
        )

    yield build
    for client in clients:
        await client.close()


@pytest.fixture
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retry waits cut tenfold, for tests that are not about the wait itself.

    Returns the list of waits the streamer asked for, unscaled.
    """
    asked: list[float] = []
    real = streamer.backoff_delay

    def scaled(attempt: int, retry_after: float | None) -> float:
        asked.append(real(attempt, retry_after))
        return asked[-1] / 10

    monkeypatch.setattr(streamer, "backoff_delay", scaled)
    return asked

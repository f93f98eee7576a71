"""Token counts when the endpoint sends no usage: estimated, and marked so."""

from __future__ import annotations

from collections.abc import AsyncGenerator

from bookgen.eval.usage import UsageEstimator
from bookgen.llm import ChatMessage, StreamStats


class NoUsage:
    """A provider that streams text and never reports usage (llama.cpp does so)."""

    offline = False

    async def stream(
        self,
        messages: list[ChatMessage],
        *,
        model: str,
        stats: StreamStats,
        max_tokens: int | None = None,
    ) -> AsyncGenerator[str, None]:
        for piece in ("Twelve ", "characters", "."):
            yield piece


class WithUsage(NoUsage):
    async def stream(self, messages, *, model, stats, max_tokens=None):
        stats.prompt_tokens, stats.completion_tokens = 7, 3
        async for piece in super().stream(messages, model=model, stats=stats):
            yield piece


async def drain(provider: UsageEstimator, stats: StreamStats) -> str:
    messages: list[ChatMessage] = [{"role": "user", "content": "x" * 40}]
    stream = provider.stream(messages, model="m", stats=stats, max_tokens=64)
    return "".join([p async for p in stream])


async def test_missing_usage_is_estimated_at_four_characters_a_token():
    provider = UsageEstimator(NoUsage())
    stats = StreamStats()
    assert await drain(provider, stats) == "Twelve characters."
    assert (stats.prompt_tokens, stats.completion_tokens) == (10, 5)
    assert provider.estimated_calls == 1


async def test_usage_the_endpoint_sent_is_kept():
    provider = UsageEstimator(WithUsage())
    stats = StreamStats()
    await drain(provider, stats)
    assert (stats.prompt_tokens, stats.completion_tokens) == (7, 3)
    assert provider.estimated_calls == 0

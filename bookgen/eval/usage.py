"""Token counts for endpoints that send none (llama.cpp's server when streaming).

The eval wraps the provider: a call that ends without usage gets an estimate
of about four characters a token for its prompt and its reply, and is counted
so the report can mark its token figures as estimated.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import AsyncGenerator

from bookgen.llm import ChatMessage, LLMProvider, StreamStats

__all__ = ["CHARS_PER_TOKEN", "UsageEstimator", "estimate_tokens"]

CHARS_PER_TOKEN = 4


def estimate_tokens(chars: int) -> int:
    return math.ceil(chars / CHARS_PER_TOKEN)


class UsageEstimator:
    """An LLMProvider that fills in usage the endpoint did not send."""

    def __init__(self, inner: LLMProvider) -> None:
        self.inner = inner
        self.offline = inner.offline
        self.calls = 0
        self.estimated_calls = 0

    async def stream(
        self,
        messages: list[ChatMessage],
        *,
        model: str,
        stats: StreamStats,
        max_tokens: int,
    ) -> AsyncGenerator[str, None]:
        reply_chars = 0
        stream = self.inner.stream(
            messages, model=model, stats=stats, max_tokens=max_tokens
        )
        try:
            async with contextlib.aclosing(stream):
                async for piece in stream:
                    reply_chars += len(piece)
                    yield piece
        finally:
            self.calls += 1
            if not (stats.prompt_tokens or stats.completion_tokens):
                prompt_chars = sum(len(m.get("content") or "") for m in messages)
                stats.prompt_tokens = estimate_tokens(prompt_chars)
                stats.completion_tokens = estimate_tokens(reply_chars)
                self.estimated_calls += 1

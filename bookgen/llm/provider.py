"""The one provider interface: an async stream of text chunks.

Every model, the built-in offline one included, goes through the official
``openai`` SDK; only the HTTP transport underneath differs.
"""

from __future__ import annotations

import email.utils
import json
import logging
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

import httpx2
import openai

from bookgen.config import Settings
from bookgen.llm.errors import (
    ErrorKind,
    ProviderError,
    StreamInterrupted,
    classify_status,
)

__all__ = [
    "ChatMessage",
    "ErrorKind",
    "LLMProvider",
    "OpenAIProvider",
    "ProviderError",
    "StreamInterrupted",
    "StreamStats",
    "make_provider",
]

ChatMessage = dict[str, str]

log = logging.getLogger(__name__)

# Statuses with which some OpenAI-compatible servers refuse ``stream_options``.
_OPTION_REFUSED = (400, 422)


@dataclass
class StreamStats:
    """Filled in while a stream runs; read after it ends."""

    finish_reason: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    chunks: int = field(default=0)
    # The stream ended without usage, so the tokens were estimated from text.
    usage_estimated: bool = False


class LLMProvider(Protocol):
    """What the generation service needs from a model."""

    offline: bool

    def stream(
        self,
        messages: list[ChatMessage],
        *,
        model: str,
        stats: StreamStats,
        max_tokens: int,
    ) -> AsyncGenerator[str, None]:
        """Yield text chunks; raise ProviderError or StreamInterrupted on failure.

        ``max_tokens`` caps the reply (and so its cost); it is always sent.
        A generator, so the caller can ``aclose()`` it and free the connection.
        """
        ...


class OpenAIProvider:
    """Chat completions with ``stream=True`` over any OpenAI-compatible endpoint."""

    def __init__(self, client: openai.AsyncOpenAI, *, offline: bool = False) -> None:
        self.client = client
        self.offline = offline
        # This endpoint refused ``stream_options``: never sent again (the
        # process has one provider per endpoint).
        self.usage_option_refused = False

    async def stream(
        self,
        messages: list[ChatMessage],
        *,
        model: str,
        stats: StreamStats,
        max_tokens: int,
    ) -> AsyncGenerator[str, None]:
        finish: str | None = None  # this call's; ``stats`` spans every attempt
        try:
            async with _translate_errors(), AsyncExitStack() as stack:
                response = await self._open(stack, messages, model, max_tokens)
                async for line in response.iter_lines():
                    chunk = _parse_event(line)
                    if chunk is None:
                        continue
                    if chunk is _DONE:
                        break
                    stats.chunks += 1
                    if usage := chunk.get("usage"):
                        stats.prompt_tokens = usage.get("prompt_tokens") or 0
                        stats.completion_tokens = usage.get("completion_tokens") or 0
                    if not (choices := chunk.get("choices")):
                        continue
                    choice = choices[0]
                    if text := (choice.get("delta") or {}).get("content"):
                        yield text
                    if reason := choice.get("finish_reason"):
                        finish = stats.finish_reason = reason
        except StreamInterrupted:
            if finish is None:
                raise
            # The reply was whole; only the usage chunk or [DONE] was lost, and
            # retrying would ask the model to continue a finished text.
        if finish is None:
            raise StreamInterrupted("the stream ended without a finish reason")

    async def _open(
        self,
        stack: AsyncExitStack,
        messages: list[ChatMessage],
        model: str,
        max_tokens: int,
    ) -> Any:
        """Send the request, asking for usage unless this endpoint refused that.

        A 400/422 answer that names ``stream_options`` is retried once without
        it; if that one is accepted, the endpoint is remembered. Any other
        client error is the caller's, as before (it is not retried).
        """
        create = self.client.chat.completions.with_streaming_response.create
        request: dict[str, Any] = {
            "model": model,
            "messages": messages,
            "stream": True,
            "max_tokens": max(1, max_tokens),
        }
        if self.usage_option_refused:
            return await stack.enter_async_context(create(**request))
        try:
            return await stack.enter_async_context(
                create(**request, stream_options={"include_usage": True})
            )
        except openai.APIStatusError as exc:
            if not _refuses_usage_option(exc):
                raise
            refused = exc
        response = await stack.enter_async_context(create(**request))
        self.usage_option_refused = True
        log.warning(
            "%s refused stream_options (HTTP %s); asking without it from now on, "
            "so usage is estimated: %s",
            self.client.base_url,
            refused.status_code,
            refused.message,
        )
        return response


def _refuses_usage_option(exc: openai.APIStatusError) -> bool:
    """A 400/422 whose message or body names the usage option."""
    if exc.status_code not in _OPTION_REFUSED:
        return False
    said = f"{exc.message} {exc.body}".lower()
    return "stream_options" in said or "include_usage" in said


_DONE: dict[str, Any] = {}


def _parse_event(line: str) -> dict[str, Any] | None:
    """One SSE line: a chunk dict, ``_DONE``, or None for lines to skip.

    The SDK's own parsing builds a pydantic model per chunk, about ten times
    the cost of ``json.loads``; at thousands of chunks a second that matters.
    """
    if not line.startswith("data:"):
        return None  # blank separators, comments, "event:" lines
    data = line[5:].strip()
    if data == "[DONE]":
        return _DONE
    chunk = json.loads(data)
    if not isinstance(chunk, dict):
        raise StreamInterrupted(f"malformed chunk: {data[:80]!r}")
    if error := chunk.get("error"):
        message = error.get("message") if isinstance(error, dict) else error
        raise StreamInterrupted(f"the provider sent an error: {message}")
    return chunk


@asynccontextmanager
async def _translate_errors() -> AsyncIterator[None]:
    """Map SDK and transport errors to ProviderError kinds (see llm/errors.py)."""
    try:
        yield
    except openai.APIStatusError as exc:
        kind = classify_status(exc.status_code, code=_code(exc), message=exc.message)
        raise ProviderError(
            _describe(exc), kind=kind, retry_after=_retry_after(exc.response)
        ) from exc
    except (openai.APIConnectionError, httpx2.TransportError) as exc:
        raise StreamInterrupted(f"connection lost: {exc}") from exc
    except (json.JSONDecodeError, openai.APIResponseValidationError) as exc:
        raise StreamInterrupted(f"malformed chunk: {exc}") from exc
    except openai.APIError as exc:
        # An error event inside a 200 stream: the server gave up mid-reply.
        raise StreamInterrupted(f"the provider sent an error: {exc.message}") from exc
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        # A chunk that parsed but lacks the fields a chunk must have.
        raise StreamInterrupted(f"malformed chunk: {exc!r}") from exc


def _describe(exc: openai.APIStatusError) -> str:
    """The raw answer, for the server log (never shown to an author)."""
    return f"provider answered HTTP {exc.status_code}: {exc.message}"


def _code(exc: openai.APIStatusError) -> str | None:
    """The OpenAI error code (``model_not_found``...), when the body has one."""
    code = exc.code
    return code if isinstance(code, str) else None


def _retry_after(response: httpx2.Response | None) -> float | None:
    """Seconds the server asked us to wait: ``retry-after-ms`` (OpenAI's), or
    ``Retry-After`` as seconds or an HTTP date."""
    if response is None:
        return None
    headers = response.headers
    try:
        if raw := headers.get("retry-after-ms"):
            return max(0.0, float(raw) / 1000.0)
        raw = headers.get("retry-after")
        if not raw:
            return None
        try:
            return max(0.0, float(raw))
        except ValueError:
            when = email.utils.parsedate_to_datetime(raw)
            return max(0.0, (when - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def make_provider(settings: Settings) -> OpenAIProvider:
    """The configured endpoint, or the offline model when none is configured."""
    # The SDK retries on its own before a stream starts; the service owns retries.
    if settings.offline:
        from bookgen.llm.offline import OfflineTransport

        transport = OfflineTransport(words_per_second=settings.offline_words_per_second)
        client = openai.AsyncOpenAI(
            api_key="offline",
            base_url="http://offline.invalid/v1",
            http_client=httpx2.AsyncClient(transport=transport),
            max_retries=0,
        )
        return OpenAIProvider(client, offline=True)
    client = openai.AsyncOpenAI(
        api_key=settings.openai_api_key or "not-needed",
        base_url=settings.openai_base_url or None,
        max_retries=0,
        timeout=httpx2.Timeout(settings.stall_timeout_s, connect=10.0),
    )
    return OpenAIProvider(client)

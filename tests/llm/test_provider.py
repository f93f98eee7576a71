"""The openai adapter, fed real SSE byte streams."""

import json

import httpx2
import pytest

from bookgen.llm import ProviderError, StreamInterrupted, StreamStats
from tests.llm.sse import chunk, provider_for, sse, streaming

MESSAGES = [{"role": "user", "content": "hi"}]


async def collect(provider) -> tuple[str, StreamStats]:
    stats = StreamStats()
    parts = [
        p
        async for p in provider.stream(MESSAGES, model="m", stats=stats, max_tokens=50)
    ]
    return "".join(parts), stats


async def test_a_complete_stream_yields_text_finish_reason_and_usage():
    usage = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [],
        "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
    }
    body = sse(
        chunk(""), chunk("Once"), chunk(" upon"), chunk(None, "stop"), usage, "[DONE]"
    )
    seen = {}

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.update(json.loads(request.content))
        return streaming(body)(request)

    text, stats = await collect(provider_for(handler))
    assert text == "Once upon"
    assert stats.finish_reason == "stop"
    assert (stats.prompt_tokens, stats.completion_tokens) == (7, 3)
    assert seen["stream"] is True and seen["messages"] == MESSAGES


async def test_a_stream_without_finish_reason_is_interrupted_not_finished():
    body = sse(chunk("Once"), chunk(" upon"), "[DONE]")
    with pytest.raises(StreamInterrupted):
        await collect(provider_for(streaming(body)))


async def test_a_stream_cut_before_done_is_interrupted():
    body = sse(chunk("Once"), chunk(" upon"))
    with pytest.raises(StreamInterrupted):
        await collect(provider_for(streaming(body)))


async def test_a_malformed_chunk_is_interrupted():
    body = sse(chunk("Once")) + b"data: {not json\n\n" + sse(chunk(None, "stop"))
    with pytest.raises(StreamInterrupted):
        await collect(provider_for(streaming(body)))


async def test_rate_limit_is_retryable_with_retry_after():
    err = json.dumps({"error": {"message": "slow down", "type": "rate_limit"}})
    handler = streaming(err.encode(), 429, {"retry-after": "2", "content-type": "json"})
    with pytest.raises(ProviderError) as info:
        await collect(provider_for(handler))
    assert info.value.retryable and info.value.retry_after == 2.0


@pytest.mark.parametrize(
    ("status", "retryable"), [(500, True), (503, True), (400, False), (401, False)]
)
async def test_http_errors_say_whether_to_retry(status: int, retryable: bool):
    err = json.dumps({"error": {"message": "nope", "type": "x"}}).encode()
    with pytest.raises(ProviderError) as info:
        await collect(provider_for(streaming(err, status)))
    assert info.value.retryable is retryable
    assert str(status) in str(info.value)


async def test_a_dropped_connection_is_interrupted():
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ReadError("connection reset")

    with pytest.raises(StreamInterrupted):
        await collect(provider_for(handler))

"""Building real server-sent-event bodies for provider tests."""

from __future__ import annotations

import json

import httpx2
import openai

from bookgen.llm import OpenAIProvider


def chunk(content: str | None = None, finish: str | None = None) -> dict:
    delta = {} if content is None else {"content": content}
    return {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def sse(*events: dict | str) -> bytes:
    out = []
    for ev in events:
        data = ev if isinstance(ev, str) else json.dumps(ev)
        out.append(f"data: {data}\n\n")
    return "".join(out).encode()


def provider_for(handler) -> OpenAIProvider:
    client = openai.AsyncOpenAI(
        api_key="k",
        base_url="http://test.invalid/v1",
        http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(handler)),
        max_retries=0,
    )
    return OpenAIProvider(client)


def streaming(body: bytes, status: int = 200, headers: dict | None = None):
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(
            status,
            content=body,
            headers={"content-type": "text/event-stream", **(headers or {})},
        )

    return handler

"""An httpx2 transport that answers OpenAI chat-completion requests offline.

The app talks to every model through the official ``openai`` SDK. Plugging this
transport into the SDK's HTTP client turns the built-in writer into one more
endpoint, so demos, tests and production share one code path, and the stream is
a genuine server-sent-event byte stream that arrives word by word over time.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx2

from bookgen.llm.offline_writer import split_words, write_reply

__all__ = ["MODEL_NAME", "OfflineTransport", "split_words"]

MODEL_NAME = "bookgen-offline"
TICK_S = 0.05  # the transport's timer granularity


def _error(status: int, message: str, kind: str) -> httpx2.Response:
    """An error in the shape the SDK maps to its exception classes."""
    body = {"error": {"message": message, "type": kind, "param": None, "code": None}}
    return httpx2.Response(status, json=body)


def _words_in(messages: list[dict[str, Any]]) -> int:
    """Prompt size in words, standing in for tokens."""
    total = 0
    for m in messages:
        content = m.get("content")
        parts = content if isinstance(content, list) else [{"text": content}]
        texts = (p.get("text") for p in parts if isinstance(p, dict))
        total += sum(len(t.split()) for t in texts if isinstance(t, str))
    return total


def _event(payload: object) -> bytes:
    data = payload if isinstance(payload, str) else json.dumps(payload)
    return f"data: {data}\n\n".encode()


class _EventStream(httpx2.AsyncByteStream):
    """The SSE body: a role chunk, one chunk per word at the set pace, the finish
    chunk, an optional usage chunk and ``[DONE]``.

    Like a socket it is single-pass: iterating again resumes where the last reader
    stopped (the SDK drains a response after ``[DONE]``; that must not replay it).
    """

    def __init__(
        self,
        head: dict[str, Any],
        pieces: list[str],
        finish: str,
        usage: dict[str, int] | None,
        delay: float,
    ) -> None:
        extra = {"usage": None} if usage is not None else {}

        def chunk(delta: dict[str, str], finish: str | None = None) -> bytes:
            choice = {
                "index": 0,
                "delta": delta,
                "logprobs": None,
                "finish_reason": finish,
            }
            return _event({**head, "choices": [choice], **extra})

        # Word chunks are encoded lazily from one template: a long chapter's
        # thousands of events cost nothing up front.
        marker = "\\u0000"  # how json.dumps writes the NUL placeholder
        before, after = chunk({"content": "\x00"}).decode().split(marker)
        self._template = (before[:-1], after[1:])  # without the marker's quotes
        self._pieces = pieces
        self._delay = delay
        self._head = [chunk({"role": "assistant", "content": ""})]
        self._tail = [chunk({}, finish)]
        if usage is not None:
            self._tail.append(_event({**head, "choices": [], "usage": usage}))
        self._tail.append(_event("[DONE]"))
        self._total = 1 + len(pieces) + len(self._tail)
        self._sent = 0
        self._start: float | None = None

    def _nth(self, n: int) -> tuple[float | None, bytes]:
        """Event n of the stream: (seconds after start it is due, or None; bytes)."""
        if n == 0:
            return None, self._head[0]
        if n <= len(self._pieces):
            before, after = self._template
            data = before + json.dumps(self._pieces[n - 1]) + after
            return n * self._delay, data.encode()
        return None, self._tail[n - len(self._pieces) - 1]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        if self._start is None:
            self._start = loop.time()
        while self._sent < self._total:
            due, data = self._nth(self._sent)
            if due is not None:  # pace against the schedule, never faster
                # Wake on a coarse tick and send every word due by then: a
                # network delivers tokens in bursts too, and a timer per word
                # is what limits how many books one process can stream.
                wait = self._start + due - loop.time()
                await asyncio.sleep(max(wait, TICK_S) if wait > 0 else 0)
            self._sent += 1
            yield data

    async def aclose(self) -> None:
        """A closed stream has nothing left to send."""
        self._sent = self._total


class OfflineTransport(httpx2.AsyncBaseTransport):
    """Serves ``POST …/chat/completions`` and ``GET …/models`` from the offline
    writer; ``words_per_second <= 0`` streams without delay."""

    def __init__(self, words_per_second: float = 30.0) -> None:
        self.words_per_second = words_per_second

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        path = request.url.path.rstrip("/")
        if request.method == "POST" and path.endswith("/chat/completions"):
            try:
                return await self._complete(await request.aread())
            except Exception as exc:  # a server answers 500, it does not crash
                return _error(500, f"offline model failed: {exc!r}", "server_error")
        model = {
            "id": MODEL_NAME,
            "object": "model",
            "created": 0,
            "owned_by": "bookgen",
        }
        if request.method == "GET" and path.endswith("/models"):
            return httpx2.Response(200, json={"object": "list", "data": [model]})
        if request.method == "GET" and path.endswith(f"/models/{MODEL_NAME}"):
            return httpx2.Response(200, json=model)
        message = f"Unknown request URL: {request.method} {request.url.path}"
        return _error(404, message, "invalid_request_error")

    async def _complete(self, raw: bytes) -> httpx2.Response:
        try:
            body = json.loads(raw or b"null")
        except (ValueError, UnicodeDecodeError):
            return _error(
                400, "The request body is not valid JSON.", "invalid_request_error"
            )
        messages = body.get("messages") if isinstance(body, dict) else None
        if not (
            isinstance(messages, list)
            and messages
            and all(
                isinstance(m, dict) and isinstance(m.get("role"), str) for m in messages
            )
        ):
            message = "'messages' must be a non-empty array of objects with a 'role'."
            return _error(400, message, "invalid_request_error")
        model = body.get("model") if isinstance(body.get("model"), str) else MODEL_NAME
        # Writing a long chapter takes a few milliseconds; keep the loop free anyway.
        pieces = split_words(await asyncio.to_thread(write_reply, messages))
        limit = body.get("max_completion_tokens") or body.get("max_tokens")
        finish = "stop"
        if isinstance(limit, int) and 0 < limit < len(pieces):
            pieces, finish = pieces[:limit], "length"
        prompt = _words_in(messages)
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": len(pieces),
            "total_tokens": prompt + len(pieces),
        }
        stream = bool(body.get("stream"))
        head = {
            "id": f"chatcmpl-offline-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion.chunk" if stream else "chat.completion",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": None,
        }
        if not stream:
            message = {"role": "assistant", "content": "".join(pieces), "refusal": None}
            choice = {"index": 0, "message": message, "finish_reason": finish}
            data = {**head, "choices": [choice], "usage": usage}
            return httpx2.Response(200, json=data)
        options = body.get("stream_options")
        wants_usage = isinstance(options, dict) and bool(options.get("include_usage"))
        wps = self.words_per_second
        events = _EventStream(
            head,
            pieces,
            finish,
            usage if wants_usage else None,
            1.0 / wps if wps > 0 else 0.0,
        )
        headers = {"content-type": "text/event-stream", "cache-control": "no-cache"}
        return httpx2.Response(200, headers=headers, stream=events)

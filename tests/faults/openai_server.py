"""A local OpenAI-compatible chat-completions server that can be told to fail.

It streams like OpenAI (a role chunk, one chunk per word, a finish chunk, a
usage chunk, ``[DONE]``) over real HTTP, so faults travel the same path as in
production: socket, ``httpx2``, the ``openai`` SDK, the provider, the streamer.

Replies are fixed per task ("outline", "chapter 1", "summary of chapter 1"), and
a continuation prompt (``Text so far:\\n<text>``) is answered with exactly the
rest of the fixed reply, so a finished message must equal it character for
character. A continuation whose text is not a prefix of the reply is recorded
in ``violations`` and refused.

``/v1/audio/transcriptions`` answers ``{"text": transcript}`` to any upload
(recorded in ``recordings``); ``fail("transcription", Fault("status", ...))``
makes it fail instead.

``script(task, Reply(...), ...)`` makes the next requests for a task answer
with given text and finish reason instead, whatever they ask: what a real
model does (stop early, run to the token limit, refuse, send nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

from aiohttp import web

from bookgen.llm.prompt_markers import (
    PART,
    TASK,
    TEXT_SO_FAR,
    TEXT_SO_FAR_END,
    read_outline_piece,
)

__all__ = [
    "TRANSCRIPT",
    "Call",
    "FakeOpenAI",
    "Fault",
    "Recording",
    "Reply",
    "chapter_text",
    "prose",
    "running_server",
]

PIECE = re.compile(r"\s*\S+")
SYNOPSIS = "A keeper reads storms in a bottle."
ENTRY = "The Bottle\nA message washes ashore and the keeper reads it."
OUTLINE = f"# The Lighthouse Keeper\n\n{SYNOPSIS}\n\n## Chapter 1: {ENTRY}"
TRANSCRIPT = "Make the storm arrive in chapter two."


def chapter_text(chapter: int, words: int = 400) -> str:
    """Numbered words with sentences and paragraphs: ``c1w1 c1w2 … c1w10.``."""
    out = []
    for i in range(1, words + 1):
        word = f"c{chapter}w{i}" + ("." if i % 10 == 0 else "")
        sep = "" if i == 1 else "\n\n" if i % 50 == 1 else " "
        out.append(sep + word)
    return "".join(out)


def prose(tag: str, words: int, *, end: bool = True) -> str:
    """Sentences of ten numbered words, ``<tag>1 … <tag>10.``; open at the end
    unless ``end`` (then the last sentence stops mid-way, without a period)."""
    out = []
    for i in range(1, words + 1):
        word = f"{tag}{i}" + ("." if i % 10 == 0 and (end or i < words) else "")
        out.append(("" if i == 1 else " ") + word)
    text = "".join(out)
    return text if end or not text.endswith(".") else text[:-1]


def summary_text(chapter: int) -> str:
    return f"In chapter {chapter} the keeper finds a bottle that predicts storms."


@dataclass(frozen=True)
class Fault:
    """What goes wrong on one request.

    ``kind``: ``status`` (answer ``status`` before streaming), ``hang`` (send
    nothing, not even headers, for ``stall_s``), ``drop`` (abort
    the connection), ``silent_end`` (end the body without finish reason or
    [DONE]), ``malformed`` (a data line that is not JSON), ``stall`` (no bytes
    for ``stall_s``), ``error_event`` (an SSE error object), ``drop_after_finish``
    (abort after the finish chunk, before usage and [DONE]). Mid-stream faults
    happen after ``after`` content chunks.
    """

    kind: str
    after: int = 0
    status: int = 500
    retry_after: str | None = None
    stall_s: float = 3.0
    # The error body of a ``status`` fault: OpenAI's ``error.message`` and ``.code``.
    message: str = "injected failure"
    code: str | None = None


@dataclass(frozen=True)
class Reply:
    """A scripted answer: this text (maybe empty), then this finish reason."""

    text: str
    finish: str = "stop"


@dataclass
class Call:
    """One chat-completion request as the server saw it."""

    task: str
    text_so_far: str | None
    at: float
    fault: Fault | None
    max_tokens: int | None = None  # what the request asked for
    sent: str = ""  # content written to the socket before the reply ended or broke
    prompt: str = ""  # the last message's content
    asked_usage: bool = False  # the request had stream_options.include_usage


@dataclass(frozen=True)
class Recording:
    """One transcription request as the server saw it."""

    model: str
    filename: str
    data: bytes
    response_format: str


@dataclass
class FakeOpenAI:
    """The server's state: fault plan, request log, pace."""

    words: int = 400
    delay: float = 0.0  # seconds between content chunks
    echo_words: int = 0  # continuations repeat this many words before going on
    # Refuse any request that has ``stream_options`` with this status (400, 422),
    # as some OpenAI-compatible servers do; 0: accept it.
    refuse_stream_options: int = 0
    calls: list[Call] = field(default_factory=list)
    transcript: str = TRANSCRIPT  # what every recording is heard to say
    recordings: list[Recording] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    base_url: str = ""
    _plan: dict[str, tuple[list[Fault | None], bool]] = field(default_factory=dict)
    _scripts: dict[str, list[Reply]] = field(default_factory=dict)

    # --- the plan ----------------------------------------------------------
    def fail(self, task: str, *faults: Fault | None, every: bool = False) -> None:
        """Inject ``faults`` on the next requests for ``task`` (one each; None
        for a request that goes well), or on every request for it when
        ``every`` (then give one fault)."""
        self._plan[task] = (list(faults), every)

    def heal(self) -> None:
        self._plan.clear()

    def script(self, task: str, *replies: Reply) -> None:
        """Answer the next requests for ``task`` with ``replies``, one each."""
        self._scripts.setdefault(task, []).extend(replies)

    def _next_fault(self, task: str) -> Fault | None:
        faults, every = self._plan.get(task, ([], False))
        if not faults:
            return None
        return faults[0] if every else faults.pop(0)

    # --- what the model knows ------------------------------------------------
    def reply(self, task: str, piece: int | None = None) -> str:
        """The fixed reply to a task (an outline's synopsis or entry ``piece``)."""
        if task.startswith("summary of chapter"):
            return summary_text(int(task.split()[-1]))
        if task.startswith("chapter"):
            return chapter_text(int(task.split()[-1]), self.words)
        if piece == 0:
            return SYNOPSIS
        if piece is not None:
            return ENTRY if piece == 1 else f"Part {piece}\nMore happens at sea."
        return OUTLINE

    def calls_for(self, task: str) -> list[Call]:
        return [c for c in self.calls if c.task == task]

    # --- HTTP ------------------------------------------------------------------
    async def chat(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        last = body["messages"][-1]["content"]
        head, cut, so_far = last.partition(f"\n{TEXT_SO_FAR}:\n")
        text, end, after = so_far.rpartition(f"\n{TEXT_SO_FAR_END}")
        if end:  # a chapter call: its instruction follows the text so far
            so_far, head = text, f"{head}\n{after}"
        task_line = re.search(rf"^{TASK}: (.+)$", head, re.M)
        task = task_line[1].strip() if task_line else "?"
        part = re.findall(rf"^{PART}: (.+)$", head, re.M)
        piece = read_outline_piece(part[-1]) if part else None
        fault = self._next_fault(task)
        call = Call(task, so_far if cut else None, _now(), fault, prompt=last)
        call.max_tokens = body.get("max_tokens")
        call.asked_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        self.calls.append(call)
        if self.refuse_stream_options and "stream_options" in body:
            return _error(
                self.refuse_stream_options, "Unrecognized argument: stream_options", {}
            )
        if fault is not None and fault.kind == "hang":
            await asyncio.sleep(fault.stall_s)  # not even the headers
        if fault is not None and fault.kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            return _error(fault.status, fault.message, headers, fault.code)
        finish = "stop"
        if scripted := self._scripts.get(task):
            reply = scripted.pop(0)
            pieces = PIECE.findall(reply.text) or ([reply.text] if reply.text else [])
            finish = reply.finish
        else:
            true, prefix = self.reply(task, piece), call.text_so_far or ""
            if not true.startswith(prefix):
                self.violations.append(f"{task}: continuation of text that is not ours")
                return _error(400, "Text so far is not a prefix of the reply", {})
            pieces = PIECE.findall(true[len(prefix) :])
            if prefix and self.echo_words:
                pieces = PIECE.findall(prefix)[-self.echo_words :] + pieces
        stream = _SSE(request, model=body.get("model", "m"))
        with contextlib.suppress(ConnectionError):  # the client hung up
            await self._stream(stream, call, pieces, body, finish)
        return stream.response

    async def transcribe(self, request: web.Request) -> web.Response:
        """``POST /v1/audio/transcriptions`` (multipart, as the SDK sends it)."""
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            return _error(400, "file is required", {})
        recording = Recording(
            model=str(form.get("model", "")),
            filename=upload.filename,
            data=upload.file.read(),
            response_format=str(form.get("response_format", "")),
        )
        self.recordings.append(recording)
        fault = self._next_fault("transcription")
        if fault is not None and fault.kind == "status":
            return _error(fault.status, fault.message, {}, fault.code)
        return web.json_response({"text": self.transcript})

    async def _stream(
        self, out: _SSE, call: Call, pieces: list[str], body: dict, finish: str
    ) -> None:
        fault = call.fault
        await out.start()
        await out.chunk({"role": "assistant", "content": ""})
        broken = False  # after a fault the client stops reading: stop counting
        for i, piece in enumerate(pieces):
            if fault is not None and i == fault.after:
                if await self._break(out, fault):
                    return
                broken = True
            await out.chunk({"content": piece})
            call.sent += "" if broken else piece
            if self.delay:
                await asyncio.sleep(self.delay)
        at_end = fault is not None and fault.after >= len(pieces)
        if (
            fault is not None
            and at_end
            and fault.kind != "drop_after_finish"
            and await self._break(out, fault)
        ):
            return
        await out.chunk({}, finish=finish)
        if fault is not None and fault.kind == "drop_after_finish":
            await out.abort()
            return
        if (body.get("stream_options") or {}).get("include_usage"):
            usage = {
                "prompt_tokens": 10,
                "completion_tokens": len(pieces),
                "total_tokens": 10 + len(pieces),
            }
            await out.event({**out.head, "choices": [], "usage": usage})
        await out.event("[DONE]")
        await out.end()

    @staticmethod
    async def _break(out: _SSE, fault: Fault) -> bool:
        """Inject a mid-stream fault; True when the reply ends here."""
        if fault.kind == "drop":
            await out.abort()
            return True
        if fault.kind == "silent_end":
            await out.end()
            return True
        if fault.kind == "error_event":
            await out.event(
                {"error": {"message": "overloaded", "type": "server_error"}}
            )
            await out.end()
            return True
        if fault.kind == "malformed":
            await out.raw(b'data: {"id": "x", "choices": [{"delta": \n\n')
            return False  # a broken proxy goes on; the client must not
        if fault.kind == "stall":
            await asyncio.sleep(fault.stall_s)
            return False
        return False


def _now() -> float:
    return asyncio.get_running_loop().time()


def _error(
    status: int, message: str, headers: dict[str, str], code: str | None = None
) -> web.Response:
    body = {"error": {"message": message, "type": "server_error", "code": code}}
    return web.json_response(body, status=status, headers=headers)


class _SSE:
    """An OpenAI-style event stream on one aiohttp response."""

    def __init__(self, request: web.Request, model: str) -> None:
        self.request = request
        self.response = web.StreamResponse(
            headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        self.head = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": model,
        }

    async def start(self) -> None:
        await self.response.prepare(self.request)

    async def raw(self, data: bytes) -> None:
        await self.response.write(data)

    async def event(self, payload: object) -> None:
        data = payload if isinstance(payload, str) else json.dumps(payload)
        await self.raw(f"data: {data}\n\n".encode())

    async def chunk(self, delta: dict[str, str], finish: str | None = None) -> None:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
        await self.event({**self.head, "choices": [choice]})

    async def end(self) -> None:
        await self.response.write_eof()

    async def abort(self) -> None:
        """Close the socket under the response, as a crashed proxy would."""
        await asyncio.sleep(0.02)  # let the client read what was already sent
        transport = self.request.transport
        if transport is not None:
            transport.abort()


@contextlib.asynccontextmanager
async def running_server(server: FakeOpenAI) -> AsyncIterator[FakeOpenAI]:
    """Serve ``server`` on 127.0.0.1 at a free port, in the running event loop."""
    app = web.Application(client_max_size=16 * 1024 * 1024)
    app.router.add_post("/v1/chat/completions", server.chat)
    app.router.add_post("/v1/audio/transcriptions", server.transcribe)
    runner = web.AppRunner(
        app, shutdown_timeout=0.2, handler_cancellation=True, access_log=None
    )
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    server.base_url = f"http://{host}:{port}/v1"
    try:
        yield server
    finally:
        await runner.cleanup()

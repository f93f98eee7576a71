"""The offline model, driven exactly as production drives it: through the openai SDK."""

from __future__ import annotations

import asyncio
import json
import re
import time
from types import SimpleNamespace

import httpx2
import openai
import pytest
from openai.types import CompletionUsage
from openai.types.chat import ChatCompletionMessageParam

from bookgen.llm import offline
from bookgen.llm.offline import OfflineTransport, split_words
from bookgen.llm.offline_writer import write_reply

SYSTEM: ChatCompletionMessageParam = {
    "role": "system",
    "content": "You are a skilled novelist and editor.",
}
PREMISE = (
    "A lighthouse keeper discovers a map that leads to a drowned city beneath the "
    "bay. Her brother thinks the map is a forgery."
)


def client(wps: float = 0) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(
        api_key="offline",
        base_url="http://offline.invalid/v1",
        http_client=httpx2.AsyncClient(
            transport=OfflineTransport(words_per_second=wps)
        ),
    )


def settings(chapters: int = 3, words: int = 300, premise: str = PREMISE) -> str:
    return (
        "Book settings:\n"
        "Title: The Drowned Bell\n"
        f"Premise: {premise}\n"
        "Genre: Fantasy\n"
        "Audience: Young adults\n"
        "Tone: Dark but hopeful\n"
        f"Chapters: {chapters}\n"
        f"Words per chapter: {words}\n"
    )


def outline_request(
    chapters: int, premise: str = PREMISE
) -> list[ChatCompletionMessageParam]:
    user = f"{settings(chapters, premise=premise)}\nTask: outline\nWrite the outline."
    return [SYSTEM, {"role": "user", "content": user}]


def chapter_request(
    k: int, words: int, outline: str = ""
) -> list[ChatCompletionMessageParam]:
    user = (
        f"{settings(3, words)}\nTask: chapter {k}\nWrite chapter {k} of 3.\n\n"
        f"Outline:\n{outline}\n\n"
        "Summaries of earlier chapters:\n(this is the first chapter)\n"
    )
    return [SYSTEM, {"role": "user", "content": user}]


def continuation(
    original: list[ChatCompletionMessageParam], task: str, text_so_far: str
) -> list[ChatCompletionMessageParam]:
    user = (
        f"{original[-1].get('content')}\n\nTask: continue {task}\n"
        "Your previous reply was cut off. Continue it exactly where it stops.\n"
        f"Text so far:\n{text_so_far}"
    )
    return [*original[:-1], {"role": "user", "content": user}]


class Reply:
    """Everything one streamed completion delivered."""

    def __init__(self) -> None:
        self.deltas: list[str] = []
        self.finish: list[str] = []
        self.usage: CompletionUsage | None = None
        self.chunks = 0

    @property
    def text(self) -> str:
        return "".join(self.deltas)


async def stream(messages: list[ChatCompletionMessageParam], wps: float = 0) -> Reply:
    reply = Reply()
    async with client(wps) as c:
        response = await c.chat.completions.create(
            model="bookgen-offline",
            messages=messages,
            stream=True,
            stream_options={"include_usage": True},
        )
        async for chunk in response:
            reply.chunks += 1
            if chunk.usage is not None:
                assert chunk.choices == []
                reply.usage = chunk.usage
            for choice in chunk.choices:
                if choice.delta.content:
                    reply.deltas.append(choice.delta.content)
                if choice.finish_reason:
                    reply.finish.append(choice.finish_reason)
    return reply


def headings(outline: str) -> list[tuple[int, str]]:
    found = re.findall(r"^## Chapter (\d+): (.+)$", outline, re.M)
    return [(int(k), title) for k, title in found]


@pytest.mark.asyncio
@pytest.mark.parametrize("chapters", [1, 3, 8])
async def test_outline_streams_exactly_n_chapters(chapters: int) -> None:
    reply = await stream(outline_request(chapters))
    text = reply.text
    assert text.startswith("# The Drowned Bell\n\n")
    assert "drowned city" in text.split("## Chapter")[0]  # synopsis from the premise
    found = headings(text)
    assert [k for k, _ in found] == list(range(1, chapters + 1))
    titles = [t for _, t in found]
    assert all(t.strip() for t in titles) and len(set(titles)) == chapters
    for block in re.split(r"^## Chapter \d+: .+$", text, flags=re.M)[1:]:
        sentences = re.findall(r"[.!?](?:\s|$)", block.strip())
        assert 1 <= len(sentences) <= 3
    assert reply.chunks > 20 and len(reply.deltas) == len(text.split())
    assert reply.finish == ["stop"]
    assert reply.usage is not None
    assert reply.usage.completion_tokens == len(text.split())
    assert reply.usage.total_tokens == (
        reply.usage.prompt_tokens + reply.usage.completion_tokens
    )


@pytest.mark.asyncio
async def test_chapter_titles_vary_by_book_and_use_the_premise() -> None:
    first = headings((await stream(outline_request(8))).text)
    other = "A retired astronomer finds a comet that sings to her garden."
    second = headings((await stream(outline_request(8, premise=other))).text)
    assert [t for _, t in first] != [t for _, t in second]
    premise_words = set(re.findall(r"[a-z]+", PREMISE.lower())) - {"the", "a"}
    title_words = {w for _, t in first for w in re.findall(r"[a-z]+", t.lower())}
    assert title_words & premise_words


@pytest.mark.asyncio
@pytest.mark.parametrize("words", [200, 300, 1500])
async def test_chapter_length_and_shape(words: int) -> None:
    outline = (await stream(outline_request(3))).text
    title = dict(headings(outline))[2]
    reply = await stream(chapter_request(2, words, outline))
    text = reply.text
    assert abs(len(text.split()) - words) <= 0.05 * words
    assert not re.search(r"^\s*#", text, re.M)  # prose only, no heading
    assert text.count("\n\n") >= 1 and "\n\n\n" not in text
    assert title in text
    assert reply.finish == ["stop"] and reply.chunks > words // 2


@pytest.mark.asyncio
async def test_chapter_is_deterministic() -> None:
    request = chapter_request(1, 300)
    first, second = await stream(request), await stream(request)
    assert first.text == second.text
    assert write_reply(request) == first.text
    assert first.text != (await stream(chapter_request(2, 300))).text


@pytest.mark.asyncio
async def test_continuation_of_a_prefix_is_the_rest_of_the_chapter() -> None:
    outline = (await stream(outline_request(3))).text
    original = chapter_request(3, 300, outline)
    full = await stream(original)
    assert split_words(full.text) == full.deltas  # one word per chunk
    for m in (0, 1, 2, 17, 60, 151, len(full.deltas) - 1, len(full.deltas)):
        prefix = "".join(full.deltas[:m])
        rest = await stream(continuation(original, "chapter 3", prefix))
        assert prefix + rest.text == full.text, m
        assert rest.finish == ["stop"]


@pytest.mark.asyncio
async def test_continuation_of_foreign_text_writes_fresh_prose() -> None:
    original = chapter_request(1, 300)
    so_far = "The tide came in early that year. Nobody on the island noticed at first."
    rest = (await stream(continuation(original, "chapter 1", so_far))).text
    assert rest.startswith("\n\n") and so_far not in rest
    assert abs(len((so_far + rest).split()) - 300) <= 0.1 * 300


@pytest.mark.asyncio
async def test_revised_outline_reflects_feedback() -> None:
    request = outline_request(4)
    original = (await stream(request)).text
    feedback = "Give her a talking seagull companion and more humor"
    thread = [
        *request,
        {"role": "assistant", "content": original},
        {"role": "user", "content": f"Task: revise outline\nFeedback: {feedback}\n"},
    ]
    revised = (await stream(thread)).text
    assert revised != original
    assert revised.startswith("# The Drowned Bell")
    assert [k for k, _ in headings(revised)] == [1, 2, 3, 4]
    assert f"revised to address: {feedback}" in revised
    chapters = revised.split("## Chapter 1:")[1]
    assert "seagull" in chapters and "humor" in chapters


@pytest.mark.asyncio
async def test_summary_is_short_and_on_topic() -> None:
    chapter = write_reply(chapter_request(2, 300))
    user = f"{settings()}\nTask: summary of chapter 2\n\nChapter text:\n{chapter}"
    summary = (await stream([SYSTEM, {"role": "user", "content": user}])).text
    assert 40 <= len(summary.split()) <= 90
    assert 2 <= len(re.findall(r"[.!?](?:\s|$)", summary)) <= 4
    assert "Chapter 2" in summary
    names = set(re.findall(r"(?<=[a-z,] )[A-Z][a-z]+", chapter))  # mid-sentence
    assert names & set(re.findall(r"[A-Z][a-z]+", summary))


@pytest.mark.asyncio
async def test_unknown_prompt_gets_a_short_helpful_reply() -> None:
    reply = await stream([{"role": "user", "content": "Hello there!"}])
    assert reply.finish == ["stop"] and 10 < len(reply.text.split()) < 120


@pytest.mark.asyncio
async def test_words_arrive_over_time() -> None:
    request = chapter_request(1, 40)
    started = time.monotonic()
    reply = await stream(request, wps=200)
    assert time.monotonic() - started >= 0.15
    assert abs(len(reply.deltas) - 40) <= 2


@pytest.mark.asyncio
async def test_instant_mode_never_sleeps_but_yields(monkeypatch) -> None:
    delays: list[float] = []

    async def sleep(delay: float) -> None:
        delays.append(delay)
        await asyncio.sleep(0)

    fake = SimpleNamespace(
        sleep=sleep,
        get_running_loop=asyncio.get_running_loop,
        to_thread=asyncio.to_thread,
    )
    monkeypatch.setattr(offline, "asyncio", fake)
    reply = await stream(chapter_request(1, 1500), wps=0)
    assert len(reply.deltas) >= 1425
    assert len(delays) == len(reply.deltas) and set(delays) == {0}


@pytest.mark.asyncio
async def test_bytes_stream_as_server_sent_events() -> None:
    transport = OfflineTransport(words_per_second=100)
    body = {
        "model": "bookgen-offline",
        "messages": chapter_request(1, 30),
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    async with httpx2.AsyncClient(transport=transport) as http:
        url = "http://offline.invalid/v1/chat/completions"
        async with http.stream("POST", url, json=body) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            arrivals, raw = [], b""
            async for part in response.aiter_bytes():
                arrivals.append(time.monotonic())
                raw += part
    assert arrivals[-1] - arrivals[0] >= 0.2  # 30 words at 100/s, loosely
    events = raw.decode().split("\n\n")
    assert events[-2:] == ["data: [DONE]", ""]
    chunks = [json.loads(e.removeprefix("data: ")) for e in events[:-2]]
    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert chunks[-2]["choices"][0] == {
        "index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"
    }  # fmt: skip
    words = [c["choices"][0]["delta"]["content"] for c in chunks[1:-2]]
    assert len(words) >= 28 and all(w.strip() and len(w.split()) == 1 for w in words)
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"]["completion_tokens"] == len(words)
    assert len({c["id"] for c in chunks}) == 1


@pytest.mark.asyncio
async def test_non_streaming_completion_and_max_tokens() -> None:
    async with client() as c:
        whole = await c.chat.completions.create(
            model="bookgen-offline", messages=chapter_request(1, 200)
        )
        cut = await c.chat.completions.create(
            model="bookgen-offline", messages=chapter_request(1, 200), max_tokens=25
        )
        models = await c.models.list()
    assert whole.object == "chat.completion"
    assert whole.choices[0].finish_reason == "stop"
    assert whole.choices[0].message.content == write_reply(chapter_request(1, 200))
    text = whole.choices[0].message.content or ""
    assert whole.usage is not None and whole.usage.completion_tokens == len(
        text.split()
    )
    assert cut.choices[0].finish_reason == "length"
    assert len((cut.choices[0].message.content or "").split()) == 25
    assert [m.id for m in models.data] == ["bookgen-offline"]


@pytest.mark.asyncio
@pytest.mark.parametrize(
    "content",
    [b"{not json", b"[]", b'{"model": "m"}', b'{"model": "m", "messages": []}'],
)
async def test_bad_body_is_a_400(content: bytes) -> None:
    async with httpx2.AsyncClient(transport=OfflineTransport()) as http:
        response = await http.post(
            "http://offline.invalid/v1/chat/completions", content=content
        )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert response.json()["error"]["message"]


@pytest.mark.asyncio
async def test_sdk_raises_bad_request_and_not_found() -> None:
    async with client() as c:
        with pytest.raises(openai.BadRequestError):
            await c.chat.completions.create(model="bookgen-offline", messages=[])
        with pytest.raises(openai.NotFoundError):
            await c.embeddings.create(model="bookgen-offline", input="hello")


@pytest.mark.asyncio
@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/v1/nope"), ("POST", "/v1/models"), ("GET", "/")]
)
async def test_unknown_path_is_a_404(method: str, path: str) -> None:
    async with httpx2.AsyncClient(transport=OfflineTransport()) as http:
        response = await http.request(method, f"http://offline.invalid{path}")
    assert response.status_code == 404
    assert "error" in response.json()


@pytest.mark.parametrize(
    "text", ["", "one", "  lead", "two words", "a\n\nb  c\t", "trail \n", " \n "]
)
def test_split_words_is_lossless(text: str) -> None:
    pieces = split_words(text)
    assert "".join(pieces) == text
    assert len(pieces) == max(1, len(text.split())) if text else pieces == []

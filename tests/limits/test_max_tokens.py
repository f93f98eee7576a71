"""Every request carries max_tokens, sized from what the message needs."""

from __future__ import annotations

import json

import httpx2
import openai

from bookgen.generation.chapter_plan import tokens_for
from bookgen.generation.replies import SUMMARY_MAX_TOKENS
from bookgen.llm import OpenAIProvider
from bookgen.llm.offline import OfflineTransport
from bookgen.llm.prompt_markers import TASK
from bookgen.storage.models import MessageKind
from bookgen.storage.store import Store
from tests.faults.helpers import CHAPTER, assert_exact_book, write_book
from tests.faults.openai_server import Fault
from tests.generation.helpers import book_of, form, make_service


class RecordingTransport(httpx2.AsyncBaseTransport):
    """The offline model, with every request body kept for the test to read."""

    def __init__(self) -> None:
        self.inner = OfflineTransport(words_per_second=0)
        self.bodies: list[dict] = []

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.bodies.append(json.loads(request.content))
        return await self.inner.handle_async_request(request)


def task_of(body: dict) -> str:
    for line in body["messages"][-1]["content"].splitlines():
        if line.startswith(f"{TASK}: "):
            return line.removeprefix(f"{TASK}: ")
    return "?"


async def test_each_request_asks_for_what_its_message_needs(store: Store):
    transport = RecordingTransport()
    client = openai.AsyncOpenAI(
        api_key="offline",
        base_url="http://offline.invalid/v1",
        http_client=httpx2.AsyncClient(transport=transport),
        max_retries=0,
    )
    service = make_service(store, OpenAIProvider(client, offline=True))
    book = await service.create_book(form(chapters=2, words=1_000))
    assert book.id is not None
    await service.run(book.id)
    assert (await service.approve(book.id)).ok
    await service.run(book.id)
    await client.close()

    asked = [(task_of(b), b.get("max_tokens", 0)) for b in transport.bodies]
    # Every request is capped, each by what its message still needs.
    assert all(isinstance(cap, int) and cap > 0 for _, cap in asked), asked
    summaries = [cap for task, cap in asked if task.startswith("summary")]
    assert summaries == [SUMMARY_MAX_TOKENS, SUMMARY_MAX_TOKENS]
    chapter_caps = [int(cap) for task, cap in asked if task.startswith("chapter")]
    # A chapter's first call asks for no more than the whole chapter needs.
    assert chapter_caps and max(chapter_caps) <= tokens_for(round(1_000 * 1.15))
    # The caps leave the offline model room to finish: nothing was cut short.
    snap = await book_of(store, book.id)
    chapters = [m for m in snap.messages if m.kind == MessageKind.CHAPTER]
    assert all(850 <= len(c.content.split()) <= 1_150 for c in chapters)


async def test_a_continuation_asks_only_for_what_remains(
    online_service, fake_openai, store, fast_backoff
):
    cut = 200
    fake_openai.fail(CHAPTER, Fault("drop", after=cut))
    book_id = await write_book(online_service())

    await assert_exact_book(store, fake_openai, book_id)
    first, second = fake_openai.calls_for(CHAPTER)
    assert first.max_tokens is not None and second.max_tokens is not None
    # The retry asks only for what the chapter still lacks.
    assert second.max_tokens < first.max_tokens

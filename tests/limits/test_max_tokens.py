"""Every request carries max_tokens, sized from what the message needs."""

from __future__ import annotations

import json

import httpx2
import openai

from bookgen.generation.limits import (
    MAX_TOKENS_PER_REQUEST,
    TOKENS_PER_WORD,
    max_tokens_for,
)
from bookgen.llm import OpenAIProvider
from bookgen.llm.offline import OfflineTransport
from bookgen.llm.prompt_markers import TASK
from bookgen.storage.models import WORDS_PER_CHAPTER, MessageKind
from bookgen.storage.store import Store
from tests.faults.helpers import CHAPTER, assert_exact_book, first_pieces, write_book
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

    asked = {task_of(b): b.get("max_tokens") for b in transport.bodies}
    assert asked == {
        "outline": max_tokens_for(MessageKind.OUTLINE, book),
        "chapter 1": max_tokens_for(MessageKind.CHAPTER, book),
        "summary of chapter 1": max_tokens_for(MessageKind.SUMMARY, book),
        "chapter 2": max_tokens_for(MessageKind.CHAPTER, book),
        "summary of chapter 2": max_tokens_for(MessageKind.SUMMARY, book),
    }
    assert len(transport.bodies) == 5
    # The caps leave the offline model room to finish: nothing was cut short.
    snap = await book_of(store, book.id)
    chapters = [m for m in snap.messages if m.kind == MessageKind.CHAPTER]
    assert all(len(c.content.split()) >= 900 for c in chapters)


def test_the_budget_grows_with_the_book_and_never_passes_the_cap():
    small = form(chapters=1, words=WORDS_PER_CHAPTER.low).to_book(default_model="m")
    large = form(chapters=50, words=WORDS_PER_CHAPTER.high).to_book(default_model="m")
    for kind in (MessageKind.OUTLINE, MessageKind.CHAPTER):
        assert max_tokens_for(kind, small) < max_tokens_for(kind, large)
    for book in (small, large):
        chapter = max_tokens_for(MessageKind.CHAPTER, book)
        assert chapter >= book.words_per_chapter * TOKENS_PER_WORD
        assert chapter <= MAX_TOKENS_PER_REQUEST
        assert max_tokens_for(MessageKind.OUTLINE, book) <= MAX_TOKENS_PER_REQUEST
        assert max_tokens_for(MessageKind.SUMMARY, book) < 1_000


async def test_a_continuation_asks_only_for_what_remains(
    online_service, fake_openai, store, fast_backoff
):
    cut = 200
    fake_openai.fail(CHAPTER, Fault("drop", after=cut))
    book_id = await write_book(online_service())

    await assert_exact_book(store, fake_openai, book_id)
    first, second = fake_openai.calls_for(CHAPTER)
    assert first.max_tokens is not None and second.max_tokens is not None
    written = len(first_pieces(cut).split())
    assert second.max_tokens == first.max_tokens - round(written * TOKENS_PER_WORD)

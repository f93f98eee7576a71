"""Usage through the real SDK over real HTTP, on both databases: the provider's
counts when it sends them, a marked estimate when it does not, and servers that
refuse ``stream_options`` asked again without it (and remembered)."""

from __future__ import annotations

import openai
import pytest

from bookgen.llm import ProviderError, StreamStats
from bookgen.llm.provider import OpenAIProvider
from bookgen.storage.models import BookStatus, Message
from bookgen.storage.store import Store
from tests.faults.helpers import CHAPTER, TRUE_PIECES, write_book
from tests.faults.openai_server import FakeOpenAI, Fault
from tests.generation.helpers import book_of


async def stream_text(provider: OpenAIProvider, stats: StreamStats) -> str:
    messages = [{"role": "user", "content": "Task: chapter 1"}]
    out = []
    async for piece in provider.stream(
        messages, model="gpt-fake", stats=stats, max_tokens=1000
    ):
        out.append(piece)
    return "".join(out)


def written(messages: list[Message]) -> list[Message]:
    return [m for m in messages if m.role == "assistant"]


async def test_the_providers_usage_is_stored_per_message(
    online_service, fake_openai: FakeOpenAI, store: Store
) -> None:
    book_id = await write_book(online_service())

    snap = await book_of(store, book_id)
    assert snap.book.status == BookStatus.COMPLETE
    replies = written(snap.messages)
    assert replies and all(not m.usage_estimated for m in replies)
    chapter = next(m for m in replies if m.kind == "chapter")
    # The fake server counts 10 prompt tokens and one token per content chunk.
    assert (chapter.prompt_tokens, chapter.completion_tokens) == (10, len(TRUE_PIECES))
    assert all(c.asked_usage for c in fake_openai.calls)


@pytest.mark.parametrize("status", [400, 422])
async def test_a_refused_usage_option_is_dropped_and_remembered(
    online_service, fake_openai: FakeOpenAI, store: Store, status: int
) -> None:
    fake_openai.refuse_stream_options = status
    book_id = await write_book(online_service())

    snap = await book_of(store, book_id)
    assert snap.book.status == BookStatus.COMPLETE
    chapter = next(m for m in snap.messages if m.kind == "chapter")
    assert chapter.content.split() == "".join(TRUE_PIECES).split()
    # Asked with the option once, refused, then never again for this endpoint.
    asked = [c.asked_usage for c in fake_openai.calls]
    assert asked[:2] == [True, False] and not any(asked[1:])
    assert len(fake_openai.calls_for(CHAPTER)) == 1
    # No usage came back: every reply's tokens are estimated, and marked so.
    replies = written(snap.messages)
    assert all(m.usage_estimated for m in replies)
    assert all(m.completion_tokens > 0 and m.prompt_tokens > 0 for m in replies)


async def test_a_400_that_is_not_about_the_option_is_an_error_as_before(
    fake_openai: FakeOpenAI,
) -> None:
    client = openai.AsyncOpenAI(
        base_url=fake_openai.base_url, api_key="x", max_retries=0
    )
    provider = OpenAIProvider(client)
    fake_openai.fail(CHAPTER, Fault("status", status=400, message="context too long"))

    with pytest.raises(ProviderError):
        await stream_text(provider, StreamStats())
    # Not retried (a client error is final), and usage is still asked for.
    assert [c.asked_usage for c in fake_openai.calls] == [True]
    assert not provider.usage_option_refused
    stats = StreamStats()
    text = await stream_text(provider, stats)
    assert text and fake_openai.calls[-1].asked_usage
    assert stats.completion_tokens == len(TRUE_PIECES)
    await client.close()

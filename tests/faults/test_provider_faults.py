"""Provider faults through the real SDK over real HTTP, on both databases.

Each test writes a one-chapter book against the fake OpenAI server with a fault
injected while the chapter streams, and checks that the chapter still equals
the server's reply exactly: continued from the partial text, never restarted,
never concatenated.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from bookgen.llm import ProviderError, StreamStats
from bookgen.storage.models import BookStatus, MessageStatus
from tests.faults.helpers import (
    CHAPTER,
    TRUE_CHAPTER,
    assert_exact_book,
    chapter_of,
    first_pieces,
    outline_and_approve,
    wait_until,
    write_book,
)
from tests.faults.openai_server import Fault
from tests.llm.sse import provider_for, streaming

CUT = 37  # content chunks delivered before a mid-stream fault

MID_STREAM = {
    "dropped connection": Fault("drop", after=CUT),
    "silent end": Fault("silent_end", after=CUT),
    "malformed chunk": Fault("malformed", after=CUT),
    "stall": Fault("stall", after=CUT),
    "error event": Fault("error_event", after=CUT),
}


@pytest.mark.parametrize("fault", MID_STREAM.values(), ids=MID_STREAM.keys())
async def test_mid_stream_fault_is_continued_from_the_partial_text(
    online_service, fake_openai, store, fault, fast_backoff
):
    fake_openai.fail(CHAPTER, fault)
    service = online_service()
    book_id = await write_book(service)

    await assert_exact_book(store, fake_openai, book_id)
    first, second = fake_openai.calls_for(CHAPTER)
    assert first.text_so_far is None
    assert first.sent == first_pieces(CUT)
    assert second.text_so_far == first.sent  # continued, with the exact partial
    assert fast_backoff == [0.5]  # one retry, after the first backoff step
    if fault.kind == "stall":
        assert second.at - first.at >= 0.5  # the stall timeout, then the retry


REQUEST_FAULTS = {
    "500": Fault("status", status=500),
    "503": Fault("status", status=503),
    "no headers": Fault("hang", stall_s=2.0),
}


@pytest.mark.parametrize("fault", REQUEST_FAULTS.values(), ids=REQUEST_FAULTS.keys())
async def test_refused_continuation_is_retried_after_a_backoff(
    online_service, fake_openai, store, fault, fast_backoff
):
    """A drop, then the continuation itself refused: the third request continues."""
    fake_openai.fail(CHAPTER, Fault("drop", after=CUT), fault)
    book_id = await write_book(online_service())

    await assert_exact_book(store, fake_openai, book_id)
    dropped, refused, continued = fake_openai.calls_for(CHAPTER)
    partial = first_pieces(CUT)
    assert dropped.sent == partial
    assert refused.text_so_far == partial and refused.sent == ""
    assert continued.text_so_far == partial
    assert fast_backoff == [0.5, 1.0]  # exponential


async def test_rate_limit_waits_for_retry_after(online_service, fake_openai, store):
    """Real time: the retry after a 429 waits the Retry-After the server sent."""
    fake_openai.fail(
        CHAPTER, Fault("drop", after=CUT), Fault("status", status=429, retry_after="1")
    )
    book_id = await write_book(online_service())

    await assert_exact_book(store, fake_openai, book_id)
    dropped, limited, continued = fake_openai.calls_for(CHAPTER)
    assert limited.text_so_far == continued.text_so_far == first_pieces(CUT)
    assert limited.at - dropped.at >= 0.5 * 0.95  # first exponential step
    assert continued.at - limited.at >= 1.0 * 0.95  # Retry-After: 1


async def test_a_stream_broken_after_its_finish_reason_is_complete(
    online_service, fake_openai, store
):
    """Only usage and [DONE] were lost: the reply is whole, no retry is needed."""
    fake_openai.fail(CHAPTER, Fault("drop_after_finish", after=10**6))
    book_id = await write_book(online_service())

    await assert_exact_book(store, fake_openai, book_id)
    assert len(fake_openai.calls_for(CHAPTER)) == 1


async def test_a_repeated_tail_is_trimmed_at_the_seam(
    online_service, fake_openai, store, fast_backoff
):
    """Continuations that repeat the last words (as models do) join cleanly."""
    fake_openai.echo_words = 5
    fake_openai.fail(CHAPTER, Fault("drop", after=CUT), Fault("drop", after=60))
    book_id = await write_book(online_service())

    await assert_exact_book(store, fake_openai, book_id)
    calls = fake_openai.calls_for(CHAPTER)
    assert [c.text_so_far for c in calls[:2]] == [None, first_pieces(CUT)]
    # Second attempt: 5 repeated words, then 55 new ones.
    assert calls[2].text_so_far == first_pieces(CUT + 55)


async def test_a_continuation_broken_inside_the_repeated_tail_adds_nothing(
    online_service, fake_openai, store, fast_backoff
):
    """Text held back at the seam is dropped, not glued on, when the attempt fails."""
    fake_openai.echo_words = 5
    fake_openai.fail(CHAPTER, Fault("drop", after=CUT), Fault("drop", after=3))
    book_id = await write_book(online_service())

    await assert_exact_book(store, fake_openai, book_id)
    calls = fake_openai.calls_for(CHAPTER)
    assert [c.text_so_far for c in calls] == [None, *[first_pieces(CUT)] * 2]


async def test_a_client_error_is_not_retried(online_service, fake_openai, store):
    fake_openai.fail(CHAPTER, Fault("status", status=400))
    book_id = await write_book(online_service())

    assert (await store.get_book(book_id)).status == BookStatus.ERROR
    chapter = await chapter_of(store, book_id)
    assert chapter.status == MessageStatus.ERROR
    assert chapter.error == "The provider refused the request."
    assert len(fake_openai.calls_for(CHAPTER)) == 1


EXHAUSTING = {
    # every attempt breaks after 30 chunks: each continuation still adds 30
    "drops": ([Fault("drop", after=30)], True, MessageStatus.INTERRUPTED, 90),
    # one break, then the provider keeps refusing
    "5xx": (
        [Fault("drop", after=30), *[Fault("status", status=503)] * 3],
        False,
        MessageStatus.ERROR,
        30,
    ),
}


@pytest.mark.parametrize(
    ("faults", "every", "status", "kept"), EXHAUSTING.values(), ids=EXHAUSTING.keys()
)
async def test_exhausted_retries_keep_the_text_and_resume_completes_it(
    online_service, fake_openai, store, faults, every, status, kept, fast_backoff
):
    fake_openai.fail(CHAPTER, *faults, every=every)
    service = online_service(max_retries=2)
    book_id = await write_book(service)

    # Bounded: the first attempt and max_retries more, then the book shows an error.
    assert len(fake_openai.calls_for(CHAPTER)) == 3
    assert fast_backoff == [0.5, 1.0]  # exponential
    assert (await store.get_book(book_id)).status == BookStatus.ERROR
    partial = await chapter_of(store, book_id)
    assert partial.status == status
    assert partial.error
    assert partial.content == first_pieces(kept)
    assert await store.chunk_count() == 0

    fake_openai.heal()
    assert (await service.resume(book_id)).ok
    await service.run(book_id)

    await assert_exact_book(store, fake_openai, book_id)
    resumed = fake_openai.calls_for(CHAPTER)[3]
    assert resumed.text_so_far == partial.content
    assert (await chapter_of(store, book_id)).id == partial.id


async def test_backing_off_keeps_the_lease(online_service, fake_openai, store):
    """A long Retry-After must not let another worker take the book over."""
    fake_openai.fail(
        CHAPTER, Fault("drop", after=CUT), Fault("status", status=429, retry_after="1")
    )
    service = online_service(lease_s=0.5)
    book_id = await outline_and_approve(service)
    runner = asyncio.create_task(service.run(book_id))

    async def rate_limited() -> bool:
        return len(fake_openai.calls_for(CHAPTER)) >= 2

    await wait_until(rate_limited)
    waiting_since = time.monotonic()
    # Throughout the 1 s wait (twice the lease), nobody else may take the book.
    while len(fake_openai.calls_for(CHAPTER)) < 3:
        assert book_id not in await store.orphaned_books()
        assert not await store.claim_lease(book_id, "other", 0.5)
        assert time.monotonic() - waiting_since < 10, "the retry never came"
        await asyncio.sleep(0.05)  # sampling rate of the check, not an ordering
    assert time.monotonic() - waiting_since > 0.5  # longer than the lease
    await runner

    await assert_exact_book(store, fake_openai, book_id)
    assert (await chapter_of(store, book_id)).content == TRUE_CHAPTER


def _in_30_s() -> str:
    return format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)


@pytest.mark.parametrize(
    ("headers", "low", "high"),
    [
        ({"retry-after-ms": "1500", "retry-after": "9"}, 1.5, 1.5),  # OpenAI's own
        ({"retry-after": "2"}, 2.0, 2.0),
        ({"retry-after": "in 30 s"}, 25.0, 30.0),  # an HTTP date, made below
        ({"retry-after": "soon"}, None, None),
    ],
    ids=["ms", "seconds", "date", "garbage"],
)
async def test_how_long_a_rate_limit_asks_us_to_wait(headers, low, high):
    if headers.get("retry-after") == "in 30 s":
        headers = {"retry-after": _in_30_s()}
    err = json.dumps({"error": {"message": "slow down", "type": "rate_limit"}})
    provider = provider_for(streaming(err.encode(), 429, headers))
    with pytest.raises(ProviderError) as info:
        async for _ in provider.stream(
            [], model="m", stats=StreamStats(), max_tokens=50
        ):
            pass
    wait = info.value.retry_after
    assert info.value.retryable
    if low is None:
        assert wait is None
    else:
        assert low <= wait <= high

"""Provider errors reach the author as a category; the raw text goes to the log.

Real HTTP to the local fault server, the real SDK, provider, streamer and
storage on both databases. Every fault's body carries a marker that must show
up in the server log and nowhere an author could read it.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from bookgen.llm.errors import ErrorKind, author_text
from bookgen.storage.models import BookStatus, MessageStatus
from bookgen.storage.store import Store
from tests.faults.helpers import (
    CHAPTER,
    chapter_of,
    outline_and_approve,
    wait_until,
    write_book,
)
from tests.faults.openai_server import Fault

RAW = "RAW-PROVIDER-TEXT key sk-live-4f2a"

FINAL = {
    "401 bad key": (
        Fault("status", status=401, message=RAW, code="invalid_api_key"),
        "The provider rejected the API key.",
    ),
    "404 no such model": (
        Fault("status", status=404, message=RAW, code="model_not_found"),
        "The model does not exist on this provider.",
    ),
    "400 context length (OpenAI)": (
        Fault("status", status=400, message=RAW, code="context_length_exceeded"),
        "The request was too large for the model.",
    ),
    "400 context size (llama.cpp)": (
        Fault(
            "status", status=400, message=f"{RAW}: exceeds the available context size"
        ),
        "The request was too large for the model.",
    ),
    "429 out of credit": (
        Fault("status", status=429, message=RAW, code="insufficient_quota"),
        "The provider account has run out of credit.",
    ),
    "400 anything else": (
        Fault("status", status=400, message=RAW),
        "The provider refused the request.",
    ),
}


async def assert_shown_nowhere(store: Store, book_id: int, raw: str) -> None:
    """Not in any message's error, nor in what the page is built from."""
    overview = await store.overview(book_id)
    assert overview is not None
    assert all(raw not in m.error for m in overview.messages)
    assert raw not in repr(overview)


@pytest.mark.parametrize(("fault", "shown"), FINAL.values(), ids=FINAL.keys())
async def test_a_refusal_is_shown_as_its_category(
    online_service, fake_openai, store, fault, shown, caplog
):
    fake_openai.fail(CHAPTER, fault)
    with caplog.at_level(logging.WARNING, logger="bookgen.generation.streamer"):
        book_id = await write_book(online_service())

    assert (await store.get_book(book_id)).status == BookStatus.ERROR
    chapter = await chapter_of(store, book_id)
    assert chapter.status == MessageStatus.ERROR
    assert chapter.error == shown
    assert len(fake_openai.calls_for(CHAPTER)) == 1  # not retried
    await assert_shown_nowhere(store, book_id, RAW)
    assert RAW in caplog.text  # the operator still sees what the provider said


EXHAUSTED = {
    "429": (
        Fault("status", status=429, message=RAW, retry_after="1"),
        author_text(ErrorKind.RATE_LIMITED),
    ),
    "500": (
        Fault("status", status=500, message=RAW),
        "The provider is unavailable; press Retry to try again.",
    ),
    "error event mid-stream": (
        Fault("error_event", after=5),
        "The provider's reply kept breaking off; press Retry to continue.",
    ),
}


@pytest.mark.parametrize(("fault", "shown"), EXHAUSTED.values(), ids=EXHAUSTED.keys())
async def test_retries_running_out_show_the_category(
    online_service, fake_openai, store, fault, shown, fast_backoff, caplog
):
    fake_openai.fail(CHAPTER, fault, every=True)
    with caplog.at_level(logging.WARNING, logger="bookgen.generation.streamer"):
        book_id = await write_book(online_service(max_retries=1))

    assert len(fake_openai.calls_for(CHAPTER)) == 2
    assert (await store.get_book(book_id)).status == BookStatus.ERROR
    assert (await chapter_of(store, book_id)).error == shown
    raw = "overloaded" if fault.kind == "error_event" else RAW
    await assert_shown_nowhere(store, book_id, raw)
    assert raw in caplog.text


WAITS = {
    "429 Retry-After 20": (
        Fault("status", status=429, message=RAW, retry_after="20"),
        "Rate-limited by the provider; retrying in 20 s.",
    ),
    "503": (
        Fault("status", status=503, message=RAW),
        "The provider is unavailable; retrying…",
    ),
}


@pytest.mark.parametrize(("fault", "shown"), WAITS.values(), ids=WAITS.keys())
async def test_the_author_sees_the_wait_while_it_lasts(
    online_service, fake_openai, store, fault, shown
):
    fake_openai.fail(CHAPTER, fault, every=True)
    service = online_service()
    book_id = await outline_and_approve(service)
    runner = asyncio.create_task(service.run(book_id))

    async def notice_shown() -> bool:
        overview = await store.overview(book_id)
        return overview is not None and any(m.error == shown for m in overview.messages)

    await wait_until(notice_shown)
    await assert_shown_nowhere(store, book_id, RAW)
    assert (await service.stop(book_id)).ok  # Stop ends the wait at once
    await asyncio.wait_for(runner, 5)

    chapter = await chapter_of(store, book_id)
    assert chapter.status == MessageStatus.STOPPED
    assert chapter.error == ""  # the notice goes with the wait

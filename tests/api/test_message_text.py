"""The message-text route, served by Starlette over real SQLite and PostgreSQL.

Requests go through the ASGI app itself (``bookgen.api.api``), so routing,
parameter parsing and the store are exercised together; only the socket is
left out.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bookgen.api import MAX_OFFSET, api
from bookgen.config import get_settings
from bookgen.generation.forms import BookForm
from bookgen.runtime import get_service

# The largest id a PostgreSQL INTEGER key can hold.
MAX_ID = 2**31 - 1

# Settings a developer's shell may carry that would change what the service builds.
_FOREIGN_ENV = ("REDIS_URL", "REFLEX_REDIS_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL")


@pytest.fixture
async def client(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the API whose process-wide service uses the test database."""
    monkeypatch.setenv("DATABASE_URL", db_url)
    # Ids and offsets are the subject; access checks are tested in tests/auth.
    monkeypatch.setenv("BOOKGEN_AUTH", "off")
    for name in _FOREIGN_ENV:
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    get_service.cache_clear()
    # A server error is an answer (500) here, as a browser would see it.
    transport = httpx.ASGITransport(app=api, raise_app_exceptions=False)
    try:
        async with httpx.AsyncClient(
            transport=transport, base_url="http://bookgen.test"
        ) as http:
            yield http
    finally:
        await get_service().store.engine.dispose()
        get_service.cache_clear()
        get_settings.cache_clear()


async def request_message() -> tuple[int, str]:
    """A new book's first message (the author's request): its id and text."""
    service = get_service()
    book = await service.create_book(
        BookForm(title="Ids", premise="A lighthouse keeper finds a bottle.")
    )
    assert book.id is not None
    snapshot = await service.store.snapshot(book.id)
    assert snapshot is not None
    (first,) = snapshot.messages
    assert first.id is not None and first.content
    return first.id, first.content


async def test_a_message_text_is_served_from_an_offset(
    client: httpx.AsyncClient,
) -> None:
    message_id, text = await request_message()

    whole = await client.get(f"/api/messages/{message_id}/text")
    tail = await client.get(f"/api/messages/{message_id}/text", params={"from": 5})
    past_end = await client.get(
        f"/api/messages/{message_id}/text", params={"from": MAX_OFFSET}
    )

    assert (whole.status_code, whole.text) == (200, text)
    assert whole.headers["cache-control"] == "no-store"
    assert (tail.status_code, tail.text) == (200, text[5:])
    assert (past_end.status_code, past_end.text) == (200, "")


@pytest.mark.parametrize(
    "message_id",
    [
        "9" * 30,  # far beyond any integer column
        str(2**63),  # beyond SQLite's 64-bit integers
        str(MAX_ID + 1),  # beyond PostgreSQL's 32-bit INTEGER ids
        str(MAX_ID),  # in range, but no such message
        "0",
        "-1",
        "abc",
        "1e3",
    ],
)
async def test_an_id_that_names_no_message_is_not_found(
    client: httpx.AsyncClient, message_id: str
) -> None:
    await request_message()  # the table is not empty: id 1 exists

    response = await client.get(f"/api/messages/{message_id}/text")

    assert (response.status_code, response.text) == (404, "no such message")


@pytest.mark.parametrize("start", ["-1", "abc", "", "1.5", " 1", "+1", "1_0", "9" * 30])
async def test_a_bad_offset_is_refused_with_a_reason(
    client: httpx.AsyncClient, start: str
) -> None:
    message_id, _ = await request_message()

    response = await client.get(
        f"/api/messages/{message_id}/text", params={"from": start}
    )

    assert response.status_code == 400
    assert response.text == (
        f"'from' must be a whole number of characters from 0 to {MAX_OFFSET}"
    )

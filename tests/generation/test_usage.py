"""A book's usage: stored per message (with the estimated flag), summed per
book on SQLite and PostgreSQL, priced from the table, and worded for pages."""

from __future__ import annotations

import pytest

from bookgen.config import DEFAULT_PRICES, Settings
from bookgen.generation.forms import BookForm
from bookgen.generation.service import store_new_book
from bookgen.generation.usage import cost_of, message_tokens, usage_line
from bookgen.storage.models import MessageKind, MessageStatus, Role
from bookgen.storage.store import MessageMeta, NewMessage, Store
from bookgen.storage.toolkit import TokenUsage, Toolkit

PRICES = DEFAULT_PRICES


async def a_book_with_usage(store: Store, usages: list[tuple[int, int, bool]]) -> int:
    book = await store_new_book(
        store, BookForm(title="Counted", premise="Tokens."), default_model="gpt-4o"
    )
    assert book.id is not None
    for tokens_in, tokens_out, estimated in usages:
        message = await store.add_message(
            book.id,
            NewMessage(
                Role.ASSISTANT,
                MessageKind.OUTLINE,
                status=MessageStatus.STREAMING,
            ),
        )
        assert message is not None and message.id is not None
        await store.finish_message(
            message.id,
            status=MessageStatus.COMPLETE,
            prompt_tokens=tokens_in,
            completion_tokens=tokens_out,
            usage_estimated=estimated,
        )
    return book.id


async def test_usage_is_summed_per_book_and_estimates_are_marked(store: Store) -> None:
    exact = await a_book_with_usage(store, [(1000, 200, False), (2000, 300, False)])
    guessed = await a_book_with_usage(store, [(10, 5, False), (40, 20, True)])
    untouched = await a_book_with_usage(store, [])
    toolkit = Toolkit(store.engine)

    sums = await toolkit.usage_by_book([exact, guessed, untouched, 0, 2**40])

    assert sums[exact] == TokenUsage(3000, 500, estimated=False)
    assert sums[guessed] == TokenUsage(50, 25, estimated=True)
    # The author's request counts nothing.
    assert sums[untouched] == TokenUsage(0, 0, estimated=False)
    assert await toolkit.usage_by_book([]) == {}
    # The book page's overview carries the whole book's sums: the same numbers,
    # even when the chat panel's window holds only the newest messages.
    for book_id in (exact, guessed):
        overview = await store.overview(book_id)
        assert overview is not None
        assert overview.usage == sums[book_id]
        windowed = await store.overview(book_id, limit=1)
        assert windowed is not None and len(windowed.messages) < 3
        assert windowed.usage == sums[book_id]


async def test_a_resumed_message_stays_estimated_once_any_part_was(
    store: Store,
) -> None:
    book_id = await a_book_with_usage(store, [(10, 5, True)])
    snap = await store.snapshot(book_id)
    assert snap is not None
    message_id = snap.messages[-1].id
    assert message_id is not None

    await store.reopen_message(message_id)
    await store.finish_message(
        message_id, status=MessageStatus.COMPLETE, prompt_tokens=7, completion_tokens=3
    )

    usage = (await Toolkit(store.engine).usage_by_book([book_id]))[book_id]
    assert usage == TokenUsage(17, 8, estimated=True)


@pytest.mark.parametrize(
    ("usage", "model", "line"),
    [
        (
            TokenUsage(12_345, 6_789),
            "gpt-4o-mini",
            "12,345 tokens in · 6,789 out · est. $0.01",
        ),
        (
            TokenUsage(12_345, 6_789, estimated=True),
            "gpt-4o-mini",
            "12,345 tokens in · 6,789 out (estimated) · est. $0.01",
        ),
        (
            TokenUsage(1_200_000, 400_000),
            "gpt-4o",
            "1,200,000 tokens in · 400,000 out · est. $7.00",
        ),
        (TokenUsage(100, 50), "gpt-4o", "100 tokens in · 50 out · est. <$0.01"),
        (
            TokenUsage(5_000, 3_000),
            "bookgen-offline",
            "5,000 tokens in · 3,000 out · est. $0.00",
        ),
        (TokenUsage(), "gpt-4o", "0 tokens in · 0 out · est. $0.00"),
        (
            TokenUsage(10, 10),
            "my-local-llama",
            "10 tokens in · 10 out · no price for this model",
        ),
    ],
)
def test_the_usage_line(usage: TokenUsage, model: str, line: str) -> None:
    assert usage_line(usage, model, PRICES) == line


def test_prices_come_from_the_environment_over_the_defaults(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BOOKGEN_PRICES", '{"my-local-llama": [1, 2], "gpt-4o": [0, 0]}')
    table = Settings().price_table

    assert cost_of(TokenUsage(1_000_000, 1_000_000), "my-local-llama", table) == 3.0
    assert cost_of(TokenUsage(1_000_000, 1_000_000), "gpt-4o", table) == 0.0
    assert table["gpt-4o-mini"] == DEFAULT_PRICES["gpt-4o-mini"]


@pytest.mark.parametrize("raw", ['{"m": [1, -2]}', '{"m": "cheap"}', "[1, 2]", "cheap"])
def test_a_bad_price_table_is_refused(
    monkeypatch: pytest.MonkeyPatch, raw: str
) -> None:
    monkeypatch.setenv("BOOKGEN_PRICES", raw)
    with pytest.raises(ValueError, match="BOOKGEN_PRICES"):
        Settings()


@pytest.mark.parametrize(
    ("tokens", "line"),
    [
        ((1234, 567, False), "1,234 in · 567 out"),
        ((1234, 567, True), "1,234 in · 567 out (estimated)"),
        ((0, 0, False), ""),  # the author's own messages
    ],
)
def test_a_messages_tokens(tokens: tuple[int, int, bool], line: str) -> None:
    tokens_in, tokens_out, estimated = tokens
    meta = MessageMeta(
        1,
        "assistant",
        "outline",
        None,
        "complete",
        "",
        10,
        prompt_tokens=tokens_in,
        completion_tokens=tokens_out,
        usage_estimated=estimated,
    )
    assert message_tokens(meta) == line

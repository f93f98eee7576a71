"""Reactions on real SQLite and PostgreSQL: toggled per user, counted, bounded."""

from __future__ import annotations

import asyncio

from sqlmodel import col, func, select

from bookgen.storage.db import make_sessionmaker
from bookgen.storage.models import MAX_ROW_ID, MessageKind, Role
from bookgen.storage.reaction_models import LOCAL_AUTHOR, Reaction, ReactionName
from bookgen.storage.store import NewMessage, Store
from tests.storage.seed_many import users
from tests.storage.test_store import new_book_id

UP, HEART = ReactionName.UP, ReactionName.HEART


async def first_message(store: Store, book_id: int) -> int:
    overview = await store.overview(book_id)
    assert overview is not None
    return overview.messages[0].id


async def reaction_count(store: Store) -> int:
    async with make_sessionmaker(store.engine)() as s:
        return int((await s.exec(select(func.count(col(Reaction.id))))).one())


async def test_a_reaction_toggles_per_user_and_shows_in_the_overview(store: Store):
    ana, ben = await users(store, 2)
    book_id = await new_book_id(store)
    mid = await first_message(store, book_id)

    assert await store.reactions.toggle(mid, ana, UP) is True
    assert await store.reactions.toggle(mid, ben, UP) is True
    assert await store.reactions.toggle(mid, ana, HEART) is True
    overview = await store.overview(book_id)
    assert overview is not None
    got = sorted((r.message_id, r.name, r.user_id) for r in overview.reactions)
    assert got == sorted([(mid, "up", ana), (mid, "up", ben), (mid, "heart", ana)])

    # Pressing again takes it back; only that user's, only that name.
    assert await store.reactions.toggle(mid, ana, UP) is False
    rows = await store.reactions.rows([mid])
    assert sorted((r.name, r.user_id) for r in rows) == [("heart", ana), ("up", ben)]
    assert await store.reactions.toggle(mid, ana, UP) is True
    assert await reaction_count(store) == 3


async def test_the_single_author_reacts_as_one_user(store: Store):
    book_id = await new_book_id(store)
    mid = await first_message(store, book_id)
    assert await store.reactions.toggle(mid, LOCAL_AUTHOR, UP) is True
    assert [r.user_id for r in await store.reactions.rows([mid])] == [LOCAL_AUTHOR]
    assert await store.reactions.toggle(mid, LOCAL_AUTHOR, UP) is False
    assert await store.reactions.rows([mid]) == []


async def test_missing_and_impossible_ids_are_not_found_and_store_nothing(
    store: Store,
):
    (ana,) = await users(store, 1)
    book_id = await new_book_id(store)
    mid = await first_message(store, book_id)
    for message_id in (mid + 1000, MAX_ROW_ID, MAX_ROW_ID + 1, 2**70, 0, -1):
        assert await store.reactions.toggle(message_id, ana, UP) is None
    for user_id in (-1, MAX_ROW_ID + 1, 2**70):
        assert await store.reactions.toggle(mid, user_id, UP) is None
    assert await reaction_count(store) == 0


async def test_racing_toggles_of_one_user_leave_at_most_one_row(store: Store):
    (ana,) = await users(store, 1)
    book_id = await new_book_id(store)
    mid = await first_message(store, book_id)
    results = await asyncio.gather(
        *(store.reactions.toggle(mid, ana, UP) for _ in range(6))
    )
    assert all(r in (True, False) for r in results)
    assert await reaction_count(store) in (0, 1)


async def test_reactions_reach_the_overview_for_its_window_only(store: Store):
    (ana,) = await users(store, 1)
    book_id = await new_book_id(store)
    first = await first_message(store, book_id)
    for _ in range(3):
        await store.add_message(
            book_id, NewMessage(role=Role.USER, kind=MessageKind.FEEDBACK)
        )
    assert await store.reactions.toggle(first, ana, HEART) is True
    narrow = await store.overview(book_id, limit=2)
    assert narrow is not None and narrow.has_older
    assert narrow.reactions == []  # the first message is outside the window
    page = await store.thread_page(book_id, before=narrow.thread_from, limit=10)
    assert [(r.message_id, r.name) for r in page.reactions] == [(first, "heart")]

"""Editing finished messages on real SQLite and PostgreSQL: versions kept,
optimistic concurrency (exactly one of two saves on one base wins), what may
not be edited, and presence rows with expiry."""

from __future__ import annotations

import asyncio

from bookgen.storage.edits import SaveOutcome
from bookgen.storage.models import BookStatus, MessageKind, MessageStatus, Role
from bookgen.storage.store import NewMessage, Store
from tests.storage.test_store import new_book_id

ORIGINAL = "The storm came at dusk.\n\nThe lamp went out."


async def message(
    store: Store,
    book_id: int,
    kind: MessageKind = MessageKind.CHAPTER,
    status: MessageStatus = MessageStatus.COMPLETE,
    text: str = ORIGINAL,
) -> int:
    chapter = 1 if kind == MessageKind.CHAPTER else None
    msg = await store.add_message(
        book_id,
        NewMessage(
            role=Role.ASSISTANT, kind=kind, chapter=chapter, status=status, content=text
        ),
    )
    assert msg is not None and msg.id is not None
    return msg.id


async def test_each_save_keeps_every_version_with_its_author(store: Store):
    book_id = await new_book_id(store)
    mid = await message(store, book_id)
    first = await store.edits.save(
        mid, book_id=book_id, text="One.", base=0, author_id=None
    )
    assert first.outcome == SaveOutcome.SAVED and first.version == 1
    second = await store.edits.save(
        mid, book_id=book_id, text="Two.", base=1, author_id=None
    )
    assert second.outcome == SaveOutcome.SAVED and second.version == 2
    versions = await store.edits.versions(mid)
    assert [(v.version, v.content) for v in versions] == [
        (0, ORIGINAL),
        (1, "One."),
        (2, "Two."),
    ]
    # What every consumer reads (prompts, exports, the text route) is the new text.
    assert await store.message_text(mid) == "Two."
    snap = await store.snapshot(book_id)
    assert snap is not None and snap.text_of(mid) == "Two."
    overview = await store.overview(book_id)
    assert overview is not None
    meta = next(m for m in overview.messages if m.id == mid)
    assert (meta.version, meta.length) == (2, 4)


async def test_two_saves_on_one_base_exactly_one_wins(store: Store):
    book_id = await new_book_id(store)
    mid = await message(store, book_id)
    results = await asyncio.gather(
        *(
            store.edits.save(
                mid, book_id=book_id, text=f"Text {i}.", base=0, author_id=None
            )
            for i in range(4)
        )
    )
    outcomes = sorted(r.outcome for r in results)
    assert outcomes.count(SaveOutcome.SAVED) == 1
    assert outcomes.count(SaveOutcome.CONFLICT) == 3
    winner = next(r for r in results if r.outcome == SaveOutcome.SAVED)
    text = await store.message_text(mid)
    # Each loser is told the version and text that won.
    for r in results:
        if r.outcome == SaveOutcome.CONFLICT:
            assert (r.version, r.current) == (1, text)
    assert winner.version == 1
    assert [v.version for v in await store.edits.versions(mid)] == [0, 1]


async def test_a_stale_base_is_a_conflict_and_changes_nothing(store: Store):
    book_id = await new_book_id(store)
    mid = await message(store, book_id)
    await store.edits.save(mid, book_id=book_id, text="Mine.", base=0, author_id=None)
    stale = await store.edits.save(
        mid, book_id=book_id, text="Late.", base=0, author_id=None
    )
    assert (stale.outcome, stale.version, stale.current) == (
        SaveOutcome.CONFLICT,
        1,
        "Mine.",
    )
    assert await store.message_text(mid) == "Mine."
    # Knowingly overwriting: a save against the version now current.
    again = await store.edits.save(
        mid, book_id=book_id, text="Late.", base=1, author_id=None
    )
    assert again.outcome == SaveOutcome.SAVED
    assert await store.message_text(mid) == "Late."


async def test_streaming_other_kinds_and_foreign_books_are_not_editable(
    store: Store,
):
    book_id = await new_book_id(store)
    other_book = await new_book_id(store)
    streaming = await message(store, book_id, status=MessageStatus.STREAMING)
    stopped = await message(store, book_id, status=MessageStatus.STOPPED)
    summary = await message(store, book_id, kind=MessageKind.SUMMARY)
    chapter = await message(store, book_id)
    for mid, book in [
        (streaming, book_id),
        (stopped, book_id),
        (summary, book_id),
        (chapter, other_book),  # not that book's message
        (2**40, book_id),
        (-1, book_id),
    ]:
        result = await store.edits.save(
            mid, book_id=book, text="X.", base=0, author_id=None
        )
        assert result.outcome == SaveOutcome.NOT_EDITABLE, (mid, book)
    bad_base = await store.edits.save(
        chapter, book_id=book_id, text="X.", base=-1, author_id=None
    )
    assert bad_base.outcome == SaveOutcome.NOT_EDITABLE
    assert await store.message_text(streaming) == ORIGINAL
    assert await store.edits.versions(chapter) == []


async def test_an_outline_is_editable_only_while_it_awaits_approval(store: Store):
    book_id = await new_book_id(store)
    mid = await message(store, book_id, kind=MessageKind.OUTLINE)
    refused = await store.edits.save(
        mid, book_id=book_id, text="1. A", base=0, author_id=None
    )
    assert refused.outcome == SaveOutcome.NOT_EDITABLE  # still outlining
    assert await store.transition(
        book_id,
        from_statuses=[BookStatus.OUTLINING],
        to_status=BookStatus.AWAITING_APPROVAL,
    )
    book = await store.get_book(book_id)
    assert book is not None
    saved = await store.edits.save(
        mid, book_id=book_id, text="1. A", base=0, author_id=None
    )
    assert saved.outcome == SaveOutcome.SAVED
    # An approval made against the outline as it was fails: the book moved on.
    assert not await store.transition(
        book_id,
        from_statuses=[BookStatus.AWAITING_APPROVAL],
        to_status=BookStatus.WRITING,
        version=book.version,
    )
    overview = await store.overview(book_id)
    assert overview is not None and overview.outline_text == "1. A"


async def test_a_stale_outline_save_rolls_back_its_book_bump(store: Store):
    """The conflict path undoes the whole save: an approval made against the
    book as it was after the winning save still goes through."""
    book_id = await new_book_id(store)
    mid = await message(store, book_id, kind=MessageKind.OUTLINE)
    assert await store.transition(
        book_id,
        from_statuses=[BookStatus.OUTLINING],
        to_status=BookStatus.AWAITING_APPROVAL,
    )
    won = await store.edits.save(
        mid, book_id=book_id, text="1. Mine", base=0, author_id=None
    )
    assert won.outcome == SaveOutcome.SAVED
    book = await store.get_book(book_id)
    assert book is not None
    stale = await store.edits.save(
        mid, book_id=book_id, text="1. Theirs", base=0, author_id=None
    )
    assert (stale.outcome, stale.version, stale.current) == (
        SaveOutcome.CONFLICT,
        1,
        "1. Mine",
    )
    assert await store.transition(
        book_id,
        from_statuses=[BookStatus.AWAITING_APPROVAL],
        to_status=BookStatus.WRITING,
        version=book.version,
    )
    assert [v.content for v in await store.edits.versions(mid)] == [
        ORIGINAL,
        "1. Mine",
    ]


async def test_presence_rows_list_editors_and_expire(store: Store):
    book_id = await new_book_id(store)
    mid = await message(store, book_id)
    await store.edits.enter(
        "tab-a", book_id=book_id, message_id=mid, name="Ana", ttl_s=30
    )
    await store.edits.enter(
        "tab-b", book_id=book_id, message_id=mid, name="Bo", ttl_s=-1
    )
    editors = await store.edits.editors(book_id)
    assert [(e.tab, e.name, e.message_id) for e in editors] == [("tab-a", "Ana", mid)]
    overview = await store.overview(book_id)
    assert overview is not None and [e.name for e in overview.editors] == ["Ana"]
    assert not await store.edits.renew("tab-z", 30)
    assert await store.edits.renew("tab-a", 30)
    assert await store.edits.leave("tab-a") == book_id
    assert await store.edits.leave("tab-a") is None
    assert await store.edits.editors(book_id) == []

"""Regenerating one chapter through the real service and storage, offline model.

A new version streams as its own message with the author's feedback in its
prompt; the chapter, the later chapters and the book's progress stay as they
were until the author keeps it; keeping saves it as the chapter's next version
(the old text kept), keeping the current one leaves the chapter alone. Nothing
is deleted either way.
"""

from __future__ import annotations

import asyncio

import pytest

from bookgen.generation.machine import next_step
from bookgen.generation.redraft import (
    NO_NEW_VERSION,
    NOT_FINISHED,
    REDRAFT_FEEDBACK_TOO_LONG,
    pending,
)
from bookgen.generation.service import GenerationService
from bookgen.llm import make_provider
from bookgen.llm.prompt_markers import FEEDBACK, chapter_task, labelled
from bookgen.storage.models import (
    REDRAFT_FEEDBACK_CHARS,
    BookStatus,
    Message,
    MessageKind,
    MessageStatus,
)
from bookgen.storage.store import Store
from tests.generation.helpers import FAST, book_of, make_service, new_book_id
from tests.generation.test_edited_context import RecordingProvider, prompt_text

WISH = "More dialogue, and end on the storm."


async def finished_book(service: GenerationService, chapters: int = 3) -> int:
    """A complete book written by the runner."""
    book_id = await new_book_id(service, chapters=chapters, words=300)
    await service.run(book_id)
    assert (await service.approve(book_id)).ok
    await service.run(book_id)
    snap = await book_of(service.store, book_id)
    assert snap.book.status == BookStatus.COMPLETE
    return book_id


def of_kind(messages: list[Message], kind: MessageKind) -> list[Message]:
    return [m for m in messages if m.kind == kind]


def chapters(messages: list[Message]) -> dict[int, tuple[int | None, str, int]]:
    """Chapter number: (message id, text, version)."""
    return {
        m.chapter or 0: (m.id, m.content, m.version)
        for m in of_kind(messages, MessageKind.CHAPTER)
    }


async def test_a_new_version_streams_with_the_feedback_and_keeping_it_wins(
    store: Store,
):
    provider = RecordingProvider(make_provider(FAST))
    service = make_service(store, provider)
    book_id = await finished_book(service)
    before = await book_of(store, book_id)
    old = chapters(before.messages)
    summaries = len(of_kind(before.messages, MessageKind.SUMMARY))
    provider.prompts.clear()

    assert (await service.regenerate(book_id, 2, f"  {WISH}  ")).ok
    assert (await book_of(store, book_id)).book.status == BookStatus.WRITING
    await service.run(book_id)

    snap = await book_of(store, book_id)
    assert snap.book.status == BookStatus.COMPLETE
    assert snap.book.chapters_done == 3
    [ask] = of_kind(snap.messages, MessageKind.REDRAFT_ASK)
    assert (ask.chapter, ask.content) == (2, WISH)
    [new] = of_kind(snap.messages, MessageKind.REDRAFT)
    assert new.chapter == 2 and new.status == MessageStatus.COMPLETE
    assert len(new.content.split()) >= 200  # the chapter's target length
    assert new.content != old[2][1]
    # Every call of the new version asked for chapter 2 with the feedback.
    assert provider.prompts
    for prompt in provider.prompts:
        text = prompt_text(prompt)
        assert labelled(FEEDBACK, WISH) in text
        assert labelled("Task", chapter_task(2)) in text
    # Until kept, the chapter (and every other) reads as before.
    assert chapters(snap.messages) == old
    assert len(of_kind(snap.messages, MessageKind.SUMMARY)) == summaries
    assert next_step(snap.book, snap.messages) is None
    found = pending(snap.messages)
    assert found is not None and found.candidate_id == new.id
    assert found.candidate_complete

    assert new.id is not None
    assert (
        await service.choose_version(book_id, new.id, keep_new=True, author_id=None)
    ).ok
    kept = await book_of(store, book_id)
    now = chapters(kept.messages)
    assert now[2] == (old[2][0], new.content, 1)
    assert now[1] == old[1] and now[3] == old[3]
    assert pending(kept.messages) is None
    assert [m.content for m in of_kind(kept.messages, MessageKind.REDRAFT)] == [
        new.content
    ]
    assert len(of_kind(kept.messages, MessageKind.REDRAFT_KEEP)) == 1
    chapter_id = old[2][0]
    assert chapter_id is not None
    versions = await store.edits.versions(chapter_id)
    assert [(v.version, v.content) for v in versions] == [
        (0, old[2][1]),
        (1, new.content),
    ]
    # Chosen once: a second choice finds nothing to choose.
    again = await service.choose_version(
        book_id, new.id, keep_new=False, author_id=None
    )
    assert (again.ok, again.reason) == (False, NO_NEW_VERSION)


async def test_keeping_the_current_chapter_changes_nothing_and_deletes_nothing(
    store: Store,
):
    service = make_service(store)
    book_id = await finished_book(service, chapters=2)
    old = chapters((await book_of(store, book_id)).messages)
    assert (await service.regenerate(book_id, 1)).ok
    await service.run(book_id)
    [new] = of_kind((await book_of(store, book_id)).messages, MessageKind.REDRAFT)
    assert new.id is not None
    assert new.content != old[1][1]  # a fresh take even without feedback

    result = await service.choose_version(
        book_id, new.id, keep_new=False, author_id=None
    )
    assert result.ok
    snap = await book_of(store, book_id)
    assert chapters(snap.messages) == old
    assert [m.id for m in of_kind(snap.messages, MessageKind.REDRAFT)] == [new.id]
    assert len(of_kind(snap.messages, MessageKind.REDRAFT_DROP)) == 1
    assert pending(snap.messages) is None
    # The book may regenerate again, with the stale summary rebuilt first.
    assert (await service.regenerate(book_id, 2, "Quieter.")).ok


async def test_a_kept_version_is_summarised_again_before_the_next_redraft(
    store: Store,
):
    service = make_service(store)
    book_id = await finished_book(service, chapters=2)
    assert (await service.regenerate(book_id, 1, WISH)).ok
    await service.run(book_id)
    [new] = of_kind((await book_of(store, book_id)).messages, MessageKind.REDRAFT)
    assert new.id is not None
    assert (
        await service.choose_version(book_id, new.id, keep_new=True, author_id=None)
    ).ok
    summaries = len(
        of_kind((await book_of(store, book_id)).messages, MessageKind.SUMMARY)
    )
    assert (await service.regenerate(book_id, 2)).ok
    await service.run(book_id)
    snap = await book_of(store, book_id)
    assert snap.book.status == BookStatus.COMPLETE
    rewritten = of_kind(snap.messages, MessageKind.SUMMARY)[summaries:]
    assert [m.chapter for m in rewritten] == [1]  # only the kept chapter's
    assert len(of_kind(snap.messages, MessageKind.REDRAFT)) == 2


async def test_two_regenerate_calls_at_once_start_one(store: Store):
    service = make_service(store)
    book_id = await finished_book(service, chapters=2)
    results = await asyncio.gather(
        service.regenerate(book_id, 1, "One."),
        service.regenerate(book_id, 2, "Two."),
    )
    assert sorted(r.ok for r in results) == [False, True]
    snap = await book_of(store, book_id)
    assert len(of_kind(snap.messages, MessageKind.REDRAFT_ASK)) == 1
    assert snap.book.status == BookStatus.WRITING


@pytest.mark.parametrize(
    ("chapter", "feedback"),
    [
        (0, ""),
        (3, ""),
        (-1, ""),
        (2**40, ""),
        ("1", ""),
        (True, ""),
        (None, ""),
        (1.0, ""),
        (1, "x" * (REDRAFT_FEEDBACK_CHARS.high + 1)),
        (1, None),
        (1, ["more"]),
    ],
)
async def test_hostile_requests_are_refused_and_store_nothing(
    store: Store, chapter: object, feedback: object
):
    service = make_service(store)
    book_id = await finished_book(service, chapters=2)
    before = await book_of(store, book_id)
    result = await service.regenerate(book_id, chapter, feedback)
    assert not result.ok and result.reason
    after = await book_of(store, book_id)
    assert [m.id for m in after.messages] == [m.id for m in before.messages]
    assert after.book.status == BookStatus.COMPLETE


async def test_refused_while_the_book_is_not_finished_or_a_version_waits(
    store: Store,
):
    service = make_service(store)
    book_id = await new_book_id(service, chapters=2)
    await service.run(book_id)  # awaiting approval
    assert (await service.regenerate(book_id, 1)).reason == NOT_FINISHED
    assert not (await service.regenerate(2**31 - 1, 1)).ok
    assert not (await service.regenerate(0, 1)).ok
    assert (await service.approve(book_id)).ok
    await service.run(book_id)
    assert (await service.regenerate(book_id, 1)).ok
    await service.run(book_id)
    # A new version waits for the author's choice: one at a time.
    refused = await service.regenerate(book_id, 2)
    assert not refused.ok and refused.reason
    too_long = await service.regenerate(book_id, 2, "x" * 5000)
    assert too_long.reason == REDRAFT_FEEDBACK_TOO_LONG
    # A choice names the version shown; another id chooses nothing.
    snap = await book_of(store, book_id)
    [new] = of_kind(snap.messages, MessageKind.REDRAFT)
    assert new.id is not None
    for wrong in (new.id + 1000, 0, -5, 2**40):
        result = await service.choose_version(
            book_id, wrong, keep_new=True, author_id=None
        )
        assert (result.ok, result.reason) == (False, NO_NEW_VERSION)
    other = await finished_book(service, chapters=1)
    result = await service.choose_version(other, new.id, keep_new=True, author_id=None)
    assert not result.ok
    assert pending((await book_of(store, book_id)).messages) is not None


async def test_two_choices_at_once_land_exactly_one(store: Store):
    service = make_service(store)
    book_id = await finished_book(service, chapters=1)
    old = chapters((await book_of(store, book_id)).messages)
    assert (await service.regenerate(book_id, 1, WISH)).ok
    await service.run(book_id)
    [new] = of_kind((await book_of(store, book_id)).messages, MessageKind.REDRAFT)
    assert new.id is not None
    keep, drop = await asyncio.gather(
        service.choose_version(book_id, new.id, keep_new=True, author_id=None),
        service.choose_version(book_id, new.id, keep_new=False, author_id=None),
    )
    assert sorted([keep.ok, drop.ok]) == [False, True]
    snap = await book_of(store, book_id)
    decisions = of_kind(snap.messages, MessageKind.REDRAFT_KEEP) + of_kind(
        snap.messages, MessageKind.REDRAFT_DROP
    )
    assert len(decisions) == 1
    text = chapters(snap.messages)[1][1]
    assert text == (new.content if keep.ok else old[1][1])

"""Branching a book through the real service and storage, offline model.

A branch at a message shares everything before it (the same rows, not
copies), writes that message anew (with the author's "what if" in its prompt)
and everything after it; the branch left keeps every message it had; the
branches are listed and switchable, and a branch left while streaming stops
and resumes later from its last word.
"""

from __future__ import annotations

from sqlmodel import col, select

from bookgen.generation.branch_actions import CHANGED, NO_SUCH_BRANCH, NO_SUCH_CHAPTER
from bookgen.generation.branching import (
    NOT_ON_BRANCH,
    WISH_NEEDS_OUTLINE,
    WISH_NOT_TEXT,
    WISH_TOO_LONG,
)
from bookgen.generation.exports import export_book
from bookgen.generation.redraft import chapter_message
from bookgen.llm import make_provider
from bookgen.llm.prompt_markers import FEEDBACK, chapter_task, labelled
from bookgen.storage.db import make_sessionmaker
from bookgen.storage.models import (
    BRANCH_WISH_CHARS,
    BookStatus,
    Message,
    MessageKind,
    Thread,
)
from bookgen.storage.store import Store
from tests.generation.helpers import FAST, book_of, make_service
from tests.generation.test_edited_context import RecordingProvider, prompt_text
from tests.generation.test_redraft import finished_book, of_kind

WISH = "What if the keeper never lit the lamp?"


async def every_message(store: Store, book_id: int) -> dict[int, tuple[str, str]]:
    """Every stored message of the book, on any branch: id -> (kind, text)."""
    async with make_sessionmaker(store.engine)() as s:
        rows = await s.exec(
            select(Message).where(Message.book_id == book_id).order_by(col(Message.id))
        )
        return {m.id or 0: (m.kind, m.content) for m in rows.all()}


async def thread_count(store: Store, book_id: int) -> int:
    async with make_sessionmaker(store.engine)() as s:
        rows = await s.exec(select(Thread.id).where(Thread.book_id == book_id))
        return len(rows.all())


async def test_a_branch_at_chapter_2_shares_the_start_and_rewrites_the_rest(
    store: Store,
):
    provider = RecordingProvider(make_provider(FAST))
    service = make_service(store, provider)
    book_id = await finished_book(service, chapters=3)
    first = await book_of(store, book_id)
    before = await every_message(store, book_id)
    chapter_2 = chapter_message(first.messages, 2)
    assert chapter_2 is not None and chapter_2.id is not None
    shared = [m.id for m in first.messages if m.id is not None and m.id < chapter_2.id]
    provider.prompts.clear()

    result = await service.branch(book_id, chapter_2.id, f"  {WISH} ")
    assert (result.ok, result.generating) == (True, True)
    started = await book_of(store, book_id)
    assert started.book.status == BookStatus.WRITING
    assert started.book.chapters_done == 1
    await service.run(book_id)

    second = await book_of(store, book_id)
    assert second.book.status == BookStatus.COMPLETE
    assert second.book.chapters_done == 3
    ids = [m.id for m in second.messages]
    # The same rows before the fork, then only the branch's own messages.
    assert ids[: len(shared)] == shared
    own = second.messages[len(shared) :]
    assert own[0].kind == MessageKind.BRANCH and own[0].content == WISH
    assert all(m.id not in before for m in own)
    assert [(m.kind, m.chapter) for m in own[1:]] == [
        (MessageKind.CHAPTER, 2),
        (MessageKind.SUMMARY, 2),
        (MessageKind.CHAPTER, 3),
        (MessageKind.SUMMARY, 3),
    ]
    # Chapter 2 was asked for with the wish; chapter 3 without it.
    chapter_2_prompts = [
        prompt_text(p)
        for p in provider.prompts
        if labelled("Task", chapter_task(2)) in prompt_text(p)
    ]
    assert chapter_2_prompts
    assert all(labelled(FEEDBACK, WISH) in text for text in chapter_2_prompts)
    assert not any(
        labelled(FEEDBACK, WISH) in prompt_text(p)
        for p in provider.prompts
        if labelled("Task", chapter_task(3)) in prompt_text(p)
    )
    # The export is the version shown: its chapter 2 is the new one.
    exported = await export_book(store, second.book, author="", cover_png=None)
    new_2 = chapter_message(second.messages, 2)
    assert new_2 is not None
    assert [c.text for c in exported.chapters][1] == new_2.content != chapter_2.content
    # Nothing was deleted or changed: every message of before is still there.
    after = await every_message(store, book_id)
    assert {i: after[i] for i in before} == before

    branches = await store.branches(book_id)
    assert [(b.number, b.current, b.status) for b in branches] == [
        (1, False, BookStatus.COMPLETE),
        (2, True, BookStatus.COMPLETE),
    ]
    assert branches[1].forked_from_id == chapter_2.id
    assert branches[1].label == f"From chapter 2: {WISH}"
    assert branches[1].parent_number == 1

    # Switching back shows the first version exactly as it was.
    assert (await service.switch_branch(book_id, branches[0].id)).ok
    back = await book_of(store, book_id)
    assert [(m.id, m.content) for m in back.messages] == [
        (m.id, m.content) for m in first.messages
    ]
    assert back.book.status == BookStatus.COMPLETE
    assert back.book.chapters_done == 3
    exported = await export_book(store, back.book, author="", cover_png=None)
    assert exported.chapters[1].text == chapter_2.content
    overview = await store.overview(book_id)
    assert overview is not None
    assert {m.id for m in overview.messages} <= {m.id for m in first.messages}


async def test_regenerate_from_here_on_rebuilds_the_later_chapters_and_summaries(
    store: Store,
):
    service = make_service(store)
    book_id = await finished_book(service, chapters=3)
    first = await book_of(store, book_id)

    result = await service.regenerate_from(book_id, 2, "End on the storm.")
    assert result.ok and result.generating
    await service.run(book_id)

    snap = await book_of(store, book_id)
    assert snap.book.status == BookStatus.COMPLETE
    old_ids = {m.id for m in first.messages}
    rebuilt = [m for m in snap.messages if m.id not in old_ids]
    assert [(m.kind, m.chapter) for m in rebuilt] == [
        (MessageKind.BRANCH, 2),
        (MessageKind.CHAPTER, 2),
        (MessageKind.SUMMARY, 2),
        (MessageKind.CHAPTER, 3),
        (MessageKind.SUMMARY, 3),
    ]
    kept = chapter_message(snap.messages, 1)
    assert kept is not None and kept.id == chapter_message(first.messages, 1).id  # type: ignore[union-attr]

    # Refused: no such chapter, a hostile number, a wish that is not text.
    for chapter in (0, 4, 99, True, "2", None, 2**40):
        refused = await service.regenerate_from(book_id, chapter)
        assert (refused.ok, refused.reason) == (False, NO_SUCH_CHAPTER)
    refused = await service.regenerate_from(book_id, 2, ["x"])
    assert (refused.ok, refused.reason) == (False, WISH_NOT_TEXT)
    assert await thread_count(store, book_id) == 2


async def test_branches_at_the_outline_and_its_decision(store: Store):
    service = make_service(store)
    book_id = await finished_book(service, chapters=2)
    first = await book_of(store, book_id)
    [outline] = of_kind(first.messages, MessageKind.OUTLINE)
    [approval] = of_kind(first.messages, MessageKind.APPROVAL)
    [request] = of_kind(first.messages, MessageKind.REQUEST)
    assert outline.id and approval.id and request.id

    # At the outline with a wish: the outline is kept and revised by the wish.
    assert (await service.branch(book_id, outline.id, "Set it in winter.")).ok
    await service.run(book_id)
    snap = await book_of(store, book_id)
    assert snap.book.status == BookStatus.AWAITING_APPROVAL
    assert [m.kind for m in snap.messages] == [
        MessageKind.REQUEST,
        MessageKind.OUTLINE,
        MessageKind.FEEDBACK,
        MessageKind.OUTLINE,
    ]
    assert snap.messages[1].id == outline.id
    assert snap.messages[2].content == "Set it in winter."

    # At the approval, without a wish: the outline waits for a decision again.
    version = snap.book.version
    assert (
        await service.switch_branch(book_id, (await store.branches(book_id))[0].id)
    ).ok
    result = await service.branch(book_id, approval.id, "")
    assert result.ok and not result.generating
    snap = await book_of(store, book_id)
    assert snap.book.status == BookStatus.AWAITING_APPROVAL
    assert [m.id for m in snap.messages] == [request.id, outline.id]
    assert (await service.approve(book_id)).ok  # and it goes on from there
    await service.run(book_id)
    assert (await book_of(store, book_id)).book.status == BookStatus.COMPLETE

    # The request starts every branch: it cannot be branched at.
    refused = await service.branch(book_id, request.id)
    assert not refused.ok
    # A stale version is refused.
    stale = await service.branch(book_id, outline.id, "", version=version)
    assert (stale.ok, stale.reason) == (False, CHANGED)
    assert await thread_count(store, book_id) == 3


async def test_hostile_branch_requests_are_refused_and_store_nothing(store: Store):
    service = make_service(store)
    book_id = await finished_book(service, chapters=2)
    other_id = await finished_book(service, chapters=2)
    other = await book_of(store, other_id)
    foreign = other.messages[-1].id
    snap = await book_of(store, book_id)
    chapter = chapter_message(snap.messages, 1)
    assert chapter is not None and chapter.id is not None
    before = await every_message(store, book_id)

    for message_id in (foreign, 0, -1, 2**31, 2**63, True, "1", None, 1.5):
        result = await service.branch(book_id, message_id)
        assert (result.ok, result.reason) == (False, NOT_ON_BRANCH)
    too_long = "x" * (BRANCH_WISH_CHARS.high + 1)
    assert (await service.branch(book_id, chapter.id, too_long)).reason == WISH_TOO_LONG
    assert (await service.branch(book_id, chapter.id, {"a": 1})).reason == WISH_NOT_TEXT
    for thread_id in (0, -5, 2**40, "1", None, True):
        result = await service.switch_branch(book_id, thread_id)
        assert (result.ok, result.reason) == (False, NO_SUCH_BRANCH)
    other_thread = (await store.branches(other_id))[0].id
    result = await service.switch_branch(book_id, other_thread)
    assert (result.ok, result.reason) == (False, NO_SUCH_BRANCH)
    assert (await service.branch(10**6, chapter.id)).ok is False

    assert await every_message(store, book_id) == before
    assert await thread_count(store, book_id) == 1
    assert (await book_of(store, book_id)).book.version == snap.book.version


async def test_a_fresh_outline_branch_is_rewritten_without_a_wish_only(store: Store):
    service = make_service(store)
    book_id = await finished_book(service, chapters=1)
    [outline] = of_kind((await book_of(store, book_id)).messages, MessageKind.OUTLINE)
    assert outline.id is not None
    result = await service.branch(book_id, outline.id)
    assert result.ok and result.generating
    await service.run(book_id)
    snap = await book_of(store, book_id)
    assert snap.book.status == BookStatus.AWAITING_APPROVAL
    kinds = [m.kind for m in snap.messages]
    assert kinds == [MessageKind.REQUEST, MessageKind.BRANCH, MessageKind.OUTLINE]
    note = snap.messages[1]
    assert note.id is not None and note.id != outline.id

    # A wish there has no outline to revise: refused, nothing stored.
    refused = await service.branch(book_id, note.id, "Set it in winter.")
    assert (refused.ok, refused.reason) == (False, WISH_NEEDS_OUTLINE)
    assert await thread_count(store, book_id) == 2
    # Without one, a sibling version writes the outline afresh.
    assert (await service.branch(book_id, note.id)).ok
    sibling = await book_of(store, book_id)
    assert [m.kind for m in sibling.messages] == [
        MessageKind.REQUEST,
        MessageKind.BRANCH,
    ]
    assert sibling.messages[1].id != note.id
    assert await thread_count(store, book_id) == 3

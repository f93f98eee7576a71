"""An edited chapter is what the next chapter's prompt carries, and its
summary is written again from the edited text (real service, real database,
the offline model; the provider is wrapped only to record the prompts it is
sent)."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

from bookgen.generation.continuity import first_sentences
from bookgen.llm import LLMProvider, make_provider
from bookgen.llm.provider import ChatMessage
from bookgen.storage.edits import SaveOutcome
from bookgen.storage.models import BookStatus, MessageKind, MessageStatus, Role
from bookgen.storage.store import NewMessage, Store
from tests.generation.helpers import FAST, book_of, make_service, new_book_id

OPENING = "Mara climbed the lighthouse stairs as the tide turned."
ORIGINAL = f"{OPENING}\n\nOriginal-Close-4d1 The lamp went out and she waited."
EDITED = f"{OPENING}\n\nEdited-Close-8b2 The storm broke and the bottle rang."
OLD_SUMMARY = "Old-Summary-77 Mara waits in the dark."


class RecordingProvider:
    """The real offline provider, keeping a copy of each prompt it is sent."""

    def __init__(self, inner: LLMProvider) -> None:
        self.inner = inner
        self.offline = inner.offline
        self.prompts: list[list[ChatMessage]] = []

    def stream(
        self, messages: list[ChatMessage], **kw: Any
    ) -> AsyncGenerator[str, None]:
        self.prompts.append(messages)
        return self.inner.stream(messages, **kw)


def prompt_text(messages: list[ChatMessage]) -> str:
    return "\n".join(str(m["content"]) for m in messages)


async def test_the_next_chapter_prompt_carries_the_edited_chapter(store: Store):
    provider = RecordingProvider(make_provider(FAST))
    service = make_service(store, provider)
    book_id = await new_book_id(service, chapters=2)
    await service.run(book_id)  # the outline, then it awaits approval
    assert (await book_of(store, book_id)).book.status == BookStatus.AWAITING_APPROVAL
    # Chapter 1 written (and summarised) as the runner would have.
    for new in [
        NewMessage(role=Role.USER, kind=MessageKind.APPROVAL, content="Approved."),
        NewMessage(
            role=Role.ASSISTANT, kind=MessageKind.CHAPTER, chapter=1, content=ORIGINAL
        ),
        NewMessage(
            role=Role.ASSISTANT,
            kind=MessageKind.SUMMARY,
            chapter=1,
            content=OLD_SUMMARY,
        ),
    ]:
        assert await store.add_message(book_id, new) is not None
    assert await store.transition(
        book_id,
        from_statuses=[BookStatus.AWAITING_APPROVAL],
        to_status=BookStatus.WRITING,
        chapter_count=2,
        chapters_done=1,
    )
    chapter_1 = next(
        m.id
        for m in (await book_of(store, book_id)).messages
        if m.kind == MessageKind.CHAPTER
    )
    assert chapter_1 is not None
    saved = await store.edits.save(
        chapter_1, book_id=book_id, text=EDITED, base=0, author_id=None
    )
    assert saved.outcome == SaveOutcome.SAVED

    provider.prompts.clear()
    await service.run(book_id)

    snap = await book_of(store, book_id)
    assert snap.book.status == BookStatus.COMPLETE
    chapter_2 = [
        m
        for m in snap.messages
        if m.kind == MessageKind.CHAPTER
        and m.chapter == 2
        and m.status == MessageStatus.COMPLETE
    ]
    assert chapter_2, "chapter 2 was written"
    summaries = [m.content for m in snap.messages if m.kind == MessageKind.SUMMARY]
    assert len(summaries) == 3, "chapter 1 summarised again, then chapter 2"
    assert summaries[0] == OLD_SUMMARY  # kept: nothing is deleted
    # First the edited chapter is summarised again, from its edited text;
    # then chapter 2 is written with its close and the new summary.
    resummary, chapter_call = (prompt_text(p) for p in provider.prompts[:2])
    assert "Edited-Close-8b2" in resummary
    assert "Edited-Close-8b2" in chapter_call
    assert first_sentences(summaries[1]) in chapter_call
    for prompt in provider.prompts:
        assert "Original-Close-4d1" not in prompt_text(prompt)
        assert "Old-Summary-77" not in prompt_text(prompt)

"""A regenerated chapter cut by a shutdown resumes on the next start, seamless.

The runner is cancelled mid-stream (as Reflex does on SIGTERM): the new
version is drained and marked interrupted, the book stays writing, and the
next start's ``resume_orphans`` finishes it from its text, ending equal to a
new version that was never interrupted, in the same message.
"""

from __future__ import annotations

from bookgen.generation.service import GenerationService
from bookgen.storage.models import BookStatus, Message, MessageKind, MessageStatus
from bookgen.storage.store import Store
from tests.generation.helpers import book_of, make_service, new_book_id
from tests.support.runner_kill import (
    cut_mid_stream,
    resume_on_next_start,
    slow_offline_service,
)

WISH = "End on the storm."
WORDS = 600


async def asked_for_redraft(service: GenerationService) -> int:
    """A finished one-chapter book whose chapter is to be regenerated."""
    book_id = await new_book_id(service, chapters=1, words=WORDS)
    await service.run(book_id)
    assert (await service.approve(book_id)).ok
    await service.run(book_id)
    assert (await service.regenerate(book_id, 1, WISH)).ok
    return book_id


async def redraft_of(store: Store, book_id: int) -> Message:
    snap = await book_of(store, book_id)
    [new] = [m for m in snap.messages if m.kind == MessageKind.REDRAFT]
    return new


async def test_a_new_version_cancelled_mid_stream_resumes_without_seam(store: Store):
    reference = make_service(store)
    ref_id = await asked_for_redraft(reference)
    await reference.run(ref_id)
    expected = (await redraft_of(store, ref_id)).content
    chapter_text = next(
        m.content
        for m in (await book_of(store, ref_id)).messages
        if m.kind == MessageKind.CHAPTER
    )
    assert expected != chapter_text

    book_id = await asked_for_redraft(reference)
    dying, model = slow_offline_service(store)
    cut = await cut_mid_stream(dying, book_id, lambda: model.pieces)
    message_id, published = cut.message_id, cut.published

    interrupted = await redraft_of(store, book_id)
    assert interrupted.id == message_id
    assert interrupted.status == MessageStatus.INTERRUPTED
    assert interrupted.content.startswith(published)
    assert len(interrupted.content.split()) < WORDS
    book = await store.get_book(book_id)
    assert book is not None and book.status == BookStatus.WRITING
    assert book.lease_owner is None

    await resume_on_next_start(make_service(store), book_id)
    done = await redraft_of(store, book_id)
    assert done.id == message_id
    assert done.status == MessageStatus.COMPLETE
    assert done.content == expected
    snap = await book_of(store, book_id)
    assert snap.book.status == BookStatus.COMPLETE
    chapters = [m for m in snap.messages if m.kind == MessageKind.CHAPTER]
    assert [m.content for m in chapters] == [chapter_text]
    assert snap.book.chapters_done == 1

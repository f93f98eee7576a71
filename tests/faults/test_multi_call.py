"""A chapter longer than one call: crash-resume and Stop/Continue across calls.

With the offline model a 2,400-word chapter takes three calls (an opening, a
middle part, the close). Interrupting it inside the second call, by a
shutdown or by the author, and going on must end with the very chapter an
uninterrupted run writes: nothing repeated or lost at any seam.
"""

from __future__ import annotations

import asyncio

import pytest

from bookgen.generation.service import GenerationService
from bookgen.llm import make_provider
from bookgen.storage.models import BookStatus, MessageKind, MessageStatus
from bookgen.storage.store import Store
from tests.faults.helpers import chapter_of, wait_until
from tests.generation.helpers import FAST, book_of, make_service, new_book_id
from tests.support.runner_kill import CountingProvider

WORDS = 2400


async def approved_book(service: GenerationService) -> int:
    book_id = await new_book_id(service, chapters=1, words=WORDS)
    await service.run(book_id)
    assert (await service.approve(book_id)).ok
    return book_id


async def reference_chapter(store: Store) -> str:
    log = CountingProvider(make_provider(FAST))
    service = make_service(store, log)
    book_id = await approved_book(service)
    await service.run(book_id)
    chapter = await chapter_of(store, book_id)
    assert chapter.status == MessageStatus.COMPLETE
    chapter_calls = log.max_tokens[-4:-1]  # the summary's call is the last
    assert len(chapter_calls) == 3 and chapter_calls[0] != chapter_calls[2]
    return chapter.content


async def in_second_call(log: CountingProvider) -> None:
    async def there() -> bool:
        # outline: synopsis + one entry; then the chapter's second call.
        return len(log.max_tokens) >= 4 and log.call_pieces >= 40

    await wait_until(there, timeout=30)


@pytest.mark.parametrize("how", ["shutdown", "stop and continue"])
async def test_an_interrupted_multi_call_chapter_ends_as_if_never_interrupted(
    store: Store, how: str
):
    expected = await reference_chapter(store)
    assert abs(len(expected.split()) - WORDS) <= 0.15 * WORDS

    log = CountingProvider(
        make_provider(FAST.model_copy(update={"offline_words_per_second": 400}))
    )
    service = make_service(store, log, offline_words_per_second=400)
    book_id = await approved_book(service)
    runner = asyncio.create_task(service.run(book_id))
    await in_second_call(log)
    if how == "shutdown":
        runner.cancel()
        with pytest.raises(asyncio.CancelledError):
            await runner
        partial = await chapter_of(store, book_id)
        assert partial.status == MessageStatus.INTERRUPTED
        assert len(partial.content.split()) > 1000  # past the first call
        assert await service.resume_orphans() == [book_id]
        await wait_until(lambda: done(service, store, book_id), timeout=30)
    else:
        assert (await service.stop(book_id)).ok
        await runner
        assert (await chapter_of(store, book_id)).status == MessageStatus.STOPPED
        assert (await service.resume(book_id)).ok
        await service.run(book_id)

    snap = await book_of(store, book_id)
    assert snap.book.status == BookStatus.COMPLETE
    chapters = [m for m in snap.messages if m.kind == MessageKind.CHAPTER]
    assert len(chapters) == 1
    assert chapters[0].content == expected


async def done(service: GenerationService, store: Store, book_id: int) -> bool:
    book = await store.get_book(book_id)
    assert book is not None
    return book.status != BookStatus.WRITING and not service.is_running(book_id)

"""What real models do, scripted, through the real service over real HTTP.

Replies that stop early, run into the token limit mid-sentence, ramble past
the target, come back empty, blank or as a refusal, and outlines in formats of
the model's own: each book ends complete with every chapter in the band, or
with a clear error and Retry, never a hang, and no words are duplicated or
lost at any seam between calls.
"""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from bookgen.generation.chapter_plan import LengthBand, ends_sentence, tokens_for
from bookgen.generation.machine import NO_CHAPTERS
from bookgen.generation.outline import parse_outline
from bookgen.generation.prompts import FIRM_NOTE
from bookgen.llm.prompt_markers import Part
from bookgen.storage.models import BookStatus, Message, MessageKind, MessageStatus
from tests.faults.helpers import chapter_of, outline_and_approve
from tests.faults.openai_server import Fault, Reply, prose
from tests.generation.helpers import book_of, form

CHAPTER = "chapter 1"
BAND = LengthBand.around(400)


def words(text: str) -> list[str]:
    return text.split()


def part_of(prompt: str) -> str:
    return next(
        line.split(": ", 1)[1]
        for line in prompt.splitlines()
        if line.startswith("Part:")
    )


async def write(service) -> int:
    book_id = await outline_and_approve(service)
    await service.run(book_id)
    return book_id


async def assert_in_band(store, book_id: int) -> str:
    snap = await book_of(store, book_id)
    assert snap.book.status == BookStatus.COMPLETE, snap.messages[-1].error
    chapter = await chapter_of(store, book_id)
    assert BAND.floor <= len(words(chapter.content)) <= BAND.ceiling
    assert ends_sentence(chapter.content)
    return chapter.content


async def test_a_model_that_stops_early_is_asked_to_go_on_until_the_band(
    online_service, fake_openai, store
):
    replies = [prose(f"r{k}x", 150) for k in (1, 2, 3)]
    fake_openai.script(CHAPTER, *(Reply(r) for r in replies))
    book_id = await write(online_service())

    text = await assert_in_band(store, book_id)
    calls = fake_openai.calls_for(CHAPTER)
    assert [part_of(c.prompt) for c in calls] == [
        Part.WHOLE,
        Part.CLOSING,
        Part.CLOSING,
    ]
    # Each continuation saw exactly the stored text; nothing lost or repeated.
    assert calls[1].text_so_far == replies[0]
    assert calls[2].text_so_far == replies[0] + " " + replies[1]
    assert (
        words(text) == (words(replies[0]) + words(replies[1]) + words(replies[2]))[:400]
    )
    # Each call's max_tokens was sized to what was left up to the ceiling.
    assert [c.max_tokens for c in calls] == [
        tokens_for(BAND.ceiling - n) for n in (0, 150, 300)
    ]


async def test_a_reply_cut_by_the_token_limit_is_continued_not_kept_cut(
    online_service, fake_openai, store
):
    cut = prose("r1x", 205, end=False)  # stops mid-sentence, far below the band
    fake_openai.script(CHAPTER, Reply(cut, "length"), Reply(prose("r2x", 400)))
    book_id = await write(online_service())

    text = await assert_in_band(store, book_id)
    second = fake_openai.calls_for(CHAPTER)[1]
    assert second.text_so_far == cut
    assert words(text)[:205] == words(cut)


async def test_a_cut_sentence_inside_the_band_is_finished_by_one_short_call(
    online_service, fake_openai, store
):
    cut = prose("r1x", 375, end=False)
    fake_openai.script(
        CHAPTER, Reply(cut), Reply("and the lamp went out. Then more words came")
    )
    book_id = await write(online_service())

    text = await assert_in_band(store, book_id)
    last = fake_openai.calls_for(CHAPTER)[-1]
    assert part_of(last.prompt) == Part.LAST_SENTENCE
    assert last.max_tokens == tokens_for(40)
    assert text == cut + " and the lamp went out."


async def test_a_rambling_model_is_stopped_at_the_first_sentence_end_past_the_target(
    online_service, fake_openai, store
):
    fake_openai.script(CHAPTER, Reply(prose("r1x", 3000)))
    book_id = await write(online_service())

    text = await assert_in_band(store, book_id)
    assert len(fake_openai.calls_for(CHAPTER)) == 1
    assert text == prose("r1x", 400)


@pytest.mark.parametrize(
    "bad",
    ["", "   \n\n  ", "I'm sorry, but I can't help with writing this chapter."],
    ids=["empty", "whitespace", "refusal"],
)
async def test_empty_blank_or_refused_replies_are_asked_again_more_firmly(
    online_service, fake_openai, store, bad
):
    fake_openai.script(CHAPTER, Reply(bad), Reply(bad))
    book_id = await write(online_service())

    text = await assert_in_band(store, book_id)
    assert text == (await chapter_of(store, book_id)).content
    assert "sorry" not in text.lower()
    calls = fake_openai.calls_for(CHAPTER)
    assert len(calls) == 3
    assert [FIRM_NOTE in c.prompt for c in calls] == [False, True, True]


async def test_a_model_that_never_answers_ends_in_error_and_retry_keeps_the_text(
    online_service, fake_openai, store
):
    opening = prose("r1x", 120)
    fake_openai.script(CHAPTER, Reply(opening), *[Reply("  ")] * 3)
    service = online_service()
    book_id = await write(service)

    snap = await book_of(store, book_id)
    assert snap.book.status == BookStatus.ERROR
    chapter = await chapter_of(store, book_id)
    assert chapter.status == MessageStatus.ERROR
    assert "no usable text" in chapter.error
    assert chapter.content == opening

    fake_openai.script(CHAPTER, Reply(prose("r5x", 300)))
    assert (await service.resume(book_id)).ok
    await service.run(book_id)
    text = await assert_in_band(store, book_id)
    assert words(text) == (words(opening) + words(prose("r5x", 300)))[:400]


async def test_a_fault_in_a_later_call_is_continued_with_exact_seams(
    online_service, fake_openai, store, fast_backoff
):
    first, second, third = (prose(f"r{k}x", 150) for k in (1, 2, 3))
    fake_openai.script(CHAPTER, Reply(first), Reply(second), Reply(third))
    fake_openai.fail(CHAPTER, None, Fault("drop", after=60))
    book_id = await write(online_service())

    text = await assert_in_band(store, book_id)
    calls = fake_openai.calls_for(CHAPTER)
    assert len(calls) == 3
    assert calls[2].text_so_far == first + " " + calls[1].sent
    assert words(text) == (words(first) + words(calls[1].sent) + words(third))[:400]


# --- outlines -----------------------------------------------------------------
async def test_an_outline_has_the_chapters_asked_for_whatever_the_model_writes(
    online_service, fake_openai, store
):
    """Its own chapter lines, a numbered list, a heading loop: the app writes
    the structure and keeps one entry per call."""
    fake_openai.script(
        "outline",
        Reply(
            "# The Keeper\n\nA keeper reads storms.\n\n## Chapter 1: Dawn\nShe wakes."
        ),
        Reply(
            "Chapter 1: The Bottle\nMara finds it.\n\n## Chapter 2: Storm\nIt rains."
        ),
        Reply("\n\n1. The Storm\n2. The Ledger\n3. The End"),
        Reply("**The Ledger**\n" + "Tobias hides the ledger. " * 30, "length"),
        Reply("Never asked for: the book has three chapters."),
    )
    service = online_service()
    book = await service.create_book(form(chapters=3, words=400))
    assert book.id is not None
    await service.run(book.id)

    snap = await book_of(store, book.id)
    assert snap.book.status == BookStatus.AWAITING_APPROVAL
    outline = snap.messages[-1].content
    parsed = parse_outline(outline)
    assert [(e.number, e.title) for e in parsed.entries] == [
        (1, "The Bottle"),
        (2, "The Storm"),
        (3, "The Ledger"),
    ]
    assert parsed.synopsis == "A keeper reads storms."
    assert "Dawn" not in outline and "Never asked" not in outline
    assert len(fake_openai.calls_for("outline")) == 4


async def test_empty_outline_replies_are_retried_then_fail_with_retry(
    online_service, fake_openai, store
):
    fake_openai.script("outline", Reply(""), Reply(" "), Reply("\n"))
    service = online_service()
    book = await service.create_book(form(chapters=1, words=400))
    assert book.id is not None
    await service.run(book.id)

    snap = await book_of(store, book.id)
    assert snap.book.status == BookStatus.ERROR
    assert "no usable text" in snap.messages[-1].error

    assert (await service.resume(book.id)).ok  # Retry: the model answers now
    await service.run(book.id)
    snap = await book_of(store, book.id)
    assert snap.book.status == BookStatus.AWAITING_APPROVAL
    assert parse_outline(snap.messages[-1].content).count == 1


async def test_approval_follows_the_chapters_an_outline_has(store, online_service):
    """An outline from before (or a model that still got it wrong): two
    chapters where three were asked; approving writes the two."""
    service = online_service()
    book = await service.create_book(form(chapters=3, words=400))
    assert book.id is not None
    await service.run(book.id)
    snap = await book_of(store, book.id)
    outline = snap.messages[-1]
    two = "# Keeper\n\nSynopsis.\n\n## Chapter 1: One\nA.\n\n## Chapter 2: Two\nB."
    await rewrite(store, outline.id, two)

    assert (await service.approve(book.id)).ok
    await service.run(book.id)
    snap = await book_of(store, book.id)
    assert (snap.book.status, snap.book.chapter_count) == (BookStatus.COMPLETE, 2)
    chapters = [m.chapter for m in snap.messages if m.kind == MessageKind.CHAPTER]
    assert chapters == [1, 2]


async def test_an_outline_without_chapters_cannot_be_approved_but_can_be_rejected(
    store, online_service
):
    service = online_service()
    book = await service.create_book(form(chapters=1, words=400))
    assert book.id is not None
    await service.run(book.id)
    outline = (await book_of(store, book.id)).messages[-1]
    await rewrite(store, outline.id, "Once upon a time there was a keeper.")

    result = await service.approve(book.id)
    assert (result.ok, result.reason) == (False, NO_CHAPTERS)
    assert (await book_of(store, book.id)).book.status == BookStatus.AWAITING_APPROVAL
    assert (await service.reject(book.id, "Give it chapters.")).ok
    await service.run(book.id)
    snap = await book_of(store, book.id)
    assert snap.book.status == BookStatus.AWAITING_APPROVAL
    assert parse_outline(snap.messages[-1].content).count == 1


async def rewrite(store, message_id: int | None, content: str) -> None:
    """Replace a stored outline's text (what an older model left behind)."""
    assert message_id is not None
    async with AsyncSession(store.engine) as s, s.begin():
        message = await s.get(Message, message_id)
        assert message is not None
        message.content = content

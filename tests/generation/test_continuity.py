"""A chapter's prompt carries the story so far, within a bound for long books."""

from __future__ import annotations

from bookgen.generation import prompts
from bookgen.generation.chapter_plan import plan_call
from bookgen.generation.continuity import (
    RECENT_SUMMARIES,
    closing_paragraphs,
    first_sentences,
    story_context,
)
from bookgen.llm.offline_writer import write_reply
from bookgen.llm.prompt_markers import chapter_heading
from bookgen.storage.models import Book

CHAPTERS = 50
BOOK = Book(
    id=1,
    title="Salt Road",
    premise="A merchant's daughter crosses the desert with a stolen map.",
    genre="adventure",
    tone="warm",
    chapter_count=CHAPTERS,
    words_per_chapter=8000,
)
OUTLINE = "# Salt Road\n\nA crossing.\n\n" + "\n\n".join(
    f"{chapter_heading(n, f'Dune {n}')}\nAda reaches oasis {n}." for n in range(1, 51)
)


def near_copy(chapter: int, words: int = 600) -> str:
    """What a small model returns when asked for a summary: the chapter again."""
    return " ".join(f"s{chapter}w{i}." for i in range(words))


def chapter_text(chapter: int, words: int = 8000) -> str:
    return "\n\n".join(
        " ".join(f"c{chapter}p{p}w{i}." for i in range(100))
        for p in range(words // 100)
    )


def prompt_words(chapter: int) -> int:
    summaries = [(n, near_copy(n)) for n in range(1, chapter)]
    context = story_context(summaries, chapter_text(chapter - 1))
    user = prompts.chapter_prompt(BOOK, OUTLINE, chapter, context)[-1]["content"]
    return len(user.split())


def test_the_prompt_for_chapter_50_is_bounded_like_chapter_5s():
    fifth, last = prompt_words(5), prompt_words(CHAPTERS)
    outline = len(OUTLINE.split())
    # Outline, settings and task are the same; the rest stays under a fixed budget.
    assert last - outline < 1000
    assert last - fifth < 500


def test_recent_summaries_stay_and_older_ones_roll_up():
    met = " ".join(["and talks"] * 8)
    summaries = [
        (n, f"In chapter {n} Ada meets trader {n} {met}. More.") for n in range(1, 50)
    ]
    context = story_context(summaries, "")
    assert [n for n, _ in context.recent] == list(range(50 - RECENT_SUMMARIES, 50))
    assert (
        f"Chapter 46: In chapter 46 Ada meets trader 46 {met}." in context.story_so_far
    )
    assert "chapters 1 to" in context.story_so_far  # the oldest are dropped


def test_a_near_copy_summary_is_cut_to_its_first_sentences():
    assert first_sentences(near_copy(3)) == "s3w0. s3w1. s3w2."


def test_the_previous_chapters_closing_paragraphs_come_along():
    text = "First paragraph here.\n\nThe middle one.\n\nThe door shut behind her."
    assert (
        closing_paragraphs(text, words=8)
        == "The middle one.\n\nThe door shut behind her."
    )


def test_each_chapter_prompt_singles_out_its_entry_and_the_next_one():
    user = prompts.chapter_prompt(BOOK, OUTLINE, 7, [])[-1]["content"]
    task = user[user.index("Task: chapter 7") :]
    assert "This chapter: Chapter 7: Dune 7 \u2014 Ada reaches oasis 7." in task
    assert "Next chapter: Chapter 8: Dune 8" in task
    assert "do not write its events now" in task
    last = prompts.chapter_prompt(BOOK, OUTLINE, 50, [])[-1]["content"]
    assert "this is the last chapter" in last


def test_stable_parts_come_first_so_prompts_share_a_prefix():
    three = prompts.chapter_prompt(BOOK, OUTLINE, 3, ["One.", "Two."])
    four = prompts.chapter_prompt(BOOK, OUTLINE, 4, ["One.", "Two.", "Three."])
    a, b = three[-1]["content"], four[-1]["content"]
    shared = next(i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y)
    assert a[:shared].startswith("Book settings:") and OUTLINE.strip() in a[:shared]
    assert three[0] == four[0]  # the system prompt


def test_the_offline_model_writes_each_part_it_is_asked_for():
    book = BOOK.model_copy(update={"words_per_chapter": 2400, "chapter_count": 3})
    whole = write_reply(prompts.chapter_prompt(book, OUTLINE, 2, []))
    text = ""
    while (plan := plan_call(text, 2400)) is not None:
        part = write_reply(
            prompts.chapter_prompt(book, OUTLINE, 2, [], plan=plan, text_so_far=text)
        )
        assert len(part.split()) <= plan.words or plan.part.value == "closing"
        text += part
    assert text == whole

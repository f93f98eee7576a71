"""Lenient outline parsing: the formats real models write instead of the one asked."""

import pytest

from bookgen.generation.outline import (
    OutlineEntry,
    OutlineFormat,
    chapter_count,
    chapter_titles,
    count_notice,
    parse_outline,
)
from bookgen.llm.offline_writer import write_reply

ASKED_FORMAT = """# The Lighthouse Keeper

A keeper finds a bottle that predicts storms.

## Chapter 1: The Arrival

Mara lands on the island and meets Tobias.

## Chapter 2: The Storm

The first storm arrives exactly as the bottle said.

## Chapter 3: The Keeper's Secret

Tobias confesses what he knew.
"""


def titles_of(text: str) -> list[str]:
    return [e.title for e in parse_outline(text).entries]


def test_the_asked_format_gives_numbers_titles_summaries_and_synopsis() -> None:
    outline = parse_outline(ASKED_FORMAT)
    assert outline.format == OutlineFormat.CHAPTER_LINES
    assert outline.entries == (
        OutlineEntry(1, "The Arrival", "Mara lands on the island and meets Tobias."),
        OutlineEntry(
            2, "The Storm", "The first storm arrives exactly as the bottle said."
        ),
        OutlineEntry(3, "The Keeper's Secret", "Tobias confesses what he knew."),
    )
    assert outline.synopsis == "A keeper finds a bottle that predicts storms."
    assert chapter_count(ASKED_FORMAT) == 3
    assert chapter_titles(ASKED_FORMAT) == {
        1: "The Arrival",
        2: "The Storm",
        3: "The Keeper's Secret",
    }


def test_this_and_the_next_entry_can_be_singled_out() -> None:
    outline = parse_outline(ASKED_FORMAT)
    assert outline.entry(2) == outline.entries[1]
    assert outline.next_entry(2) == outline.entries[2]
    assert outline.next_entry(3) is None
    assert outline.entry(4) is None


@pytest.mark.parametrize(
    "text",
    [
        "Chapter 1 \u2014 The Arrival\nMara lands.\nChapter 2 \u2013 The Storm\nRain.",
        "Chapter 1 - The Arrival\nMara lands.\nChapter 2. The Storm\nRain.",
        "**Chapter 1: The Arrival**\nMara lands.\n\n**Chapter 2: The Storm**\nRain.",
        "Chapter 1: **The Arrival**\nMara lands.\nChapter 2: **The Storm**\nRain.",
        "**Chapter 1:** The Arrival\nMara lands.\n**Chapter 2:** The Storm\nRain.",
        "### CHAPTER 1 | The Arrival\nMara lands.\n### CHAPTER 2 | The Storm\nRain.",
        "- Chapter 1: The Arrival\n  Mara lands.\n- Chapter 2: The Storm\n  Rain.",
        "## Chapter 1\n### The Arrival\nMara lands.\n"
        "## Chapter 2\n**The Storm**\nRain.",
        '## Chapter 1: "The Arrival"\nMara lands.\n## Chapter 2: "The Storm"\nRain.',
        "Chapter 1 The Arrival\nMara lands.\nChapter 2 The Storm\nRain.",
    ],
    ids=[
        "em-dash",
        "hyphen-and-period",
        "bold-line",
        "bold-title",
        "bold-label",
        "caps-pipe",
        "bullets",
        "title-below",
        "quoted",
        "no-separator",
    ],
)
def test_chapter_lines_in_the_formats_models_use(text: str) -> None:
    outline = parse_outline(text)
    assert outline.format == OutlineFormat.CHAPTER_LINES
    assert [(e.number, e.title) for e in outline.entries] == [
        (1, "The Arrival"),
        (2, "The Storm"),
    ]
    assert outline.entries[0].summary == "Mara lands."
    assert outline.entries[1].summary == "Rain."


def test_a_summary_on_the_same_line_is_split_from_the_title() -> None:
    text = (
        "**Chapter 1: The Arrival** - Mara lands on the island at dawn.\n"
        "Chapter 2: The Storm — the first storm arrives as the bottle said.\n"
        "Chapter 3: The Keeper's Secret. Tobias confesses what he knew all along.\n"
    )
    assert [(e.title, e.summary) for e in parse_outline(text).entries] == [
        ("The Arrival", "Mara lands on the island at dawn."),
        ("The Storm", "the first storm arrives as the bottle said."),
        ("The Keeper's Secret", "Tobias confesses what he knew all along."),
    ]


@pytest.mark.parametrize(
    ("line", "number"),
    [
        ("Chapter One", 1),
        ("Chapter Three: The Flood", 3),
        ("Chapter Seventeen: Late", 17),
        ("Chapter Twenty-One: Later", 21),
        ("Chapter Forty Two: Much Later", 42),
        ("Chapter IV: Roman", 4),
        ("Chapter XIX", 19),
        ("The Third Chapter", None),
        ("Chapter the First", None),
    ],
)
def test_chapter_numbers_in_words_and_roman_numerals(
    line: str, number: int | None
) -> None:
    numbers = [e.number for e in parse_outline(f"{line}\nSomething happens.").entries]
    assert numbers == ([number] if number else [])


def test_spelled_out_chapters_without_titles_still_count() -> None:
    text = "Chapter One\n\nMara lands.\n\nChapter Two\n\nRain.\n\nChapter Three\n\nEnd."
    outline = parse_outline(text)
    assert [(e.number, e.title, e.summary) for e in outline.entries] == [
        (1, "", "Mara lands."),
        (2, "", "Rain."),
        (3, "", "End."),
    ]
    assert chapter_titles(text) == {}


def test_a_numbered_list_is_the_next_best_thing() -> None:
    text = (
        "Here is the outline:\n\n"
        "1. The Arrival\nMara lands on the island.\n"
        "2. **The Storm**: the first storm arrives as the bottle said.\n"
        "3) Mara finds the keeper dead in the tower and learns the truth about "
        "her father and the bottle.\n"
    )
    outline = parse_outline(text)
    assert outline.format == OutlineFormat.NUMBERED
    assert [(e.number, e.title) for e in outline.entries] == [
        (1, "The Arrival"),
        (2, "The Storm"),
        (3, ""),
    ]
    assert outline.entries[1].summary == "the first storm arrives as the bottle said."
    assert outline.entries[2].summary.startswith("Mara finds the keeper dead")
    assert outline.synopsis == "Here is the outline:"


def test_bare_titles_as_headings_or_bold_lines_are_numbered_in_order() -> None:
    text = (
        "# The Lighthouse Keeper\n\n## Synopsis\n\nA keeper finds a bottle.\n\n"
        "## The Arrival\nMara lands.\n\n**The Storm**\nRain.\n\n### Calm\nEnd.\n"
    )
    outline = parse_outline(text)
    assert outline.format == OutlineFormat.TITLES
    assert [(e.number, e.title, e.summary) for e in outline.entries] == [
        (1, "The Arrival", "Mara lands."),
        (2, "The Storm", "Rain."),
        (3, "Calm", "End."),
    ]


def test_chapter_lines_win_over_numbered_beats_inside_them() -> None:
    text = (
        "## Chapter 1: The Arrival\n1. Mara lands.\n2. She meets Tobias.\n"
        "3. The bottle.\n## Chapter 2: The Storm\n1. Rain.\n2. Wind.\n"
    )
    outline = parse_outline(text)
    assert outline.format == OutlineFormat.CHAPTER_LINES
    assert [e.title for e in outline.entries] == ["The Arrival", "The Storm"]
    assert outline.entries[0].summary == "Mara lands. She meets Tobias. The bottle."


def test_duplicated_numbers_keep_the_first_entry_of_each() -> None:
    # A small model that loops writes its outline twice, or reuses a number.
    once = "## Chapter 1: The Arrival\nMara lands.\n## Chapter 2: The Storm\nRain.\n"
    looped = once + once + "## Chapter 2: Another Storm\nMore rain.\n"
    outline = parse_outline(looped)
    assert [(e.number, e.title) for e in outline.entries] == [
        (1, "The Arrival"),
        (2, "The Storm"),
    ]
    assert chapter_count(looped) == 2


def test_entries_come_out_in_chapter_order() -> None:
    text = "Chapter 3: C\nc\nChapter 1: A\na\nChapter 2: B\nb"
    assert [e.number for e in parse_outline(text).entries] == [1, 2, 3]
    assert titles_of(text) == ["A", "B", "C"]


def test_prose_that_mentions_chapters_has_no_entries() -> None:
    # What SmolLM2 wrote when asked for "## Chapter N: Title" lines.
    text = (
        "The Lighthouse Keeper is a quiet mystery. Mara arrives on the island.\n"
        "Chapter 2 sees the storm arrive, and in Chapter 3 the keeper confesses.\n\n"
        "In the end the bottle is thrown back into the sea."
    )
    outline = parse_outline(text)
    assert outline.format == OutlineFormat.NONE
    assert outline.entries == ()
    assert chapter_count(text) == 0
    assert chapter_titles(text) == {}
    assert outline.synopsis.startswith("The Lighthouse Keeper is a quiet mystery.")


@pytest.mark.parametrize(
    "text",
    ["", "   \n\t  \n", "I'm sorry, I can't help with that request."],
    ids=["empty", "whitespace", "refusal"],
)
def test_empty_whitespace_and_refusals_have_no_entries(text: str) -> None:
    outline = parse_outline(text)
    assert outline.entries == ()
    assert outline.format == OutlineFormat.NONE
    assert chapter_count(text) == 0


def test_the_notice_is_silent_when_the_count_matches() -> None:
    assert count_notice(ASKED_FORMAT, 3) == ""


def test_the_notice_says_how_many_chapters_were_found_and_asked() -> None:
    notice = count_notice(ASKED_FORMAT, 5)
    assert "3 chapters" in notice and "5" in notice
    assert "Approve" in notice and "reject" in notice
    assert "1 chapter;" in count_notice("## Chapter 1: Only\nOne.", 4)


def test_the_notice_for_no_chapters_and_for_an_empty_reply() -> None:
    assert "No chapters could be found" in count_notice("I'm sorry, I can't.", 3)
    assert "empty" in count_notice("  \n ", 3)


def test_the_offline_models_outline_parses_to_its_asked_count() -> None:
    text = write_reply(
        [
            {
                "role": "user",
                "content": "Book settings:\nTitle: T\nPremise: A keeper finds a "
                "bottle.\nChapters: 7\nWords per chapter: 300\n\nTask: outline\n",
            }
        ]
    )
    outline = parse_outline(text)
    assert outline.count == 7
    assert all(e.title and e.summary for e in outline.entries)


def test_what_smollm2_wrote_counts_one_untitled_chapter() -> None:
    # A real SmolLM2-135M outline (3 chapters asked): one chapter line, then it
    # echoes the book settings instead of going on.
    text = (
        "### Chapter 1:\nThe Lighthouse Keeper.\n\n## Title: The Lighthouse Keeper\n"
        "Premise: Mara, a lighthouse keeper on a remote island finds a message in "
        "a bottle.\nGenre: mystery\nAudience: 30 pages"
    )
    outline = parse_outline(text)
    assert [(e.number, e.title, e.summary) for e in outline.entries] == [
        (1, "", "The Lighthouse Keeper.")
    ]
    assert "1 chapter; you asked for 3" in count_notice(text, 3)

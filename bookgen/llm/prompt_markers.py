"""Markers that structure every prompt: prompts.py writes them, the offline model reads.

Both sides import them from here, so a prompt cannot change its layout without
the offline model reading the new one (tests/llm/test_prompt_markers.py renders
every prompt and checks). It lives in ``llm`` because the generation layer may
import the model layer, never the reverse.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "CHAPTER_TEXT",
    "CONTINUE",
    "EARLIER_SUMMARIES",
    "FEEDBACK",
    "NEXT_CHAPTER",
    "OUTLINE",
    "OUTLINE_SO_FAR",
    "PART",
    "PREVIOUS_ENDING",
    "SETTINGS_HEADER",
    "STORY_SO_FAR",
    "TASK",
    "TEXT_SO_FAR",
    "TEXT_SO_FAR_END",
    "THIS_CHAPTER",
    "WORDS_SO_FAR",
    "WORDS_TO_WRITE",
    "Part",
    "Setting",
    "TaskKind",
    "chapter_heading",
    "chapter_task",
    "continue_task",
    "labelled",
    "outline_piece",
    "read_outline_piece",
    "summary_task",
]

# Labels of the lines and blocks a prompt is made of ("Task: chapter 2").
SETTINGS_HEADER = "Book settings"
TASK = "Task"
FEEDBACK = "Feedback"
OUTLINE = "Outline"
EARLIER_SUMMARIES = "Summaries of earlier chapters"
CHAPTER_TEXT = "Chapter text"
TEXT_SO_FAR = "Text so far"
# Closes a text-so-far block that is followed by more of the prompt (a chapter
# call puts the growing text before its instruction, so calls share a prefix).
TEXT_SO_FAR_END = "(end of the text so far)"
STORY_SO_FAR = "Story so far"
PREVIOUS_ENDING = "End of the previous chapter"
THIS_CHAPTER = "This chapter"
NEXT_CHAPTER = "Next chapter"
# A chapter written in several calls: how much to write now, and which part.
WORDS_SO_FAR = "Words so far"
WORDS_TO_WRITE = "Words to write"
PART = "Part"
# An outline written a piece at a time: the synopsis, then entry 1, 2, …
OUTLINE_SO_FAR = "Outline so far"
_SYNOPSIS = "synopsis"
_ENTRY = "entry"

# A continuation's task is the interrupted task behind this word.
CONTINUE = "continue"


class Setting(StrEnum):
    """One line of the settings block each prompt repeats."""

    TITLE = "Title"
    PREMISE = "Premise"
    GENRE = "Genre"
    AUDIENCE = "Audience"
    TONE = "Tone"
    CHAPTERS = "Chapters"
    WORDS_PER_CHAPTER = "Words per chapter"


class Part(StrEnum):
    """Which part of a chapter one call writes (a ``Part:`` line)."""

    WHOLE = "whole chapter"  # the chapter in one reply, start to close
    OPENING = "opening"  # the start; the chapter goes on after it
    MIDDLE = "middle"  # more of the chapter; not its end yet
    CLOSING = "closing"  # the rest, brought to the chapter's close
    LAST_SENTENCE = "last sentence"  # finish the cut-off sentence, then stop


class TaskKind(StrEnum):
    """What a ``Task:`` line asks for; chapter tasks carry a number after it."""

    OUTLINE = "outline"
    REVISE_OUTLINE = "revise outline"
    CHAPTER = "chapter"
    SUMMARY = "summary of chapter"


def labelled(label: str, value: object) -> str:
    """One ``Label: value`` line (without its newline)."""
    return f"{label}: {value}"


def chapter_task(chapter: int) -> str:
    return f"{TaskKind.CHAPTER} {chapter}"


def summary_task(chapter: int) -> str:
    return f"{TaskKind.SUMMARY} {chapter}"


def continue_task(task: str) -> str:
    return f"{CONTINUE} {task}"


def chapter_heading(number: int | str, title: str) -> str:
    """An outline's chapter line, e.g. ``## Chapter 2: The Flood``."""
    return f"## Chapter {number}: {title}"


def outline_piece(index: int) -> str:
    """The ``Part:`` of an outline call: 0 is the synopsis, k chapter k's entry."""
    return _SYNOPSIS if index == 0 else f"{_ENTRY} {index}"


def read_outline_piece(value: str | None) -> int | None:
    """The inverse of ``outline_piece``; None for anything else."""
    value = (value or "").strip().lower()
    if value == _SYNOPSIS:
        return 0
    head, _, number = value.partition(" ")
    return int(number) if head == _ENTRY and number.isdigit() else None

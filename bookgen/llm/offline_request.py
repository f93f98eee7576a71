"""How the offline model reads a chat request: the task, the book's settings,
the text so far and the outline, found by the markers prompts.py writes with.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from bookgen.llm.prompt_markers import (
    CHAPTER_TEXT,
    CONTINUE,
    FEEDBACK,
    PART,
    TASK,
    TEXT_SO_FAR,
    TEXT_SO_FAR_END,
    WORDS_SO_FAR,
    WORDS_TO_WRITE,
    Part,
    Setting,
    TaskKind,
    read_outline_piece,
)

__all__ = ["HEADING_NUMBER", "Request", "chapter_line", "first_match", "read_request"]


def _label_line(label: str, *, non_empty: bool = False) -> str:
    """A ``Label: value`` line; group 1 is the value."""
    value = "(.+?)" if non_empty else "(.*?)"
    return rf"^[ \t]*{re.escape(label)}:[ \t]*{value}[ \t]*$"


def _block_start(label: str) -> re.Pattern[str]:
    """A ``Label:`` line that opens a block of text."""
    return re.compile(rf"^[ \t]*{re.escape(label)}:[ \t]*\n?", re.M | re.I)


_TASK_LINE = re.compile(rf"^[ \t]*{re.escape(TASK)}:[ \t]*(.+?)[ \t]*$", re.M | re.I)
_TEXT_SO_FAR = _block_start(TEXT_SO_FAR)
_CHAPTER_TEXT = _block_start(CHAPTER_TEXT)
_NUMBERED_TASK = re.compile(
    rf"({re.escape(TaskKind.SUMMARY)}|{re.escape(TaskKind.CHAPTER)}) ?(\d+)"
)
# Outline chapter lines as prompt_markers.chapter_heading writes them, read
# leniently (models vary the spacing and the punctuation after the number).
HEADING_NUMBER = re.compile(r"^##\s*Chapter\s+(\d+)", re.M)


def chapter_line(number: str) -> str:
    """A chapter line for ``number`` (a regex); group 1 is the chapter's title."""
    return (
        "^[ \t]*##[ \t]*Chapter[ \t]+"
        + number
        + "[ \t]*[:.\\-\u2013\u2014][ \t]*(.+?)[ \t]*$"
    )


def first_match(pattern: str, texts: list[str]) -> str | None:
    """Group 1 of the first match of a line pattern, looking through texts in order."""
    for text in texts:
        if found := re.search(pattern, text, re.M | re.I):
            return found.group(1)
    return None


def _content(value: object) -> str:
    if isinstance(value, list):
        return "\n".join(str(p.get("text", "")) for p in value if isinstance(p, dict))
    return value if isinstance(value, str) else ""


@dataclass(frozen=True)
class Request:
    """What the offline model understood from a conversation."""

    # The task, normalised ("chapter 2"); for a continuation, the interrupted one.
    task: str
    continuing: bool
    text_so_far: str
    settings: dict[Setting, str]
    # The newest user message without a continuation's tail or a chapter's text.
    own: str
    # The text a summary is asked for.
    chapter_text: str
    # Every other message, newest first.
    others: list[str]
    # A chapter written in several calls: which part, and how many words.
    part: Part | None = None
    words_to_write: int | None = None
    words_so_far: int | None = None
    # An outline written a piece at a time: 0 the synopsis, k chapter k's entry.
    outline_piece: int | None = None

    @property
    def kind(self) -> TaskKind | None:
        """The kind of task; None for a request the model does not recognise."""
        if self.task.startswith(TaskKind.REVISE_OUTLINE):
            return TaskKind.REVISE_OUTLINE
        if self.task.startswith(TaskKind.OUTLINE):
            return TaskKind.OUTLINE
        if numbered := _NUMBERED_TASK.match(self.task):
            return TaskKind(numbered[1])
        return None

    @property
    def chapter(self) -> int | None:
        numbered = _NUMBERED_TASK.match(self.task)
        return int(numbered[2]) if numbered else None

    @property
    def feedback(self) -> str | None:
        return first_match(_label_line(FEEDBACK, non_empty=True), [self.own])


def read_request(messages: list[Any]) -> Request:
    """Parse a chat conversation the way prompts.py writes one; never raises."""
    turns = [
        (str(m.get("role")), _content(m.get("content")))
        for m in messages
        if isinstance(m, dict)
    ]
    user_turns = [i for i, (role, _) in enumerate(turns) if role == "user"]
    newest = max(user_turns or [len(turns) - 1])
    last = turns[newest][1] if turns else ""
    others = [text for i, (_, text) in reversed(list(enumerate(turns))) if i != newest]
    # A continuation prompt is the original message + "Task: continue ..." + text.
    cut = _TEXT_SO_FAR.search(last)
    head, text_so_far = (last[: cut.start()], last[cut.end() :]) if cut else (last, "")
    # A closed text-so-far block is followed by the call's instruction.
    markers = head
    text, end, after = text_so_far.rpartition(f"\n{TEXT_SO_FAR_END}")
    if end:
        text_so_far, markers = text, f"{head}\n{after}"
    continue_lines = [
        line
        for line in _TASK_LINE.finditer(head)
        if line[1].lower().startswith(f"{CONTINUE} ")
    ]
    original = head[: continue_lines[-1].start()] if continue_lines else head
    cut = _CHAPTER_TEXT.search(original)
    own, chapter_text = (
        (original[: cut.start()], original[cut.end() :]) if cut else (original, "")
    )
    if continue_lines:
        task = continue_lines[-1][1][len(CONTINUE) + 1 :]
    else:
        task = first_match(_TASK_LINE.pattern, [own]) or ""
    settings = {
        setting: value
        for setting in Setting
        if (value := first_match(_label_line(setting), [own, *others])) is not None
    }
    part = _last_value(PART, markers)
    return Request(
        task=" ".join(task.lower().split()),
        continuing=bool(continue_lines),
        text_so_far=text_so_far.lstrip(" \t"),
        settings=settings,
        own=own,
        chapter_text=chapter_text,
        others=others,
        part=Part(part) if part in set(Part) else None,
        words_to_write=_number(_last_value(WORDS_TO_WRITE, markers)),
        words_so_far=_number(_last_value(WORDS_SO_FAR, markers)),
        outline_piece=read_outline_piece(part),
    )


def _last_value(label: str, text: str) -> str | None:
    """The value of the last ``Label: value`` line in ``text``."""
    found = re.findall(_label_line(label, non_empty=True), text, re.M | re.I)
    return found[-1].lower() if found else None


def _number(value: str | None) -> int | None:
    digits = re.sub(r"\D", "", value or "")[:7]
    return int(digits) if digits else None


# --- the story behind the settings -------------------------------------------

"""Deterministic stand-in for an LLM, so demos and tests need no network or API key.

It reads chat messages the way the app's prompts are written (a ``Book settings:``
block and a ``Task: ...`` line in the last user message, markers shared with
prompts.py through ``prompt_markers``) and writes outlines, chapters,
continuations and summaries from templates. Randomness comes from
``random.Random`` seeded by a SHA-256 of the request, so equal requests give
byte-identical replies, and the continuation of a cut-off reply is exactly the
rest of that reply.

This module reads the request and picks the writer: offline_outline.py
(outlines, summaries), offline_prose.py (chapters), both drawing on
offline_story.py (cast, pools) and offline_phrases.py (word lists).
"""

from __future__ import annotations

import re
from typing import Any

from bookgen.llm.offline_outline import outline, outline_piece, summary
from bookgen.llm.offline_phrases import split_words
from bookgen.llm.offline_prose import chapter, chapter_part
from bookgen.llm.offline_request import (
    HEADING_NUMBER,
    Request,
    chapter_line,
    first_match,
    read_request,
)
from bookgen.llm.offline_story import Story
from bookgen.llm.prompt_markers import Setting, TaskKind

__all__ = ["Request", "read_request", "split_words", "write_reply"]


def _continuation(request: Request, full: str) -> str:
    """The rest of ``full`` if the text so far is its word prefix, else what is
    missing of an outline (chapters continue in ``chapter_part``)."""
    so_far = request.text_so_far
    words, pieces = so_far.split(), split_words(full)
    if [p.strip() for p in pieces[: len(words)]] == words:
        return "".join(pieces[len(words) :])
    lead = "" if so_far[-1:].isspace() else "\n\n"
    if TaskKind.OUTLINE in request.task:  # go on from the first chapter the text lacks
        done = [int(n) for n in HEADING_NUMBER.findall(so_far)]
        found = re.search(chapter_line(str(max(done, default=0) + 1)), full, re.M)
        return lead + full[found.start() :].lstrip() if found else ""
    return ""


def _help(story: Story, request: Request) -> str:
    about = f' on "{story.title}"' if request.settings.get(Setting.TITLE) else ""
    return (
        f"I'm the built-in offline writing model, happy to help{about}. I can "
        "draft an outline, revise it from feedback, write or continue a chapter, "
        "or summarize one. End your message with a line such as 'Task: outline' "
        "or 'Task: chapter 1' after the book settings, and I'll get to work."
    )


def write_reply(messages: list[Any]) -> str:
    """Answer a chat conversation as the offline model; never raises on odd input."""
    request = read_request(messages)
    story = Story(request.settings)
    context = [request.own, *request.others]
    number = request.chapter
    chapter_title = (
        first_match(chapter_line(str(number)), context) if number is not None else None
    )
    kind = request.kind
    if kind == TaskKind.REVISE_OUTLINE:
        previous = next(
            (t for t in request.others if re.search(chapter_line(r"\d+"), t, re.M)), ""
        )
        titles = re.findall(chapter_line(r"(\d+)"), previous, re.M | re.I)
        feedback = request.feedback or "the reviewer's notes"
        full = outline(story, feedback, {int(n): t for n, t in titles})
    elif kind == TaskKind.OUTLINE:
        full = outline(story)
    elif kind == TaskKind.CHAPTER and number is not None:
        full = chapter(story, number, chapter_title, request.feedback or "")
        return chapter_part(request, full, story, chapter_title)
    elif kind == TaskKind.SUMMARY and number is not None:
        full = summary(story, number, chapter_title, request.chapter_text.strip())
    else:
        full = _help(story, request)
    is_outline = kind in (TaskKind.OUTLINE, TaskKind.REVISE_OUTLINE)
    if is_outline and request.outline_piece is not None:
        full = outline_piece(full, request.outline_piece)
    if request.continuing:
        return _continuation(request, full)
    return full

"""What a chapter's prompt carries of the story so far, within a fixed budget.

A 50-chapter book cannot send every summary verbatim: the last few chapters'
summaries go in whole (trimmed to a few sentences, since small models return
near-copies of the chapter), older ones roll up into a condensed "story so
far" of bounded size, and the previous chapter's closing paragraphs carry the
scene across the break.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "CONDENSED_WORDS",
    "OUTLINE_WORDS",
    "PREVIOUS_ENDING_WORDS",
    "RECENT_SUMMARIES",
    "STORY_SO_FAR_WORDS",
    "SUMMARY_WORDS",
    "StoryContext",
    "closing_paragraphs",
    "first_sentences",
    "story_context",
    "trim_words",
]

# Summaries carried verbatim (each trimmed to SUMMARY_WORDS).
RECENT_SUMMARIES = 3
SUMMARY_WORDS = 80
# Each older chapter's line in the story so far, and the whole roll-up.
CONDENSED_WORDS = 30
STORY_SO_FAR_WORDS = 450
PREVIOUS_ENDING_WORDS = 150
# The approved outline as a prompt carries it (a looping model can write pages).
OUTLINE_WORDS = 3000

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"'\u201d\u2019)\]*_]*\s+")


def trim_words(text: str, words: int) -> str:
    """At most ``words`` words of ``text`` (whitespace collapsed), marked if cut."""
    parts = text.split()
    if len(parts) <= words:
        return " ".join(parts)
    return " ".join(parts[:words]) + " …"


def first_sentences(text: str, sentences: int = 3, words: int = SUMMARY_WORDS) -> str:
    """The first few sentences of ``text``, at most ``words`` words.

    Small models answer "summarise this" with the chapter again; its first
    sentences still say where the chapter starts, and the bound holds.
    """
    flat = " ".join(text.split())
    kept = _SENTENCE_END.split(flat)[:sentences]
    return trim_words(" ".join(kept), words)


@dataclass(frozen=True)
class StoryContext:
    """The continuity blocks of one chapter's prompt (each may be empty)."""

    story_so_far: str
    recent: tuple[tuple[int, str], ...]  # (chapter, trimmed summary)
    previous_ending: str


def story_context(
    summaries: Sequence[tuple[int, str]], previous_chapter: str = ""
) -> StoryContext:
    """Bounded context from earlier chapters' summaries and the last chapter's end.

    ``summaries`` are (chapter, text) in chapter order. The newest
    RECENT_SUMMARIES stay (trimmed); older ones become one condensed line each,
    and when those exceed STORY_SO_FAR_WORDS the oldest lines are dropped
    (the outline still names every chapter).
    """
    ordered = sorted(summaries)
    older, recent = (
        ordered[:-RECENT_SUMMARIES] if len(ordered) > RECENT_SUMMARIES else [],
        ordered[-RECENT_SUMMARIES:],
    )
    lines: list[str] = []
    budget = STORY_SO_FAR_WORDS
    for chapter, text in reversed(older):
        line = f"Chapter {chapter}: {first_sentences(text, 1, CONDENSED_WORDS)}"
        cost = len(line.split())
        if cost > budget:
            lines.append(f"(chapters 1 to {chapter}: see the outline)")
            break
        lines.append(line)
        budget -= cost
    return StoryContext(
        story_so_far="\n".join(reversed(lines)),
        recent=tuple((n, first_sentences(text)) for n, text in recent),
        previous_ending=closing_paragraphs(previous_chapter),
    )


def closing_paragraphs(text: str, words: int = PREVIOUS_ENDING_WORDS) -> str:
    """The last paragraphs of a chapter, about ``words`` words at most.

    Whole paragraphs when they fit; otherwise the tail of the last one, cut at
    a sentence start so it reads cleanly.
    """
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    kept: list[str] = []
    total = 0
    for paragraph in reversed(paragraphs):
        size = len(paragraph.split())
        if total + size > words:
            if not kept:
                sentences = _SENTENCE_END.split(" ".join(paragraph.split()))
                tail: list[str] = []
                for sentence in reversed(sentences):
                    if len(" ".join([sentence, *tail]).split()) > words and tail:
                        break
                    tail.insert(0, sentence)
                kept.append(trim_words(" ".join(tail), words))
            break
        kept.insert(0, paragraph)
        total += size
    return "\n\n".join(kept)

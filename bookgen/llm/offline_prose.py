"""The offline model's prose: paragraphs of filled templates to a word count,
a chapter as one fixed text, and the part of it a call asks for.

Split from the outline and summary writers: chapters are the only replies
written to a length and handed out in parts (opening, middle, close).
"""

from __future__ import annotations

import random
import re

from bookgen.llm.offline_phrases import (
    PHRASES,
    SHORT_SENTENCES,
    STOP_WORDS,
    seeded,
    split_words,
    word_count,
)
from bookgen.llm.offline_request import Request
from bookgen.llm.offline_story import Story
from bookgen.llm.prompt_markers import Part

__all__ = ["chapter", "chapter_part", "prose"]


def prose(
    story: Story,
    rng: random.Random,
    target: int,
    chapter_title: str = "",
    opening: bool = True,
) -> str:
    """Paragraphs of template sentences totalling ``target`` words (+3 % at most)."""
    title_words = [
        w
        for w in re.findall(r"[a-z]{4,}", chapter_title.lower())
        if w not in STOP_WORDS
    ]
    names = (story.hero, story.ally, story.rival)
    pool = story.nouns + [w for w in title_words if w.title() not in names] * 3
    tolerance = max(1, target * 3 // 100)
    total = 0
    paragraphs: list[str] = []
    sentences: list[str] = []
    recent: list[str] = []
    size = rng.randint(3, 6)
    while total < target:
        left = target - total
        talk = rng.random() < 0.12 and not (
            paragraphs and paragraphs[-1].startswith('"')
        )
        kind = "dialogue" if talk else "body"
        if left <= 25:
            kind = "close"
        if opening and not (paragraphs or sentences):
            kind = "open" if chapter_title else "open plain"
        templates = PHRASES[kind]
        template = rng.choice([t for t in templates if t not in recent] or templates)
        recent = [*recent[-12:], template]
        sentence = story.fill(template, rng, chapter_title, pool)
        if word_count(sentence) > left + tolerance:
            sentence = story.fill(rng.choice(SHORT_SENTENCES), rng, chapter_title, pool)
        if word_count(sentence) > left + tolerance:
            sentence = " ".join(sentence.split()[:left]).rstrip(',.;:!?"') + "."
        total += word_count(sentence)
        if sentence.startswith('"'):  # dialogue stands in its own paragraph
            if sentences:
                paragraphs.append(" ".join(sentences))
            paragraphs.append(sentence)
            sentences = []
            continue
        sentences.append(sentence)
        if len(sentences) >= size:
            paragraphs.append(" ".join(sentences))
            sentences, size = [], rng.randint(3, 6)
    if sentences:
        paragraphs.append(" ".join(sentences))
    return "\n\n".join(paragraphs)


def chapter(
    story: Story, number: int, chapter_title: str | None, feedback: str = ""
) -> str:
    """A chapter; a new version asked for with feedback is another draw."""
    rng = seeded(
        "chapter",
        story.title,
        story.premise,
        number,
        story.words,
        chapter_title or "",
        *([feedback] if feedback else []),
    )
    return prose(story, rng, story.words, chapter_title or "")


def chapter_part(
    request: Request, full: str, story: Story, chapter_title: str | None
) -> str:
    """Exactly the part of the chapter a call asks for.

    The chapter is one fixed text; a call asks for its opening, a middle part
    of N words, the rest (its close), or the end of a cut-off sentence. When
    the text so far is not this chapter's (a fault cut a word, another model
    wrote it), fresh prose of the asked length follows it instead.
    """
    pieces = split_words(full)
    so_far = request.text_so_far.split() if request.continuing else []
    at = request.words_so_far or len(so_far)
    tail = [p.strip() for p in pieces[max(at - len(so_far), 0) : at]]
    if request.continuing and (at < len(so_far) or tail != so_far):
        return _fresh_part(request, story, chapter_title)
    rest = pieces[at:]
    part, ask = request.part, request.words_to_write
    if part in (Part.OPENING, Part.MIDDLE) and ask is not None:
        return "".join(rest[:ask])
    if part == Part.LAST_SENTENCE:
        ends = [k for k, p in enumerate(rest) if re.search(r"[.!?][\"')]*$", p)]
        return "".join(rest[: ends[0] + 1]) if ends else "".join(rest)
    return "".join(rest)


def _fresh_part(request: Request, story: Story, chapter_title: str | None) -> str:
    """Prose that follows someone else's text: the asked words, or a close."""
    so_far = request.text_so_far
    words = so_far.split()
    rng = seeded(
        "continue", story.title, story.premise, request.task, story.words, so_far
    )
    lead = "" if so_far[-1:].isspace() else "\n\n"
    if so_far.rstrip()[-1:] not in ".!?\"'\u201d\u2019":  # mid-sentence: end it
        dangling = words[-1].lower() in STOP_WORDS if words else False
        noun = " " + rng.choice(story.nouns).split()[-1] if dangling else ""
        lead = f"{noun}, and for a while nothing else seemed to matter.\n\n"
    if request.part == Part.LAST_SENTENCE:
        return lead.rstrip()
    left = request.words_to_write or story.words - len(words)
    opening = False
    rest = prose(story, rng, left, chapter_title or "", opening) if left > 15 else None
    return lead + (rest or story.fill(rng.choice(PHRASES["close"]), rng))

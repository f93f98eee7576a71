"""The offline model's outlines (with revisions that keep earlier titles) and
chapter summaries.

Split from the prose writer: these replies are built from the story's cast and
nouns as a whole, not written to a length.
"""

from __future__ import annotations

import random
import re

from bookgen.llm.offline_phrases import (
    PHRASES,
    SMALL_WORDS,
    STOP_WORDS,
    TITLE_TEMPLATES,
    seeded,
    word_count,
)
from bookgen.llm.offline_story import Story
from bookgen.llm.prompt_markers import chapter_heading

__all__ = ["outline", "outline_piece", "summary"]


def _title_case(title: str) -> str:
    return " ".join(
        word if i and word in SMALL_WORDS else word[:1].upper() + word[1:]
        for i, word in enumerate(title.split())
    )


def _chapter_title(story: Story, rng: random.Random, taken: list[str]) -> str:
    """A chapter title from a template, title-cased, not already taken."""
    title = ""
    for _ in range(30):
        noun, other = rng.choice(story.nouns), rng.choice(story.nouns)
        adjective = rng.choice(story.moods + story.theme_adjectives)
        place = rng.choice(story.places)
        title = _title_case(
            rng.choice(TITLE_TEMPLATES).format(
                N=noun,
                Nh=noun.split()[-1],
                N2h=other.split()[-1],
                P=story.hero,
                Pl=place,
                Adj=adjective,
            )
        )
        if title not in taken and noun != other:
            return title
    return f"{title} ({len(taken) + 1})"


def _synopsis(story: Story, rng: random.Random, feedback: str) -> str:
    synopsis = story.premise or story.fill(
        "{P} stumbles onto the {n} and cannot let it go.", rng
    )
    if synopsis[-1] not in ".!?\"'":
        synopsis += "."
    chapters = f"{story.chapters} chapters" if story.chapters > 1 else "1 chapter"
    synopsis += story.fill(
        f" Across {chapters}, {{P}} is pulled toward {{pl}}, with {{A}} close", rng
    )
    synopsis += f" by and {story.rival} never far behind."
    audience = story.audience.lower()
    if not re.search(r"(s|ren|people|readers)$", audience):
        audience += " readers"
    if kind := " ".join(x.lower() for x in (story.tone, story.genre) if x):
        synopsis += f" It is a {kind} story"
        if story.audience:
            synopsis += f" for {audience}"
        synopsis += "."
    if feedback:
        end = "" if feedback[-1] in ".!?" else "."
        synopsis += f" This version was revised to address: {feedback}{end}"
    return synopsis


def _feedback_keywords(feedback: str) -> list[str]:
    """The (at most four) longest content words of the feedback, in its order."""
    words = re.findall(r"[A-Za-z'-]{4,}", feedback)
    words = list(dict.fromkeys(w for w in words if w.lower() not in STOP_WORDS))
    longest = sorted(words, key=len, reverse=True)[:4]
    return [w for w in words if w in longest]


def outline(
    story: Story, feedback: str = "", previous: dict[int, str] | None = None
) -> str:
    """Markdown outline; with feedback, a revision that keeps earlier titles."""
    rng = seeded("outline", story.title, story.premise, story.chapters, feedback)
    titles: list[str] = []
    for number in range(1, story.chapters + 1):
        kept = (previous or {}).get(number)
        titles.append(kept or _chapter_title(story, rng, titles))
    lines = [f"# {story.title}", "", _synopsis(story, rng, feedback)]
    keywords = _feedback_keywords(feedback)
    stages_used: list[str] = []
    reworked = (
        {rng.randrange(story.chapters), story.chapters - 1} if keywords else set()
    )
    for index in range(story.chapters):
        stage = 1 + min(2, 3 * index // story.chapters)
        if index == 0:
            stage = 0
        elif index == story.chapters - 1:
            stage = 4
        options = PHRASES["stage"][stage].split("|")
        stages_used.append(
            rng.choice([t for t in options if t not in stages_used] or options)
        )
        body = [story.fill(stages_used[-1], rng)]
        body += [
            story.fill(rng.choice(PHRASES["extra"]), rng)
            for _ in range(rng.randint(0, 1))
        ]
        if index in reworked:
            listed = ", ".join(keywords[:-1])
            if len(keywords) > 1:
                listed += " and "
            listed += keywords[-1]
            template = (
                f"This chapter now puts more weight on {listed}, "
                "so it shapes {P}'s path."
            )
            body.insert(1, story.fill(template, rng))
        lines += ["", chapter_heading(index + 1, titles[index]), "", " ".join(body)]
    return "\n".join(lines)


def outline_piece(whole: str, piece: int) -> str:
    """The synopsis (0) or chapter ``piece``'s entry of a whole outline, as the
    model writes it after the app's ``# Title`` or ``## Chapter N: `` line."""
    parts = re.split(r"\n\n## Chapter \d+: ", whole)
    if piece == 0:
        return re.sub(r"\A# [^\n]*\n\n", "", parts[0])
    return parts[piece] if piece < len(parts) else ""


def summary(story: Story, number: int, chapter_title: str | None, text: str) -> str:
    """Two or three sentences naming the chapter, its people and its main nouns."""
    rng = seeded("summary", story.title, number, text)
    capitalised = re.findall(r"(?<=[a-z,;] )[A-Z][a-z]{2,}\b", text)
    cast = (story.hero, story.ally, story.rival)
    others = sorted(
        set(capitalised) - set(cast), key=lambda w: (-capitalised.count(w), w)
    )
    names = [n for n in cast[:2] if n in text] + others or [story.hero]
    words = re.findall(r"\b[a-z]{4,}\b", text)
    heads = {n.split()[-1] for n in story.nouns}

    def rank(word: str) -> tuple[bool, int, str]:
        return (word not in heads, -words.count(word), word)

    topics = sorted({w for w in words if w not in STOP_WORDS}, key=rank)[:3]
    topics += [n.split()[-1] for n in story.nouns][: 3 - len(topics)]
    label = (
        f'Chapter {number}, "{chapter_title}",'
        if chapter_title
        else f"Chapter {number},"
    )
    who = names[0]
    other = names[1] if len(names) > 1 else story.ally
    sentences = [
        f"In {label} {who} is drawn deeper into the matter of the {topics[0]}"
        f" and the {topics[1]}.",
        f"Along the way, {other} tests {who}'s resolve, and the {topics[2]} takes"
        f" on a new and {rng.choice(story.moods)} meaning.",
        f"The chapter closes on a {rng.choice(story.moods)} note, leaving the question"
        f" of the {topics[0]} open and setting up what comes next.",
    ]
    if word_count(" ".join(sentences)) > 90:
        sentences = sentences[::2]
    reply = " ".join(sentences)
    if word_count(reply) <= 90:
        return reply
    return " ".join(reply.split()[:89]) + "."

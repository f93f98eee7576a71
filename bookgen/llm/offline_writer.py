"""Deterministic stand-in for an LLM, so demos and tests need no network or API key.

It reads chat messages the way the app's prompts are written (a ``Book settings:``
block and a ``Task: ...`` line in the last user message, markers shared with
prompts.py through ``prompt_markers``) and writes outlines, chapters,
continuations and summaries from templates. Randomness comes from
``random.Random`` seeded by a SHA-256 of the request, so equal requests give
byte-identical replies, and the continuation of a cut-off reply is exactly the
rest of that reply.

Templates (``offline_phrases.txt``) name their slots briefly: ``{P}`` hero,
``{A}`` ally, ``{R}`` rival, ``{n}``/``{n2}`` nouns, ``{nh}`` a noun's head word,
``{pl}`` place, ``{adj}`` mood, ``{tadj}`` theme adjective, ``{v}`` verb,
``{T}`` time, ``{ct}`` chapter title, and pronouns ``{he}``, ``{him}``, ``{his}``.
"""

from __future__ import annotations

import hashlib
import random
import re
from pathlib import Path
from typing import Any

from bookgen.llm.offline_request import (
    HEADING_NUMBER,
    Request,
    chapter_line,
    first_match,
    read_request,
)
from bookgen.llm.prompt_markers import (
    Part,
    Setting,
    TaskKind,
    chapter_heading,
)

__all__ = ["Request", "read_request", "split_words", "write_reply"]


# --- word lists and templates ------------------------------------------------
def _parse_phrases(text: str) -> dict[str, list[str]]:
    """``[section]`` starts a list; one entry per line; an indented line continues
    the entry above (glued without a space around ``|`` and ``;``)."""
    sections: dict[str, list[str]] = {}
    entries: list[str] = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        if line.startswith("["):
            entries = sections.setdefault(line.strip("[]"), [])
        elif line.startswith("  ") and entries:
            glue = entries[-1].endswith(("|", ";")) or line.strip()[0] in "|;"
            entries[-1] += ("" if glue else " ") + line.strip()
        elif line.strip():
            entries.append(line.strip())
    return sections


_PHRASES = _parse_phrases(
    Path(__file__).with_name("offline_phrases.txt").read_text(encoding="utf-8")
)


def _word_set(section: str) -> set[str]:
    return set(" ".join(_PHRASES[section]).split())


def _semicolon_list(section: str) -> list[str]:
    return _PHRASES[section][0].split(";")


_STOP_WORDS = _word_set("stop")
_DETERMINERS = _word_set("det")
_SMALL_WORDS = _word_set("small")  # stay lower case in titles
_PERSON_NOUNS = _word_set("person")
_FEMALE_NAMES = _PHRASES["female"][0].split()
_MALE_NAMES = _PHRASES["male"][0].split()
_SURNAMES = _PHRASES["surname"][0].split()
# Slots every template may use, each filled from its own list (in this order).
_SLOT_LISTS = {
    slot: _semicolon_list(slot) for slot in ("sense", "feel", "verb", "time", "tod")
}
_SHORT_SENTENCES = _semicolon_list("short")
_TITLE_TEMPLATES = _semicolon_list("title")
_NAMED = (
    r"\b(?:named|called|Detective|Captain|Dr\.|Professor|Sir|Lady|Agent)\s+([A-Z]\w+)"
)


def _seeded(*parts: object) -> random.Random:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _singular(word: str) -> str:
    one = re.sub(r"ies$", "y", word)
    if one != word:
        return one
    return re.sub(r"(?:(?<=[sxz])|(?<=[cs]h))es$|s$", "", one)


def _noun_phrases(text: str) -> list[str]:
    """Cheap noun spotting: short runs of content words after a determiner."""
    tokens = re.findall(r"[A-Za-z][A-Za-z'-]*|[^\sA-Za-z]", text)
    phrases: list[str] = []
    i = 0
    while i < len(tokens):
        i += 1
        if tokens[i - 1].lower() not in _DETERMINERS:
            continue
        run: list[str] = []
        while i < len(tokens) and len(run) < 3 and tokens[i].lower() not in _STOP_WORDS:
            if not tokens[i][0].isalpha() or tokens[i].endswith("ly"):
                break
            run.append(tokens[i].lower())
            i += 1
        if len(run) > 1 and run[-1][-1] == "s" and run[-2][-1] not in "sdn":
            run.pop()  # "keeper discovers": the last word is probably a verb
        if run and re.search(r"[^su]s$", run[-1]):  # singular reads better
            run[-1] = _singular(run[-1])
        usable = bool(run) and min(map(len, run)) > 2 and run[-1] not in _PERSON_NOUNS
        if usable and " ".join(run[-2:]) not in phrases:
            phrases.append(" ".join(run[-2:]))
    return phrases


def _setting_number(
    settings: dict[Setting, str], setting: Setting, default: int, most: int
) -> int:
    digits = re.sub(r"\D", "", settings.get(setting, ""))[:6]
    return min(most, max(1, int(digits or default)))


class _Story:
    """What the settings imply: word pools and a cast, fixed per title and premise."""

    def __init__(self, settings: dict[Setting, str]) -> None:
        def text(setting: Setting) -> str:
            return settings.get(setting, "").strip()

        self.title = text(Setting.TITLE) or "Untitled"
        self.premise = text(Setting.PREMISE)
        self.genre = text(Setting.GENRE)
        self.audience = text(Setting.AUDIENCE)
        self.tone = text(Setting.TONE)
        self.chapters = _setting_number(settings, Setting.CHAPTERS, 10, 100)
        words = _setting_number(settings, Setting.WORDS_PER_CHAPTER, 800, 50000)
        self.words = max(10, words)
        self._choose_theme()
        self._choose_moods()
        self._cast(settings.get(Setting.TITLE, ""))

    def _choose_theme(self) -> None:
        themes = [entry.split("|") for entry in _PHRASES["theme"]]
        genre = self.genre.lower()
        theme = next(
            (t for t in themes if any(w in genre for w in t[0].split())), themes[-1]
        )
        self.nouns = _noun_phrases(self.premise) * 2 + theme[1].split()
        self.places = theme[2].split(";")
        self.theme_adjectives = theme[3].split()

    def _choose_moods(self) -> None:
        tone = self.tone.lower()
        tones = [entry.split("|") for entry in _PHRASES["tone"]]
        matching = [
            moods for keys, moods in tones if any(k in tone for k in keys.split())
        ]
        self.moods = " ".join(matching).split()
        own_words = [w for w in re.findall(r"[a-z]+", tone) if w not in _STOP_WORDS]
        fallback = [*own_words[:2], "quiet", "uncertain", "strange", "heavy"]
        self.moods = self.moods or fallback

    def _cast(self, raw_title: str) -> None:
        """Hero, ally and rival; the hero's pronouns follow the premise."""
        rng = _seeded("names", raw_title, self.premise)
        named = re.search(_NAMED, self.premise)
        words = re.findall(r"[a-z]+", self.premise.lower())
        she = sum(w in ("she", "her", "herself") for w in words)
        he = sum(w in ("he", "him", "his", "himself") for w in words)
        if he > she:
            cast = _MALE_NAMES
        elif she > he:
            cast = _FEMALE_NAMES
        else:
            cast = rng.choice([_FEMALE_NAMES, _MALE_NAMES])
        hero = named.group(1) if named else rng.choice(cast)
        ally = rng.choice([n for n in _FEMALE_NAMES + _MALE_NAMES if n != hero])
        self.hero, self.ally, self.rival = hero, ally, rng.choice(_SURNAMES)
        self.pronouns = ("they", "them", "their")
        if hero in _FEMALE_NAMES or (hero not in _MALE_NAMES and she > he):
            self.pronouns = ("she", "her", "her")
        elif hero in _MALE_NAMES or he > she:
            self.pronouns = ("he", "him", "his")

    def fill(
        self,
        template: str,
        rng: random.Random,
        chapter_title: str = "",
        pool: list[str] | None = None,
    ) -> str:
        """One template with its slots drawn from the story's pools."""
        pool = pool or self.nouns
        noun = rng.choice(pool)
        other = next(
            (x for x in (rng.choice(pool) for _ in range(6)) if x != noun), pool[0]
        )
        he, him, his = self.pronouns
        picked = {slot: rng.choice(words) for slot, words in _SLOT_LISTS.items()}
        place = rng.choice(self.places)
        mood = rng.choice(self.moods)
        theme_adjective = rng.choice(self.theme_adjectives)
        sentence = template.format(
            P=self.hero,
            A=self.ally,
            R=self.rival,
            n=noun,
            n2=other,
            ct=chapter_title,
            nh=noun.split()[-1],
            pl=place,
            adj=mood,
            tadj=theme_adjective,
            v=picked["verb"],
            T=picked["time"],
            **picked,
            he=he,
            He=he.capitalize(),
            him=him,
            his=his,
        )
        start = 1 if sentence[:1] == '"' else 0  # capitalise inside a quote
        return (
            sentence[:start]
            + sentence[start : start + 1].upper()
            + sentence[start + 1 :]
        )


# --- writing -------------------------------------------------------------------
def split_words(text: str) -> list[str]:
    """Chunk text into words, each with its preceding whitespace; join restores it."""
    pieces = re.findall(r"\s*\S+", text)
    rest = text[sum(map(len, pieces)) :]
    if rest:
        pieces = [*pieces[:-1], pieces[-1] + rest] if pieces else [rest]
    return pieces


def _word_count(text: str) -> int:
    return len(text.split())


def _prose(
    story: _Story,
    rng: random.Random,
    target: int,
    chapter_title: str = "",
    opening: bool = True,
) -> str:
    """Paragraphs of template sentences totalling ``target`` words (+3 % at most)."""
    title_words = [
        w
        for w in re.findall(r"[a-z]{4,}", chapter_title.lower())
        if w not in _STOP_WORDS
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
        templates = _PHRASES[kind]
        template = rng.choice([t for t in templates if t not in recent] or templates)
        recent = [*recent[-12:], template]
        sentence = story.fill(template, rng, chapter_title, pool)
        if _word_count(sentence) > left + tolerance:
            sentence = story.fill(
                rng.choice(_SHORT_SENTENCES), rng, chapter_title, pool
            )
        if _word_count(sentence) > left + tolerance:
            sentence = " ".join(sentence.split()[:left]).rstrip(',.;:!?"') + "."
        total += _word_count(sentence)
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


def _chapter(
    story: _Story, number: int, chapter_title: str | None, feedback: str = ""
) -> str:
    """A chapter; a new version asked for with feedback is another draw."""
    rng = _seeded(
        "chapter",
        story.title,
        story.premise,
        number,
        story.words,
        chapter_title or "",
        *([feedback] if feedback else []),
    )
    return _prose(story, rng, story.words, chapter_title or "")


def _title_case(title: str) -> str:
    return " ".join(
        word if i and word in _SMALL_WORDS else word[:1].upper() + word[1:]
        for i, word in enumerate(title.split())
    )


def _chapter_title(story: _Story, rng: random.Random, taken: list[str]) -> str:
    """A chapter title from a template, title-cased, not already taken."""
    title = ""
    for _ in range(30):
        noun, other = rng.choice(story.nouns), rng.choice(story.nouns)
        adjective = rng.choice(story.moods + story.theme_adjectives)
        place = rng.choice(story.places)
        title = _title_case(
            rng.choice(_TITLE_TEMPLATES).format(
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


def _synopsis(story: _Story, rng: random.Random, feedback: str) -> str:
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
    words = list(dict.fromkeys(w for w in words if w.lower() not in _STOP_WORDS))
    longest = sorted(words, key=len, reverse=True)[:4]
    return [w for w in words if w in longest]


def _outline(
    story: _Story, feedback: str = "", previous: dict[int, str] | None = None
) -> str:
    """Markdown outline; with feedback, a revision that keeps earlier titles."""
    rng = _seeded("outline", story.title, story.premise, story.chapters, feedback)
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
        options = _PHRASES["stage"][stage].split("|")
        stages_used.append(
            rng.choice([t for t in options if t not in stages_used] or options)
        )
        body = [story.fill(stages_used[-1], rng)]
        body += [
            story.fill(rng.choice(_PHRASES["extra"]), rng)
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


def _summary(story: _Story, number: int, chapter_title: str | None, text: str) -> str:
    """Two or three sentences naming the chapter, its people and its main nouns."""
    rng = _seeded("summary", story.title, number, text)
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

    topics = sorted({w for w in words if w not in _STOP_WORDS}, key=rank)[:3]
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
    if _word_count(" ".join(sentences)) > 90:
        sentences = sentences[::2]
    summary = " ".join(sentences)
    if _word_count(summary) <= 90:
        return summary
    return " ".join(summary.split()[:89]) + "."


def _continuation(request: Request, full: str) -> str:
    """The rest of ``full`` if the text so far is its word prefix, else what is
    missing of an outline (chapters continue in ``_chapter_part``)."""
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


def _outline_piece(outline: str, piece: int) -> str:
    """The synopsis (0) or chapter ``piece``'s entry of a whole outline, as the
    model writes it after the app's ``# Title`` or ``## Chapter N: `` line."""
    parts = re.split(r"\n\n## Chapter \d+: ", outline)
    if piece == 0:
        return re.sub(r"\A# [^\n]*\n\n", "", parts[0])
    return parts[piece] if piece < len(parts) else ""


def _chapter_part(
    request: Request, full: str, story: _Story, chapter_title: str | None
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


def _fresh_part(request: Request, story: _Story, chapter_title: str | None) -> str:
    """Prose that follows someone else's text: the asked words, or a close."""
    so_far = request.text_so_far
    words = so_far.split()
    rng = _seeded(
        "continue", story.title, story.premise, request.task, story.words, so_far
    )
    lead = "" if so_far[-1:].isspace() else "\n\n"
    if so_far.rstrip()[-1:] not in ".!?\"'\u201d\u2019":  # mid-sentence: end it
        dangling = words[-1].lower() in _STOP_WORDS if words else False
        noun = " " + rng.choice(story.nouns).split()[-1] if dangling else ""
        lead = f"{noun}, and for a while nothing else seemed to matter.\n\n"
    if request.part == Part.LAST_SENTENCE:
        return lead.rstrip()
    left = request.words_to_write or story.words - len(words)
    opening = False
    rest = _prose(story, rng, left, chapter_title or "", opening) if left > 15 else None
    return lead + (rest or story.fill(rng.choice(_PHRASES["close"]), rng))


def _help(story: _Story, request: Request) -> str:
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
    story = _Story(request.settings)
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
        full = _outline(story, feedback, {int(n): t for n, t in titles})
    elif kind == TaskKind.OUTLINE:
        full = _outline(story)
    elif kind == TaskKind.CHAPTER and number is not None:
        full = _chapter(story, number, chapter_title, request.feedback or "")
        return _chapter_part(request, full, story, chapter_title)
    elif kind == TaskKind.SUMMARY and number is not None:
        full = _summary(story, number, chapter_title, request.chapter_text.strip())
    else:
        full = _help(story, request)
    is_outline = kind in (TaskKind.OUTLINE, TaskKind.REVISE_OUTLINE)
    if is_outline and request.outline_piece is not None:
        full = _outline_piece(full, request.outline_piece)
    if request.continuing:
        return _continuation(request, full)
    return full

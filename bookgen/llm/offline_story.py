"""What a book's settings imply for the offline model: word pools, a cast, and
templates filled from them.

Its own module because every writer (outline, prose, summary) draws from the
same story. Templates (``offline_phrases.txt``) name their slots briefly:
``{P}`` hero, ``{A}`` ally, ``{R}`` rival, ``{n}``/``{n2}`` nouns, ``{nh}`` a
noun's head word, ``{pl}`` place, ``{adj}`` mood, ``{tadj}`` theme adjective,
``{v}`` verb, ``{T}`` time, ``{ct}`` chapter title, and pronouns ``{he}``,
``{him}``, ``{his}``.
"""

from __future__ import annotations

import random
import re

from bookgen.llm.offline_phrases import (
    DETERMINERS,
    FEMALE_NAMES,
    MALE_NAMES,
    PERSON_NOUNS,
    PHRASES,
    SLOT_LISTS,
    STOP_WORDS,
    SURNAMES,
    seeded,
)
from bookgen.llm.prompt_markers import Setting

__all__ = ["Story"]

_NAMED = (
    r"\b(?:named|called|Detective|Captain|Dr\.|Professor|Sir|Lady|Agent)\s+([A-Z]\w+)"
)


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
        if tokens[i - 1].lower() not in DETERMINERS:
            continue
        run: list[str] = []
        while i < len(tokens) and len(run) < 3 and tokens[i].lower() not in STOP_WORDS:
            if not tokens[i][0].isalpha() or tokens[i].endswith("ly"):
                break
            run.append(tokens[i].lower())
            i += 1
        if len(run) > 1 and run[-1][-1] == "s" and run[-2][-1] not in "sdn":
            run.pop()  # "keeper discovers": the last word is probably a verb
        if run and re.search(r"[^su]s$", run[-1]):  # singular reads better
            run[-1] = _singular(run[-1])
        usable = bool(run) and min(map(len, run)) > 2 and run[-1] not in PERSON_NOUNS
        if usable and " ".join(run[-2:]) not in phrases:
            phrases.append(" ".join(run[-2:]))
    return phrases


def _setting_number(
    settings: dict[Setting, str], setting: Setting, default: int, most: int
) -> int:
    digits = re.sub(r"\D", "", settings.get(setting, ""))[:6]
    return min(most, max(1, int(digits or default)))


class Story:
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
        themes = [entry.split("|") for entry in PHRASES["theme"]]
        genre = self.genre.lower()
        theme = next(
            (t for t in themes if any(w in genre for w in t[0].split())), themes[-1]
        )
        self.nouns = _noun_phrases(self.premise) * 2 + theme[1].split()
        self.places = theme[2].split(";")
        self.theme_adjectives = theme[3].split()

    def _choose_moods(self) -> None:
        tone = self.tone.lower()
        tones = [entry.split("|") for entry in PHRASES["tone"]]
        matching = [
            moods for keys, moods in tones if any(k in tone for k in keys.split())
        ]
        self.moods = " ".join(matching).split()
        own_words = [w for w in re.findall(r"[a-z]+", tone) if w not in STOP_WORDS]
        fallback = [*own_words[:2], "quiet", "uncertain", "strange", "heavy"]
        self.moods = self.moods or fallback

    def _cast(self, raw_title: str) -> None:
        """Hero, ally and rival; the hero's pronouns follow the premise."""
        rng = seeded("names", raw_title, self.premise)
        named = re.search(_NAMED, self.premise)
        words = re.findall(r"[a-z]+", self.premise.lower())
        she = sum(w in ("she", "her", "herself") for w in words)
        he = sum(w in ("he", "him", "his", "himself") for w in words)
        if he > she:
            cast = MALE_NAMES
        elif she > he:
            cast = FEMALE_NAMES
        else:
            cast = rng.choice([FEMALE_NAMES, MALE_NAMES])
        hero = named.group(1) if named else rng.choice(cast)
        ally = rng.choice([n for n in FEMALE_NAMES + MALE_NAMES if n != hero])
        self.hero, self.ally, self.rival = hero, ally, rng.choice(SURNAMES)
        self.pronouns = ("they", "them", "their")
        if hero in FEMALE_NAMES or (hero not in MALE_NAMES and she > he):
            self.pronouns = ("she", "her", "her")
        elif hero in MALE_NAMES or he > she:
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
        picked = {slot: rng.choice(words) for slot, words in SLOT_LISTS.items()}
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

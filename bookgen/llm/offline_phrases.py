"""The offline model's word lists and sentence templates, read once from
``offline_phrases.txt``, and the small text helpers every writer shares.

Its own module so the outline, prose and summary writers draw on one set of
tables, and so changing the phrases file touches no code.
"""

from __future__ import annotations

import hashlib
import random
import re
from pathlib import Path

__all__ = [
    "DETERMINERS",
    "FEMALE_NAMES",
    "MALE_NAMES",
    "PERSON_NOUNS",
    "PHRASES",
    "SHORT_SENTENCES",
    "SLOT_LISTS",
    "SMALL_WORDS",
    "STOP_WORDS",
    "SURNAMES",
    "TITLE_TEMPLATES",
    "seeded",
    "split_words",
    "word_count",
]


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


PHRASES = _parse_phrases(
    Path(__file__).with_name("offline_phrases.txt").read_text(encoding="utf-8")
)


def _word_set(section: str) -> set[str]:
    return set(" ".join(PHRASES[section]).split())


def _semicolon_list(section: str) -> list[str]:
    return PHRASES[section][0].split(";")


STOP_WORDS = _word_set("stop")
DETERMINERS = _word_set("det")
SMALL_WORDS = _word_set("small")  # stay lower case in titles
PERSON_NOUNS = _word_set("person")
FEMALE_NAMES = PHRASES["female"][0].split()
MALE_NAMES = PHRASES["male"][0].split()
SURNAMES = PHRASES["surname"][0].split()
# Slots every template may use, each filled from its own list (in this order).
SLOT_LISTS = {
    slot: _semicolon_list(slot) for slot in ("sense", "feel", "verb", "time", "tod")
}
SHORT_SENTENCES = _semicolon_list("short")
TITLE_TEMPLATES = _semicolon_list("title")


def seeded(*parts: object) -> random.Random:
    """A generator fixed by ``parts``: equal requests give equal replies."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def split_words(text: str) -> list[str]:
    """Chunk text into words, each with its preceding whitespace; join restores it."""
    pieces = re.findall(r"\s*\S+", text)
    rest = text[sum(map(len, pieces)) :]
    if rest:
        pieces = [*pieces[:-1], pieces[-1] + rest] if pieces else [rest]
    return pieces


def word_count(text: str) -> int:
    return len(text.split())

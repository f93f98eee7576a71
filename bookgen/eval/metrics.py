"""What the eval measures, as pure functions over text and numbers.

Length follows LongWriter (AgentWrite): a score of 100 at the target, falling
linearly to 0 at four times the target (too long) or a third of it (too short).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence

__all__ = [
    "TOLERANCE",
    "continuity",
    "length_score",
    "mean",
    "names_in",
    "repetition",
    "within_tolerance",
    "word_count",
]

# A chapter "hits its length" within this share of its target.
TOLERANCE = 0.15
# Repetition counts repeated sequences of this many words.
NGRAM = 8

# Capitalised words that are not names (sentence starters, titles, calendar).
_COMMON_CAPITALISED = """
    A An The And But Or Nor For So Yet If When While Then As At By In On Of To
    Up With From Into Over Under After Before Until Since Though Although Once
    He She It They We You I Me My His Her Its Our Their Them Us This That These
    Those There Here What Who Whom Whose Which Why How Where Each Every Some Any
    No Not All Both Either Neither One Two Three Four Five Six Seven Eight Nine
    Ten Chapter Part Book Prologue Epilogue Act Scene Mr Mrs Ms Dr Sir Lady Lord
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February
    March April May June July August September October November December
    Meanwhile Later Soon Now Finally Eventually Also Even Still Just Only Yes Oh
"""
_NOT_NAMES = frozenset(_COMMON_CAPITALISED.split())
_WORD = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f'\u2019-]*")
# Between two words: a sentence ends, or a line (heading, list item) begins.
_BREAK = re.compile(r"[.!?:;]|\n")


def word_count(text: str) -> int:
    return len(text.split())


def length_score(words: int, target: int) -> float:
    """LongWriter's S_l for one chapter, 0-100 (100 = exactly on target)."""
    if target <= 0:
        raise ValueError("the target must be a positive number of words")
    if words <= 0:
        return 0.0
    if words >= target:
        return 100.0 * max(0.0, 1.0 - (words / target - 1.0) / 3.0)
    return 100.0 * max(0.0, 1.0 - (target / words - 1.0) / 2.0)


def within_tolerance(words: int, target: int, tolerance: float = TOLERANCE) -> bool:
    return abs(words - target) <= tolerance * target


def repetition(texts: Iterable[str], n: int = NGRAM) -> float:
    """Share of ``n``-word sequences that already occurred earlier (0 = none).

    Words are compared lower-cased without punctuation; sequences never span
    two texts, but a sequence repeated from an earlier text counts.
    """
    seen: Counter[tuple[str, ...]] = Counter()
    for text in texts:
        words = [w.lower() for w in _WORD.findall(text)]
        seen.update(tuple(words[i : i + n]) for i in range(len(words) - n + 1))
    total = sum(seen.values())
    return (total - len(seen)) / total if total else 0.0


def names_in(text: str, known: Iterable[str] = ()) -> set[str]:
    """Proper nouns, roughly: capitalised words used mid-sentence, words that
    recur capitalised and never in lower case, and ``known`` names.

    A capitalised word seen once at a sentence start is not taken: that is
    where ordinary words are capitalised too.
    """
    known = set(known)
    names: set[str] = set()
    initial: Counter[str] = Counter()
    lower: set[str] = set()
    end = 0
    for m in _WORD.finditer(text):
        word = _bare(m.group())
        gap = text[end : m.start()]
        starts_sentence = end == 0 or bool(_BREAK.search(gap))
        end = m.end()
        if not word[:1].isupper():
            lower.add(word)
        elif word in _NOT_NAMES or word.isupper():
            continue
        elif not starts_sentence or word in known:
            names.add(word)
        else:
            initial[word] += 1
    names.update(
        w for w, n in initial.items() if n >= 2 and w[:1].lower() + w[1:] not in lower
    )
    return names


def continuity(
    entry_text: str, chapter_text: str, known: Iterable[str] = ()
) -> tuple[int, int]:
    """(names of the outline entry found in its chapter, names in the entry)."""
    names = names_in(entry_text, known)
    present = {_bare(w) for w in _WORD.findall(chapter_text)}
    return len(names & present), len(names)


def _bare(word: str) -> str:
    """``Mara's`` -> ``Mara``: possessives and trailing marks off."""
    word = word.rstrip("'\u2019-")
    for suffix in ("'s", "\u2019s"):
        word = word.removesuffix(suffix)
    return word


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None

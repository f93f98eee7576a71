"""How long a chapter is, and what the next model call for it must write.

Real models stop early (a few hundred words whatever they are asked), get cut
by ``max_tokens`` mid-sentence, or loop far past the target. A chapter is
therefore written in as many calls as it needs, each decided from the text so
far alone, so a retry, a resume after a crash or a Continue after Stop picks up
exactly where the stored text ends:

- below the band's floor: ask for the next part (at most SECTION_WORDS), and
  when what remains fits one part, ask for it to bring the chapter to its close;
- inside the band but cut mid-sentence: ask only for the end of that sentence;
- inside the band at a sentence end: the chapter is done.

Words are whitespace-separated tokens of the chapter's text, as the eval
counts them. Each call's ``max_tokens`` is sized to what it should write
(≈ 1.4 tokens a word, plus headroom); the gate (``gate.py``) stops a call at
the first sentence end past the target and never lets the text past the
ceiling.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from bookgen.llm.prompt_markers import Part

__all__ = [
    "SECTION_WORDS",
    "TOLERANCE",
    "CallPlan",
    "LengthBand",
    "chapter_max_calls",
    "count_words",
    "ends_sentence",
    "plan_call",
    "tokens_for",
]

# The promise: every chapter within this share of its target.
TOLERANCE = 0.15
# The band aimed at, a little inside the promise.
_AIM = 0.12
# The most one call is asked to write (single replies rarely exceed ~1,000 words).
SECTION_WORDS = 1000
TOKENS_PER_WORD = 1.4
TOKEN_HEADROOM = 48
# Enough to finish a cut-off sentence.
LAST_SENTENCE_WORDS = 40

# A sentence ends with . ! ? or … and maybe closing quotes, brackets or emphasis.
_ENDS_SENTENCE = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]*_]*\s*$")


def chapter_max_calls(target: int) -> int:
    """Calls a chapter may take: generous (a model writing ~25 words a call still
    finishes); calls that bring nothing are bounded separately, and sooner."""
    return 20 + target // 20


def count_words(text: str) -> int:
    return len(text.split())


def ends_sentence(text: str) -> bool:
    """The text stops at the end of a sentence (so it may end a chapter)."""
    return bool(_ENDS_SENTENCE.search(text))


def tokens_for(words: int) -> int:
    """A ``max_tokens`` that lets a model write ``words`` words and a little more."""
    return math.ceil(max(words, 1) * TOKENS_PER_WORD) + TOKEN_HEADROOM


@dataclass(frozen=True)
class LengthBand:
    """Words a chapter may end with: ``floor`` to ``ceiling``, aiming at ``target``."""

    target: int
    floor: int
    ceiling: int

    @classmethod
    def around(cls, target: int) -> LengthBand:
        target = max(target, 1)
        return cls(
            target=target,
            floor=math.ceil(target * (1 - _AIM)),
            ceiling=max(math.floor(target * (1 + _AIM)), target + 1),
        )


@dataclass(frozen=True)
class CallPlan:
    """One model call for a chapter: which part, how many words, how many tokens."""

    part: Part
    words: int  # words asked for in this call
    words_so_far: int
    max_tokens: int
    band: LengthBand
    # The gate stops the call at the first sentence end at or past this count.
    stop_at: int


def plan_call(text: str, target: int) -> CallPlan | None:
    """The next call for a chapter whose text so far is ``text``; None when done."""
    band = LengthBand.around(target)
    words = count_words(text)
    if words >= band.ceiling or (words >= band.floor and ends_sentence(text)):
        return None
    if words >= band.floor:  # in the band, cut mid-sentence: finish that sentence
        ask = min(LAST_SENTENCE_WORDS, band.ceiling - words)
        return CallPlan(
            Part.LAST_SENTENCE, ask, words, tokens_for(ask), band, stop_at=words
        )
    remaining = band.target - words
    if remaining <= SECTION_WORDS:
        part = Part.WHOLE if words == 0 else Part.CLOSING
        # Room up to the ceiling: the gate, not the token cap, ends the chapter.
        max_tokens = tokens_for(band.ceiling - words)
        return CallPlan(part, remaining, words, max_tokens, band, band.target)
    part = Part.OPENING if words == 0 else Part.MIDDLE
    return CallPlan(
        part, SECTION_WORDS, words, tokens_for(SECTION_WORDS), band, band.target
    )

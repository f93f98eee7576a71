"""Chapter length: the calls a chapter needs, decided from its text so far.

A scripted model (so far, per call: this many words of ten-word sentences)
drives the plan and the gate exactly as the streamer does, for targets from
200 to 8,000 words and for models that stop early, ramble or loop.
"""

from __future__ import annotations

import pytest

from bookgen.generation.chapter_plan import (
    SECTION_WORDS,
    LengthBand,
    chapter_max_calls,
    count_words,
    ends_sentence,
    plan_call,
    tokens_for,
)
from bookgen.generation.gate import Gate, GateLimits
from bookgen.llm.prompt_markers import Part
from tests.faults.openai_server import PIECE, prose


def test_a_short_chapter_is_asked_for_whole_with_room_up_to_the_ceiling():
    plan = plan_call("", 400)
    assert plan is not None
    assert (plan.part, plan.words, plan.stop_at) == (Part.WHOLE, 400, 400)
    assert plan.max_tokens == tokens_for(LengthBand.around(400).ceiling)


def test_a_long_chapter_is_written_in_sections_then_closed():
    opening = plan_call("", 4000)
    middle = plan_call(prose("a", 1000), 4000)
    closing = plan_call(prose("a", 3200), 4000)
    assert opening is not None and middle is not None and closing is not None
    assert (opening.part, opening.words) == (Part.OPENING, SECTION_WORDS)
    assert (middle.part, middle.words) == (Part.MIDDLE, SECTION_WORDS)
    assert (closing.part, closing.words) == (Part.CLOSING, 800)
    assert opening.max_tokens == tokens_for(SECTION_WORDS) < tokens_for(4000)


def test_in_the_band_a_cut_sentence_is_finished_and_a_whole_one_ends_it():
    assert plan_call(prose("a", 380), 400) is None
    cut = plan_call(prose("a", 377, end=False), 400)
    assert cut is not None
    assert cut.part == Part.LAST_SENTENCE
    assert cut.stop_at == 377  # the first sentence end finishes the chapter
    assert cut.max_tokens == tokens_for(40)


def test_below_the_band_a_whole_sentence_is_not_enough():
    plan = plan_call(prose("a", 200), 400)
    assert plan is not None
    assert (plan.part, plan.words) == (Part.CLOSING, 200)


def write_chapter(target: int, per_call: int, *, cut_by_tokens: bool = False) -> str:
    """The streamer's loop over plan and gate, with a model that writes
    ``per_call`` words each call (fed token-sized), or is cut by max_tokens."""
    text, calls = "", 0
    while (plan := plan_call(text, target)) is not None:
        calls += 1
        assert calls <= chapter_max_calls(target), "the chapter never finished"
        band = plan.band
        gate = Gate(
            text,
            limits=GateLimits(band.floor, plan.stop_at, band.ceiling),
            dedupe=True,
        )
        words = per_call
        cut = cut_by_tokens and words > plan.max_tokens // 2
        if cut:
            words = plan.max_tokens // 2  # a model of two tokens a word
        reply = " " + prose(f"c{calls}x", words, end=not cut)
        for piece in PIECE.findall(reply):
            text += gate.feed(piece)
            if gate.stopped:
                break
        text += gate.end(clean=True, cut=cut)
    return text


@pytest.mark.parametrize("target", [200, 400, 1000, 2500, 8000])
@pytest.mark.parametrize("per_call", [35, 270, 1400, 6000])
def test_every_chapter_lands_in_the_band_at_a_sentence_end(target, per_call):
    text = write_chapter(target, per_call)
    words = count_words(text)
    assert abs(words - target) <= 0.15 * target, words
    assert ends_sentence(text)


@pytest.mark.parametrize("target", [200, 400, 2500])
def test_replies_cut_by_max_tokens_are_continued_never_kept_cut(target):
    text = write_chapter(target, 5000, cut_by_tokens=True)
    assert abs(count_words(text) - target) <= 0.15 * target
    assert ends_sentence(text)

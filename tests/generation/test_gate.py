"""The gate between a model's reply and the message: what is kept, what is not."""

from __future__ import annotations

from bookgen.generation.gate import Gate, GateLimits, Shape
from tests.faults.openai_server import PIECE, prose


def run(gate: Gate, reply: str, *, clean: bool = True, cut: bool = False) -> str:
    out = ""
    for piece in PIECE.findall(reply) or [reply]:
        out += gate.feed(piece)
        if gate.stopped:
            return out
    return out + gate.end(clean=clean, cut=cut)


def test_a_refusal_is_stopped_and_none_of_it_is_kept():
    gate = Gate("")
    reply = "I'm sorry, but I can't write that chapter for you. " + prose("a", 300)
    assert run(gate, reply) == ""
    assert gate.refused and gate.stopped


def test_an_ordinary_reply_passes_unchanged():
    reply = "Sorry was the last word she expected to hear. " + prose("a", 50)
    assert run(Gate(""), reply) == reply


def test_a_continuation_that_starts_the_chapter_over_drops_the_repeat():
    so_far = "Mara found the bottle at dawn on the rocks. She carried it up the stairs."
    restart = (
        "## Chapter 1: The Bottle\n"
        "Mara found the bottle at dawn on the rocks. She carried it up the stairs. "
        "Tobias was waiting by the lamp with his tea. He said nothing at all."
    )
    out = run(Gate(so_far, dedupe=True), restart)
    assert "Chapter 1" not in out
    assert out.count("Mara found") == 0
    assert (so_far + out).split()[-14:] == (
        [
            "Tobias",
            "was",
            "waiting",
            "by",
            "the",
            "lamp",
            "with",
            "his",
            "tea.",
            "He",
            "said",
            "nothing",
            "at",
            "all.",
        ]
    )


def test_past_the_target_the_call_stops_at_the_first_sentence_end():
    gate = Gate("", limits=GateLimits(floor=88, stop_at=100, ceiling=112))
    out = run(gate, prose("a", 1000))
    assert gate.stopped
    assert len(out.split()) == 100 and out.endswith("a100.")


def test_a_sentence_that_would_end_past_the_ceiling_is_not_released():
    gate = Gate("", limits=GateLimits(floor=88, stop_at=100, ceiling=112))
    reply = prose("a", 90) + " " + " ".join(f"b{i}" for i in range(60)) + "."
    out = run(gate, reply)
    assert out == prose("a", 90)


def test_a_reply_cut_by_the_token_limit_past_the_floor_ends_at_its_last_sentence():
    gate = Gate("", limits=GateLimits(floor=88, stop_at=100, ceiling=112))
    out = run(gate, prose("a", 95, end=False), cut=True)
    assert out == prose("a", 90)


def test_held_text_is_dropped_when_the_reply_fails():
    gate = Gate("", limits=GateLimits(floor=88, stop_at=100, ceiling=112))
    out = run(gate, prose("a", 95, end=False), clean=False)
    assert out == prose("a", 90)[: len(out)]
    assert len(out.split()) < 95


def test_an_outline_entry_keeps_its_title_and_paragraph_and_stops_at_the_next():
    gate = Gate("## Chapter 2: ", shape=Shape.ENTRY)
    reply = (
        "**Chapter 2: The Storm**\n\nThe storm comes as the bottle said. Tobias "
        "hides the ledger.\n\n## Chapter 3: The Ledger\nMara reads it."
    )
    assert run(gate, reply) == (
        "The Storm\n\nThe storm comes as the bottle said. Tobias hides the ledger.\n"
    )
    assert gate.stopped


def test_a_synopsis_is_one_paragraph_without_the_models_own_headings():
    gate = Gate("# The Keeper\n\n", shape=Shape.SYNOPSIS)
    reply = "# The Keeper\nA keeper reads storms in a bottle.\n\n1. The Bottle\n"
    assert run(gate, reply) == "A keeper reads storms in a bottle.\n"


def test_an_entry_title_loses_the_heading_marks_a_model_puts_before_it():
    gate = Gate("## Chapter 1: ", shape=Shape.ENTRY)
    assert run(gate, "# The Lighthouse Keeper\nMara finds a bottle.") == (
        "The Lighthouse Keeper\nMara finds a bottle."
    )

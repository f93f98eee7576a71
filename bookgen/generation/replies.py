"""The model calls one message needs, decided from its text so far.

The streamer asks a plan for the next call after every call (and after every
fault): a plan looks only at the text written so far, how the last call
ended and how many calls in a row brought nothing, so a retry, a resume after
a crash and a Continue after Stop all carry on from the stored text.

- ``OutlineReply``: an outline, a piece at a time: the app writes its title
  and every chapter line, the model the synopsis and each entry.
- ``SingleReply``: a summary, one reply (continued after a fault).
- ``ChapterReply``: a chapter, in as many calls as its length needs
  (``chapter_plan.py``), each with a ``max_tokens`` and length limits.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bookgen.generation import prompts
from bookgen.generation.chapter_plan import chapter_max_calls, plan_call
from bookgen.generation.continuity import StoryContext
from bookgen.generation.gate import GateLimits, Shape
from bookgen.llm import ChatMessage
from bookgen.storage.models import Book, Message

__all__ = [
    "SUMMARY_MAX_TOKENS",
    "ChapterReply",
    "Ending",
    "ModelCall",
    "OutlineReply",
    "ReplyPlan",
    "SingleReply",
]

SUMMARY_MAX_TOKENS = 200
SYNOPSIS_MAX_TOKENS = 200
ENTRY_MAX_TOKENS = 180
# The chapter lines the app writes into an outline (the model never does).
_ENTRY_LINE = re.compile(r"^## Chapter (\d+): ", re.M)


class Ending(StrEnum):
    """How the previous call of this message ended."""

    FRESH = "fresh"  # no call yet in this run: a new message, or one resumed
    STOP = "stop"  # the model finished
    LENGTH = "length"  # cut by max_tokens
    FAULT = "fault"  # the provider failed mid-way


@dataclass(frozen=True)
class ModelCall:
    """One request to the model and the rules for what of its reply is kept."""

    messages: list[ChatMessage]
    max_tokens: int  # every request is capped (its cost, and runaway models)
    limits: GateLimits | None = None  # chapter length rules (gate.py)
    dedupe: bool = False  # drop headings and repeated sentences at its start
    shape: Shape | None = None  # an outline piece's form
    lead: str = ""  # text the app writes into the message before the reply


class ReplyPlan(Protocol):
    """Decides each call of one message; None when the message is complete."""

    @property
    def max_calls(self) -> int:
        """Calls one message may take before it is given up as failing."""
        ...

    def next_call(
        self, text: str, ending: Ending, fruitless: int
    ) -> ModelCall | None: ...


@dataclass(frozen=True)
class SingleReply:
    """A summary: one reply, continued only if a fault cut it."""

    prompt: list[ChatMessage]
    task: str
    max_tokens: int
    max_calls: int = 12

    def next_call(self, text: str, ending: Ending, fruitless: int) -> ModelCall | None:
        if text.strip():
            if ending in (Ending.STOP, Ending.LENGTH):
                return None  # a whole reply (a capped one is kept as it is)
            messages = prompts.continuation_prompt(self.prompt, self.task, text)
            return ModelCall(messages, self.max_tokens)
        messages = self.prompt
        if fruitless:
            last = messages[-1]
            firm = f"{last['content']}\n\n{prompts.FIRM_NOTE}"
            messages = [*messages[:-1], {"role": last["role"], "content": firm}]
        return ModelCall(messages, self.max_tokens)

    @classmethod
    def summary(cls, prompt: list[ChatMessage], task: str) -> SingleReply:
        return cls(prompt, task, SUMMARY_MAX_TOKENS)


@dataclass(frozen=True)
class OutlineReply:
    """An outline with exactly the chapters asked for, written a piece at a time.

    The text so far says where it is: before any chapter line, the synopsis;
    after chapter line k, entry k. A piece that ended is followed by the next
    one (the app writes its chapter line); one a fault cut is continued; an
    empty one is asked for again.
    """

    book: Book
    thread: Sequence[Message]
    task: str

    @property
    def max_calls(self) -> int:
        return 12 + 3 * self.book.chapter_count

    def next_call(self, text: str, ending: Ending, fruitless: int) -> ModelCall | None:
        lines = list(_ENTRY_LINE.finditer(text))
        piece = int(lines[-1][1]) if lines else 0
        start = lines[-1].end() if lines else _synopsis_start(text, self.book.title)
        body = text[start:]
        if body.strip() and ending in (Ending.STOP, Ending.LENGTH):
            if piece >= self.book.chapter_count:
                return None
            piece += 1
            lead = f"\n\n## Chapter {piece}: "
            return self._call(piece, text + lead, fruitless, lead=lead)
        if not text:
            lead = f"# {self.book.title}\n\n"
            return self._call(0, lead, fruitless, lead=lead)
        if not body.strip():
            return self._call(piece, text, fruitless)
        # Cut by a fault (or resumed): continue the piece from its text so far.
        call = self._call(piece, text[:start], fruitless)
        messages = prompts.continuation_prompt(call.messages, self.task, body)
        return ModelCall(messages, call.max_tokens, shape=call.shape)

    def _call(
        self, piece: int, so_far: str, fruitless: int, *, lead: str = ""
    ) -> ModelCall:
        messages = prompts.outline_call(
            self.book, self.thread, piece, so_far, firm=fruitless > 0
        )
        if piece == 0:
            return ModelCall(
                messages, SYNOPSIS_MAX_TOKENS, shape=Shape.SYNOPSIS, lead=lead
            )
        return ModelCall(messages, ENTRY_MAX_TOKENS, shape=Shape.ENTRY, lead=lead)


def _synopsis_start(text: str, title: str) -> int:
    """Where the synopsis starts: after the ``# Title`` line the app wrote."""
    head = f"# {title}\n\n"
    return len(head) if text.startswith(head) else 0


@dataclass(frozen=True)
class ChapterReply:
    """A chapter of ``book.words_per_chapter`` words, in as many calls as it takes."""

    book: Book
    outline: str
    chapter: int
    context: StoryContext
    # A new version of a written chapter: the author's feedback (maybe "").
    redraft: str | None = None

    @property
    def max_calls(self) -> int:
        return chapter_max_calls(self.book.words_per_chapter)

    def next_call(self, text: str, ending: Ending, fruitless: int) -> ModelCall | None:
        plan = plan_call(text, self.book.words_per_chapter)
        if plan is None:
            return None
        messages = prompts.chapter_prompt(
            self.book,
            self.outline,
            self.chapter,
            self.context,
            plan=plan,
            text_so_far=text,
            firm=fruitless > 0,
            redraft=self.redraft,
        )
        band = plan.band
        return ModelCall(
            messages,
            plan.max_tokens,
            GateLimits(floor=band.floor, stop_at=plan.stop_at, ceiling=band.ceiling),
            dedupe=True,
        )

"""The model calls one message needs, decided from its text so far.

The streamer asks a plan for the next call after every call (and after every
fault): a plan looks only at the text written so far, how the last call
ended and how many calls in a row brought nothing, so a retry, a resume after
a crash and a Continue after Stop all carry on from the stored text.

- ``SingleReply``: an outline or a summary, one reply (continued after a fault).
- ``ChapterReply``: a chapter, in as many calls as its length needs
  (``chapter_plan.py``), each with a ``max_tokens`` and length limits.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from bookgen.generation import prompts
from bookgen.generation.chapter_plan import plan_call
from bookgen.generation.continuity import StoryContext
from bookgen.generation.gate import GateLimits
from bookgen.llm import ChatMessage
from bookgen.storage.models import Book

__all__ = [
    "OUTLINE_TOKENS_PER_CHAPTER",
    "SUMMARY_MAX_TOKENS",
    "ChapterReply",
    "Ending",
    "ModelCall",
    "ReplyPlan",
    "SingleReply",
]

SUMMARY_MAX_TOKENS = 200
OUTLINE_BASE_TOKENS = 300
OUTLINE_TOKENS_PER_CHAPTER = 180


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
    max_tokens: int | None = None
    limits: GateLimits | None = None  # chapter length rules (gate.py)
    dedupe: bool = False  # drop headings and repeated sentences at its start


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
    """An outline or a summary: one reply, continued only if a fault cut it."""

    prompt: list[ChatMessage]
    task: str
    max_tokens: int | None = None
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
    def outline(
        cls, prompt: list[ChatMessage], task: str, chapters: int
    ) -> SingleReply:
        """A looping model cannot write a 2,000-word outline of three chapters."""
        tokens = OUTLINE_BASE_TOKENS + OUTLINE_TOKENS_PER_CHAPTER * chapters
        return cls(prompt, task, tokens)

    @classmethod
    def summary(cls, prompt: list[ChatMessage], task: str) -> SingleReply:
        return cls(prompt, task, SUMMARY_MAX_TOKENS)


@dataclass(frozen=True)
class ChapterReply:
    """A chapter of ``book.words_per_chapter`` words, in as many calls as it takes."""

    book: Book
    outline: str
    chapter: int
    context: StoryContext

    @property
    def max_calls(self) -> int:
        # Generous: a model writing ~100 words a call still gets there.
        return 10 + self.book.words_per_chapter // 50

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
        )
        band = plan.band
        return ModelCall(
            messages,
            plan.max_tokens,
            GateLimits(floor=band.floor, stop_at=plan.stop_at, ceiling=band.ceiling),
            dedupe=True,
        )

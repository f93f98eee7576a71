"""Bounded cost: who may start what, and how long a reply may be.

The policy in one place, as plain functions over the Store and Settings:

- a model allow-list (the form offers only those models; the service refuses
  any other name);
- ``max_tokens`` on every request, sized from what the message needs;
- per user: books generating at once (checked atomically with the start, in
  the Store) and tokens per UTC day (checked before each start and before
  each message the runner writes);
- per book: outline rejections and Continue/Retry presses (counted in the
  same conditional UPDATE as the transition, in the Store).

The per-worker cap on runners lives with the runners, in the service.
Every refusal carries a sentence for the author: nothing stops silently.
"""

from __future__ import annotations

import math
from datetime import datetime

from bookgen.config import Settings
from bookgen.generation.chapter_plan import TOKENS_PER_WORD
from bookgen.generation.forms import BookForm, FormError
from bookgen.storage.models import utcnow
from bookgen.storage.store import Store

__all__ = [
    "MODEL_NOT_OFFERED",
    "WORKER_BUSY",
    "LimitReached",
    "Limits",
    "choose_model",
    "continues_spent",
    "daily_allowance_spent",
    "default_model",
    "estimate_tokens",
    "offered_models",
    "owner_busy",
    "rejections_spent",
    "stopped_for_allowance",
    "utc_midnight",
]

MODEL_NOT_OFFERED = "Choose one of the offered models."
WORKER_BUSY = (
    "The server is writing as many books as it can; this one is queued and "
    "starts as soon as a slot frees up."
)


class LimitReached(FormError):
    """A start refused by a limit; ``reason`` is the sentence for the author.

    A FormError on the form's own line, so the new-book form shows it where
    it shows every other refusal.
    """

    def __init__(self, reason: str) -> None:
        super().__init__({"form": reason})
        self.reason = reason


# --- the model allow-list -----------------------------------------------------
def default_model(settings: Settings) -> str:
    """BOOKGEN_MODEL if it is offered, else the first offered model."""
    allowed = settings.allowed_models
    return settings.model if settings.model in allowed else allowed[0]


def offered_models(settings: Settings) -> list[str]:
    """What the form offers, the default first (so a plain <select> starts on it)."""
    default = default_model(settings)
    return [default, *(m for m in settings.allowed_models if m != default)]


def choose_model(form: BookForm, settings: Settings) -> str:
    """The model a new book uses: the one asked for if offered, else FormError.

    An empty choice means the default model.
    """
    if not form.model:
        return default_model(settings)
    if form.model not in settings.allowed_models:
        raise FormError({"model": MODEL_NOT_OFFERED})
    return form.model


# --- usage --------------------------------------------------------------------
def estimate_tokens(text: str) -> int:
    """Tokens in ``text``, estimated from its words (no tokenizer offline)."""
    return math.ceil(len(text.split()) * TOKENS_PER_WORD)


# --- what the author is told --------------------------------------------------
def owner_busy(cap: int) -> str:
    books = "book" if cap == 1 else "books"
    return (
        f"You already have {cap} {books} being written at once, the most allowed; "
        "stop one or wait for it to finish."
    )


def daily_allowance_spent(cap: int) -> str:
    return f"Today's allowance of {cap:,} tokens is used up; it renews at midnight UTC."


def stopped_for_allowance(cap: int) -> str:
    """Left on the book's message when the runner stops it for the daily cap."""
    return (
        f"Paused: today's allowance of {cap:,} tokens is used up. Press "
        "Continue after midnight UTC."
    )


def rejections_spent(cap: int) -> str:
    return (
        f"This outline has been revised {cap:,} times, the most allowed; approve "
        "it or start a new book."
    )


def continues_spent(cap: int) -> str:
    return f"This book has been continued or retried {cap:,} times, the most allowed."


# --- per-user daily tokens ----------------------------------------------------
def utc_midnight(now: datetime | None = None) -> datetime:
    """The start of the current UTC day: when daily allowances renew."""
    now = now or utcnow()
    return now.replace(hour=0, minute=0, second=0, microsecond=0)


class Limits:
    """The per-user checks that need the database."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    async def daily_refusal(self, owner_id: int | None) -> str | None:
        """Why ``owner_id`` may not start more today, or None if they may.

        Single-author mode (owner None) is one user.
        """
        cap = self.settings.user_tokens_per_day
        if cap == 0:
            return None
        used = await self.store.tokens_since(owner_id, utc_midnight())
        return daily_allowance_spent(cap) if used >= cap else None

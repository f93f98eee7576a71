"""What operators graph: the app's Prometheus metrics, counted where things happen.

Plain functions over prometheus-client objects, so the generation service and
the accounts backend record a fact in one call without knowing about HTTP or
Reflex; ``bookgen.web.metrics`` serves them. With several workers,
prometheus-client's multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``, set before
the workers start: see ``bookgen.web.metrics_dir``) lets /metrics sum them all.
"""

from __future__ import annotations

import time
from enum import StrEnum

from prometheus_client import Counter, Gauge, Histogram

from bookgen.llm.errors import ProviderError

__all__ = [
    "LoginOutcome",
    "generation_ended",
    "generation_started",
    "login_attempted",
    "provider_failed",
    "text_pushed",
    "text_streamed",
]

ACTIVE_GENERATIONS = Gauge(
    "bookgen_active_generations",
    "Books being written now (runners holding a lease), summed over live workers.",
    multiprocess_mode="livesum",
)
STREAMED_TOKENS = Counter(
    "bookgen_streamed_tokens",
    "Text pieces (tokens) received from the model and flushed to viewers; "
    "rate() gives tokens per second.",
)
STREAMED_CHARACTERS = Counter(
    "bookgen_streamed_characters",
    "Characters received from the model and flushed to viewers.",
)
PUSH_LAG = Histogram(
    "bookgen_push_lag_seconds",
    "From the model producing a window's first token to its push to a book's "
    "viewers on this worker (includes the flush window, BOOKGEN_FLUSH_MS).",
    buckets=(0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.35, 0.5, 0.75, 1.0, 2.5, 5.0),
)
PROVIDER_ERRORS = Counter(
    "bookgen_provider_errors",
    "Failed model calls (each attempt), by kind (bookgen.llm.ErrorKind).",
    ["kind"],
)
LOGINS = Counter("bookgen_logins", "Sign-in attempts, by outcome.", ["outcome"])


class LoginOutcome(StrEnum):
    """How a sign-in attempt ended (the ``outcome`` label)."""

    SUCCESS = "success"
    REJECTED = "rejected"  # wrong or malformed credentials, disabled account
    RATE_LIMITED = "rate_limited"

    @classmethod
    def of(cls, ok: bool, retry_after_s: float | None) -> LoginOutcome:
        """The outcome of a login result (refused by the rate limit when it
        says when to retry)."""
        if ok:
            return cls.SUCCESS
        return cls.REJECTED if retry_after_s is None else cls.RATE_LIMITED


def generation_started() -> None:
    """A runner took a book's lease and starts writing."""
    ACTIVE_GENERATIONS.inc()


def generation_ended() -> None:
    """The runner let the lease go (done, waiting, stopped, failed, cancelled)."""
    ACTIVE_GENERATIONS.dec()


def text_streamed(pieces: list[str]) -> None:
    """One flush of text pieces as the model sent them (a piece ≈ a token)."""
    STREAMED_TOKENS.inc(len(pieces))
    STREAMED_CHARACTERS.inc(sum(map(len, pieces)))


def text_pushed(produced_at: float) -> None:
    """Text the model produced at wall time ``produced_at`` reached the viewers."""
    if produced_at > 0:
        PUSH_LAG.observe(max(time.time() - produced_at, 0.0))


def provider_failed(error: ProviderError) -> None:
    """One model call failed; labelled with its kind (auth, rate_limited, …)."""
    PROVIDER_ERRORS.labels(kind=error.kind.value).inc()


def login_attempted(outcome: LoginOutcome) -> None:
    """One sign-in attempt ended."""
    LOGINS.labels(outcome=outcome.value).inc()

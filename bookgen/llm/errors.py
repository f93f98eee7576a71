"""Provider failures, sorted into the few kinds an author can act on.

::

    ProviderError            kind: what went wrong, in the author's terms
     └── StreamInterrupted   the stream broke, stalled or carried garbage

An exception's own text (``str(exc)``) is the provider's raw words: it goes to
the server log only, because it may quote the request, the key's prefix or the
provider's internals. What an author sees is ``author_text(kind)``: a fixed
sentence per kind. Only these sentences are ever stored in a message's
``error`` or sent to a browser.
"""

from __future__ import annotations

import math
import re
from enum import StrEnum

__all__ = [
    "RETRY_NOTICE_KINDS",
    "ErrorKind",
    "ProviderError",
    "StreamInterrupted",
    "author_text",
    "classify_status",
]


class ErrorKind(StrEnum):
    """What went wrong with a provider call (also the metrics label)."""

    AUTH = "auth"  # 401/403: the key is wrong, revoked or lacks access
    QUOTA = "quota"  # 402, or 429 "insufficient_quota": the account is out of credit
    MODEL_NOT_FOUND = "model_not_found"  # 404
    TOO_LARGE = "too_large"  # 413, or 400 "context length exceeded"
    BAD_REQUEST = "bad_request"  # any other 4xx
    RATE_LIMITED = "rate_limited"  # 429
    UNAVAILABLE = "unavailable"  # 5xx, 408, 409
    INTERRUPTED = "interrupted"  # the stream broke, stalled or carried garbage


_RETRYABLE = frozenset(
    {ErrorKind.RATE_LIMITED, ErrorKind.UNAVAILABLE, ErrorKind.INTERRUPTED}
)
# Kinds whose retry wait is worth telling the author about while it runs
# (a broken stream is retried within a second or so: no notice).
RETRY_NOTICE_KINDS = frozenset({ErrorKind.RATE_LIMITED, ErrorKind.UNAVAILABLE})

_FINAL_TEXT = {
    ErrorKind.AUTH: "The provider rejected the API key.",
    ErrorKind.QUOTA: "The provider account has run out of credit.",
    ErrorKind.MODEL_NOT_FOUND: "The model does not exist on this provider.",
    ErrorKind.TOO_LARGE: "The request was too large for the model.",
    ErrorKind.BAD_REQUEST: "The provider refused the request.",
    ErrorKind.RATE_LIMITED: "Rate-limited by the provider; press Retry to try again.",
    ErrorKind.UNAVAILABLE: "The provider is unavailable; press Retry to try again.",
    ErrorKind.INTERRUPTED: (
        "The provider's reply kept breaking off; press Retry to continue."
    ),
}
_RETRYING_TEXT = {
    ErrorKind.RATE_LIMITED: "Rate-limited by the provider; retrying in {seconds} s.",
    ErrorKind.UNAVAILABLE: "The provider is unavailable; retrying…",
    ErrorKind.INTERRUPTED: "The connection to the provider broke; retrying…",
}


def author_text(kind: ErrorKind, *, retry_in: float | None = None) -> str:
    """The sentence an author sees: final, or "retrying" when ``retry_in`` is set."""
    if retry_in is not None and kind in _RETRYING_TEXT:
        return _RETRYING_TEXT[kind].format(seconds=max(1, math.ceil(retry_in)))
    return _FINAL_TEXT.get(kind, _FINAL_TEXT[ErrorKind.BAD_REQUEST])


class ProviderError(Exception):
    """The provider refused or failed; ``kind`` says how, and whether to retry.

    ``str(exc)`` is the provider's raw text: log it, never show it.
    """

    def __init__(
        self, message: str, *, kind: ErrorKind, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.kind in _RETRYABLE

    def author_text(self, *, retry_in: float | None = None) -> str:
        return author_text(self.kind, retry_in=retry_in)


class StreamInterrupted(ProviderError):
    """The stream broke, stalled, carried garbage or ended without a finish reason."""

    def __init__(self, message: str) -> None:
        super().__init__(message, kind=ErrorKind.INTERRUPTED)


_CONTEXT_CODES = frozenset({"context_length_exceeded", "string_above_max_length"})
_CONTEXT_WORDS = re.compile(
    r"context.length|maximum context|context window|too many tokens|"
    r"context size|prompt is too long|reduce the length",
    re.IGNORECASE,
)


def classify_status(status: int, *, code: str | None, message: str) -> ErrorKind:
    """The kind of an HTTP error answer, from its status and OpenAI error code.

    The message is read only to spot a context-length refusal, which servers
    send as a plain 400 (llama.cpp, vLLM and others set no code).
    """
    if status in (401, 403):
        return ErrorKind.AUTH
    if status == 402 or code == "insufficient_quota":
        return ErrorKind.QUOTA
    if status == 404 or code == "model_not_found":
        return ErrorKind.MODEL_NOT_FOUND
    too_long = code in _CONTEXT_CODES or bool(_CONTEXT_WORDS.search(message))
    if status == 413 or (status < 500 and too_long):
        return ErrorKind.TOO_LARGE
    if status == 429:
        return ErrorKind.RATE_LIMITED
    if status >= 500 or status in (408, 409):
        return ErrorKind.UNAVAILABLE
    return ErrorKind.BAD_REQUEST

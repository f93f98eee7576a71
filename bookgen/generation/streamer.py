"""The chunk loop: one assistant message from provider to database and viewers.

Text is flushed on the leading edge and then at most once per flush interval:
each flush is one hub event for the viewers, then one chunk-log row and lease
heartbeat (group-committed with other streams' flushes). Provider failures are
retried from the text written so far with a continuation prompt, so attempts
never restart or concatenate.

Cancellation (a deploy's SIGTERM) drains: text received but not yet flushed is
written, every queued write lands, the message is marked interrupted, and the
cancellation goes on. Writes run in the chunk log's own task, so a cancellation
never cuts one in half.

This module is the retry loop: which call comes next, backoff, giving up.
One call's streaming is attempt.py; the flush policy is flusher.py.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from bookgen import metrics
from bookgen.config import Settings
from bookgen.generation.attempt import AttemptRunner
from bookgen.generation.flusher import run_shielded
from bookgen.generation.hub import ChangeEvent, Hub
from bookgen.generation.replies import Ending, ReplyPlan
from bookgen.llm import LLMProvider, ProviderError, StreamStats
from bookgen.llm.errors import RETRY_NOTICE_KINDS
from bookgen.llm.provider import StreamInterrupted
from bookgen.logs import bind_log_context
from bookgen.storage.models import MessageStatus
from bookgen.storage.store import Store

__all__ = [
    "MessageStreamer",
    "StreamOutcome",
    "backoff_delay",
]

log = logging.getLogger(__name__)


@dataclass
class StreamOutcome:
    """How a message ended, with its final text (and error, for the author)."""

    status: MessageStatus
    text: str
    error: str = ""


# Calls in a row that bring no text (empty, blank, a refusal) before giving up.
MAX_FRUITLESS = 3
FRUITLESS_ERROR = (
    "The model sent no usable text ({n} empty, blank or declined replies in a "
    "row). Retry to ask again; the text so far is kept."
)
TOO_MANY_CALLS = (
    "The model needed more than {n} calls for this message without finishing "
    "it. Retry to carry on from the text so far."
)


def backoff_delay(attempt: int, retry_after: float | None) -> float:
    """Exponential backoff from 0.5 s, capped at 30 s, or what the server asked."""
    if retry_after is not None:
        return min(retry_after, 60.0)
    return min(0.5 * (2**attempt), 30.0)


class MessageStreamer:
    """Streams one message; owns nothing between calls."""

    def __init__(
        self,
        *,
        provider: LLMProvider,
        store: Store,
        hub: Hub,
        settings: Settings,
        owner: str,
        stop_requested: Callable[[], bool],
    ) -> None:
        self.provider = provider
        self.store = store
        self.hub = hub
        self.settings = settings
        self.owner = owner
        self.stop_requested = stop_requested
        self._attempts = AttemptRunner(
            provider=provider,
            store=store,
            hub=hub,
            settings=settings,
            append=self._append,
            stop_requested=stop_requested,
        )

    async def run(
        self,
        *,
        book_id: int,
        message_id: int,
        model: str,
        plan: ReplyPlan,
        text_so_far: str = "",
    ) -> StreamOutcome:
        """Stream until the message is complete, stopped, or failed for good.

        The plan decides each call from the text so far; a call that fails is
        retried (with backoff) from the text it left, one that brings nothing
        is asked again more firmly, a bounded number of times.
        """
        bind_log_context(message_id=message_id)
        text = text_so_far
        totals = StreamStats()
        attempt = calls = fruitless = 0
        ending = Ending.FRESH
        status, error = MessageStatus.STOPPED, ""
        try:
            while True:
                call = plan.next_call(text, ending, fruitless)
                if call is None:
                    status = MessageStatus.COMPLETE
                    break
                calls += 1
                if calls > plan.max_calls:
                    status = MessageStatus.ERROR
                    error = TOO_MANY_CALLS.format(n=plan.max_calls)
                    break
                before = text
                result = await self._attempts.run(
                    book_id, message_id, model, call, text, totals
                )
                text, exc = result.text, result.error
                if exc is not None:
                    metrics.provider_failed(exc)
                if not result.owned or self.stop_requested():
                    break
                if exc is None:
                    attempt, ending = 0, result.ending
                    added = text[len(before) + len(call.lead) :]
                    if result.refused or not added.strip():
                        fruitless += 1
                        if fruitless >= MAX_FRUITLESS:
                            status = MessageStatus.ERROR
                            error = FRUITLESS_ERROR.format(n=fruitless)
                            break
                    else:
                        fruitless = 0
                    continue
                ending = Ending.FAULT
                _log_failure(message_id, exc, attempt)
                if not exc.retryable or attempt >= self.settings.max_retries:
                    status = (
                        MessageStatus.INTERRUPTED
                        if isinstance(exc, StreamInterrupted)
                        else MessageStatus.ERROR
                    )
                    error = exc.author_text()
                    break
                delay = backoff_delay(attempt, exc.retry_after)
                if not await self._wait_to_retry(book_id, message_id, exc, delay):
                    break
                attempt += 1
        except asyncio.CancelledError:
            await self._finish(
                message_id,
                MessageStatus.INTERRUPTED,
                totals,
                text,
                "Interrupted by a server restart; it continues on the next start.",
            )
            raise
        return await self._finish(message_id, status, totals, text, error)

    async def _wait_to_retry(
        self, book_id: int, message_id: int, exc: ProviderError, delay: float
    ) -> bool:
        """Back off; a wait the author would notice is shown on the message
        ("Rate-limited by the provider; retrying in 20 s.") while it lasts."""
        notice = exc.kind in RETRY_NOTICE_KINDS
        if notice:
            await self._show_error(book_id, message_id, exc.author_text(retry_in=delay))
        waited = await self._back_off(book_id, message_id, delay)
        if notice:
            await self._show_error(book_id, message_id, "")
        return waited

    async def _show_error(self, book_id: int, message_id: int, error: str) -> None:
        await run_shielded(self.store.set_message_error(message_id, error))
        await self.hub.publish(ChangeEvent(book_id))

    async def _append(self, book_id: int, message_id: int, piece: str) -> bool:
        """Log ``piece`` (may be empty) and renew the lease; False if not ours."""
        return await self.store.append_chunk(
            message_id,
            piece,
            book_id=book_id,
            owner=self.owner,
            lease_s=self.settings.lease_s,
        )

    async def _back_off(self, book_id: int, message_id: int, seconds: float) -> bool:
        """Wait before a retry, renewing the lease meanwhile so no other worker
        takes the book over; False if the author stopped it or it was lost."""
        deadline = time.monotonic() + seconds
        beat = self.settings.lease_s / 3
        next_beat = time.monotonic() + beat
        while (left := deadline - time.monotonic()) > 0:
            if self.stop_requested():
                return False
            if time.monotonic() >= next_beat:
                if not await run_shielded(self._append(book_id, message_id, "")):
                    return False
                next_beat = time.monotonic() + beat
            await asyncio.sleep(min(0.1, left))  # notice a stop within 0.1 s
        return not self.stop_requested()

    async def _finish(
        self,
        message_id: int,
        status: MessageStatus,
        stats: StreamStats,
        text: str,
        error: str = "",
    ) -> StreamOutcome:
        """Fold the chunk log and give the message its final status."""
        folded = await run_shielded(
            self.store.finish_message(
                message_id,
                status=status,
                error=error,
                prompt_tokens=stats.prompt_tokens,
                completion_tokens=stats.completion_tokens,
                usage_estimated=stats.usage_estimated,
            )
        )
        # None only if the message was deleted meanwhile: report what we wrote.
        return StreamOutcome(status, text if folded is None else folded, error)


def _log_failure(message_id: int, exc: ProviderError, attempt: int) -> None:
    """The provider's raw text goes to the server log, and only there."""
    log.warning(
        "provider call failed (message %s, attempt %s, %s): %s",
        message_id,
        attempt + 1,
        exc.kind,
        exc,
    )

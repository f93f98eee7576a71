"""The runner: writes a book under its lease, one step of the machine at a time.

Mixed into ``GenerationService``. A runner holds a lease on its book
(heartbeat in SQL), so one generation runs per book across every worker, and
a dead one is found again. It reads the book's shown branch; a runner whose
branch was left (storage/branches.py) loses its lease, and every write it
would still make checks that lease or the version it read.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import dataclass, field

from bookgen import metrics
from bookgen.config import Settings
from bookgen.generation import prompts
from bookgen.generation.branching import branch_wish
from bookgen.generation.flusher import run_shielded
from bookgen.generation.hub import ChangeEvent, Hub
from bookgen.generation.limits import Limits, stopped_for_allowance
from bookgen.generation.machine import (
    Finish,
    Step,
    approved_outline,
    chapter_context,
    chapters_done,
    next_step,
)
from bookgen.generation.redraft import redraft_feedback
from bookgen.generation.replies import (
    ChapterReply,
    OutlineReply,
    ReplyPlan,
    SingleReply,
)
from bookgen.generation.streamer import MessageStreamer
from bookgen.llm import LLMProvider
from bookgen.llm.prompt_markers import TaskKind, summary_task
from bookgen.logs import bind_log_context, reset_log_context
from bookgen.storage.models import (
    ACTIVE_STATUSES,
    Book,
    BookStatus,
    MessageKind,
    MessageStatus,
    Role,
    utcnow,
)
from bookgen.storage.store import BookSnapshot, NewMessage, Store

__all__ = ["RunnerSlot", "Runners"]

log = logging.getLogger(__name__)


@dataclass
class RunnerSlot:
    """This process's runner of one book: how to stop it, and whether to look again.

    ``again`` is set when someone asked for a runner while this one was already
    there (an approval while the outline runner is leaving, say): before it
    leaves, the runner looks at the book once more instead of refusing the work.
    """

    stop: asyncio.Event = field(default_factory=asyncio.Event)
    again: bool = False


class Runners:
    """This process's runners (a mixin: ``GenerationService`` sets the fields)."""

    store: Store
    provider: LLMProvider
    hub: Hub
    settings: Settings
    owner: str
    limits: Limits
    _runners: dict[int, RunnerSlot]
    _tasks: set[asyncio.Task[bool]]

    def is_running(self, book_id: int) -> bool:
        """A runner of this process is writing the book now."""
        return book_id in self._runners

    def has_free_slot(self) -> bool:
        """This worker runs fewer generations than its cap."""
        return len(self._runners) < self.settings.worker_concurrent_generations

    def _stop_local(self, book_id: int) -> None:
        """This process's runner of the book, if any, stops at once (one in
        another process stops at its next flush: its lease is gone)."""
        if (runner := self._runners.get(book_id)) is not None:
            runner.stop.set()

    def needs_runner(self, book: Book) -> bool:
        """Should be generating, and no live runner holds its lease."""
        if book.status not in ACTIVE_STATUSES:
            return False
        return book.lease_until is None or book.lease_until < utcnow()

    async def run(self, book_id: int) -> bool:
        """Write until the book waits for its author, stops, fails or completes.

        Exactly one runner per book: this process reserves the book before its
        first await (so concurrent calls here cannot both pass), and the lease
        in SQL is granted to one runner at a time across processes. Returns
        False at once when another runner has the book.
        """
        if (running := self._runners.get(book_id)) is not None:
            running.again = True
            return False
        if not self.has_free_slot():
            # The book stays queued (active, no lease): the recovery loop of
            # some worker starts it when a slot frees up.
            log.info("worker full: book %s waits for a free slot", book_id)
            return False
        runner = self._runners[book_id] = RunnerSlot()
        log_context = bind_log_context(book_id=book_id)
        ran = False
        try:
            while True:
                runner.again = False
                if not await self.store.claim_lease(
                    book_id, self.owner, self.settings.lease_s
                ):
                    break
                ran = True
                metrics.generation_started()
                try:
                    await self._write_book(book_id, runner.stop)
                finally:
                    metrics.generation_ended()
                    # Even when cancelled (shutdown), the lease is freed for the
                    # next start.
                    await run_shielded(self.store.release_lease(book_id, self.owner))
                if not runner.again:
                    break
                runner.stop = asyncio.Event()  # a new request: a new stop to obey
        finally:
            del self._runners[book_id]
            reset_log_context(log_context)
        return ran

    async def _write_book(self, book_id: int, stop: asyncio.Event) -> None:
        """The runner's loop, under the lease: one step of the machine at a time."""
        while not stop.is_set():
            snap = await self.store.snapshot(book_id)
            step = None if snap is None else next_step(snap.book, snap.messages)
            if snap is None or step is None:
                return
            if isinstance(step, Finish):
                # At the version it read: a runner whose branch was left
                # (storage/branches.py) must not move the book on the new one.
                await self.store.transition(
                    book_id,
                    from_statuses=ACTIVE_STATUSES,
                    to_status=step.status,
                    version=snap.book.version,
                )
                await self.hub.publish(ChangeEvent(book_id))
                continue
            if await self.limits.daily_refusal(snap.book.owner_id):
                await self._pause_for_allowance(book_id, step)
                return
            if not await self._write(snap, step, stop):
                return

    async def _pause_for_allowance(self, book_id: int, step: Step) -> None:
        """Stop the book before its next message and say why on that message,
        so the author sees the reason and Continue carries on from there."""
        if not await self.store.transition(
            book_id, from_statuses=ACTIVE_STATUSES, to_status=BookStatus.STOPPED
        ):
            return
        notice = stopped_for_allowance(self.settings.user_tokens_per_day)
        if step.resume_message_id is not None:
            await self.store.set_message_error(step.resume_message_id, notice)
        else:
            await self.store.add_message(
                book_id,
                NewMessage(
                    role=Role.ASSISTANT,
                    kind=step.kind,
                    chapter=step.chapter,
                    status=MessageStatus.STOPPED,
                    error=notice,
                ),
            )
        await self.hub.publish(ChangeEvent(book_id))

    async def _write(self, snap: BookSnapshot, step: Step, stop: asyncio.Event) -> bool:
        """Stream one message; False when the book must not go on."""
        book = snap.book
        assert book.id is not None
        plan = self._plan_for(snap, step)
        started = await self._start_message(book.id, step)
        if started is None:  # the message or the book is gone
            return False
        message_id, text = started
        await self.hub.publish(ChangeEvent(book.id))
        streamer = MessageStreamer(
            provider=self.provider,
            store=self.store,
            hub=self.hub,
            settings=self.settings,
            owner=self.owner,
            stop_requested=stop.is_set,
        )
        outcome = await streamer.run(
            book_id=book.id,
            message_id=message_id,
            model=book.model or self.settings.model,
            plan=plan,
            text_so_far=text,
        )
        if outcome.status == MessageStatus.COMPLETE:
            if step.kind == MessageKind.CHAPTER:
                done = chapters_done(snap.messages) + 1
                await self.store.set_chapters_done(book.id, done, owner=self.owner)
            await self.hub.publish(ChangeEvent(book.id))
            return True
        if outcome.status in (MessageStatus.ERROR, MessageStatus.INTERRUPTED):
            await self.store.transition(
                book.id,
                from_statuses=ACTIVE_STATUSES,
                to_status=BookStatus.ERROR,
                version=book.version,
            )
        await self.hub.publish(ChangeEvent(book.id))
        return False

    async def _start_message(self, book_id: int, step: Step) -> tuple[int, str] | None:
        """The message to stream into and its text so far: reopened, or new."""
        if step.resume_message_id is not None:
            text = await self.store.reopen_message(
                step.resume_message_id, owner=self.owner
            )
            return None if text is None else (step.resume_message_id, text)
        message = await self.store.add_message(
            book_id,
            NewMessage(
                role=Role.ASSISTANT,
                kind=step.kind,
                chapter=step.chapter,
                status=MessageStatus.STREAMING,
            ),
            owner=self.owner,
        )
        if message is None or message.id is None:
            return None
        return message.id, ""

    def _plan_for(self, snap: BookSnapshot, step: Step) -> ReplyPlan:
        """The calls the step's message needs: its prompts, caps and limits."""
        book, messages = snap.book, snap.messages
        if step.kind == MessageKind.OUTLINE:
            thread = [m for m in messages if m.id != step.resume_message_id]
            revising = any(m.kind == MessageKind.FEEDBACK for m in thread)
            task = TaskKind.REVISE_OUTLINE if revising else TaskKind.OUTLINE
            return OutlineReply(book, thread, task)
        outline = approved_outline(messages)
        outline_text = outline.content if outline else ""
        chapter = step.chapter or 1
        if step.kind in (MessageKind.CHAPTER, MessageKind.REDRAFT):
            # The author's note for this chapter: a branch's "what if", or the
            # feedback of a regeneration.
            note = branch_wish if step.kind == MessageKind.CHAPTER else redraft_feedback
            return ChapterReply(
                book,
                outline_text,
                chapter,
                chapter_context(messages, chapter),
                redraft=note(messages, chapter),
            )
        text = next(
            m.content
            for m in messages
            if m.kind == MessageKind.CHAPTER
            and m.chapter == step.chapter
            and m.status == MessageStatus.COMPLETE
        )
        return SingleReply.summary(
            prompts.summary_prompt(book, chapter, text), summary_task(chapter)
        )

    def start(self, book_id: int) -> None:
        """Run the book in the background of this process (no-op if it runs).

        The server calls this after the actions that need a runner; the lease
        decides which process, if any, actually writes.
        """
        task = asyncio.get_running_loop().create_task(self.run(book_id))
        # The loop keeps only weak references to tasks: hold on to it.
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop_runners(self) -> None:
        """Shutdown: cancel this process's runners and wait until each has saved
        its text, marked its message interrupted and freed its lease."""
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    # --- recovery --------------------------------------------------------
    async def resume_orphans(self, batch: int | None = None) -> list[int]:
        """Start runners for books whose generation died (lease expired), or
        that wait for a slot: as many as this worker has free slots, and at
        most ``batch``. Orphans are taken in random order, so workers sweeping
        at once rarely reach for the same book."""
        free = self.settings.worker_concurrent_generations - len(self._runners)
        if batch is not None:
            free = min(free, batch)
        orphans = [
            b for b in await self.store.orphaned_books() if b not in self._runners
        ]
        started = random.sample(orphans, min(free, len(orphans))) if free > 0 else []
        for book_id in started:
            self.start(book_id)
        return started

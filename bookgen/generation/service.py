"""The generation service: author actions and the runner that writes the book.

Plain async Python: the Reflex layer calls these methods, tests call them
directly. A runner holds a lease on its book (heartbeat in SQL), so one
generation runs per book across every worker, and a dead one is found again.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from dataclasses import dataclass, field

from bookgen import metrics
from bookgen.config import Settings
from bookgen.generation import prompts
from bookgen.generation.forms import BookForm
from bookgen.generation.hub import ChangeEvent, Hub
from bookgen.generation.limits import (
    WORKER_BUSY,
    LimitReached,
    Limits,
    choose_model,
    continues_spent,
    owner_busy,
    rejections_spent,
    stopped_for_allowance,
)
from bookgen.generation.machine import (
    Action,
    Finish,
    Step,
    allowed_from,
    approval_check,
    approved_outline,
    chapter_context,
    chapters_done,
    next_step,
    resume_status,
)
from bookgen.generation.redraft import (
    CHAPTER_EDITED,
    NO_NEW_VERSION,
    REDRAFT_FROM,
    chapter_message,
    pending,
    redraft_feedback,
    redraft_refusal,
)
from bookgen.generation.replies import (
    ChapterReply,
    OutlineReply,
    ReplyPlan,
    SingleReply,
)
from bookgen.generation.streamer import MessageStreamer, run_shielded
from bookgen.llm import LLMProvider
from bookgen.llm.prompt_markers import TaskKind, summary_task
from bookgen.logs import bind_log_context, reset_log_context
from bookgen.storage.models import (
    ACTIVE_STATUSES,
    FEEDBACK_CHARS,
    Book,
    BookStatus,
    MessageKind,
    MessageStatus,
    Role,
    utcnow,
)
from bookgen.storage.redrafts import Choice
from bookgen.storage.store import BookSnapshot, Counter, NewMessage, Started, Store

__all__ = ["FEEDBACK_TOO_LONG", "ActionResult", "GenerationService", "store_new_book"]

log = logging.getLogger(__name__)

FEEDBACK_TOO_LONG = f"Feedback is limited to {FEEDBACK_CHARS.high:,} characters."


@dataclass(frozen=True)
class ActionResult:
    """Whether an author action took effect, and if not, why (shown to the author)."""

    ok: bool
    reason: str = ""


@dataclass
class _Runner:
    """This process's runner of one book: how to stop it, and whether to look again.

    ``again`` is set when someone asked for a runner while this one was already
    there (an approval while the outline runner is leaving, say): before it
    leaves, the runner looks at the book once more instead of refusing the work.
    """

    stop: asyncio.Event = field(default_factory=asyncio.Event)
    again: bool = False


async def store_new_book(
    store: Store, form: BookForm, *, default_model: str, owner_id: int | None = None
) -> Book:
    """A book, its thread and the author's first request, in one transaction."""
    book = form.to_book(default_model=default_model)
    book.owner_id = owner_id
    request = NewMessage(
        role=Role.USER,
        kind=MessageKind.REQUEST,
        content=prompts.request_summary(book),
    )
    return await store.create_book(book, request)


class GenerationService:
    """Owns the runners of this process; everything else lives in SQL."""

    def __init__(
        self,
        *,
        store: Store,
        provider: LLMProvider,
        hub: Hub,
        settings: Settings,
        owner: str | None = None,
    ) -> None:
        self.store = store
        self.provider = provider
        self.hub = hub
        self.settings = settings
        self.owner = owner or uuid.uuid4().hex[:16]
        self.limits = Limits(store, settings)
        self._runners: dict[int, _Runner] = {}
        self._tasks: set[asyncio.Task[bool]] = set()

    # --- author actions --------------------------------------------------
    async def create_book(self, form: BookForm, *, owner_id: int | None = None) -> Book:
        """Store a validated book with its first request; it starts outlining.

        Raises FormError for a model that is not offered, and LimitReached
        (a FormError) when its owner may not start another generation now.
        """
        model = choose_model(form, self.settings)
        if reason := await self.limits.daily_refusal(owner_id):
            raise LimitReached(reason)
        book = form.to_book(default_model=model)
        book.owner_id = owner_id
        request = NewMessage(
            role=Role.USER,
            kind=MessageKind.REQUEST,
            content=prompts.request_summary(book),
        )
        cap = self.settings.user_concurrent_generations
        stored = await self.store.create_book_within(book, request, max_active=cap)
        if stored is None:
            raise LimitReached(owner_busy(cap))
        return stored

    async def approve(self, book_id: int, version: int | None = None) -> ActionResult:
        """Approve the latest outline; the book follows the chapters it lists.

        An outline with no chapter that can be found cannot be approved (the
        author rejects it with feedback instead); one with a different count
        than asked sets the book's chapter count to what it has.
        """
        snap = await self.store.snapshot(book_id)
        if snap is None:
            return ActionResult(False, "This book does not exist.")
        if version is not None and version != snap.book.version:
            return ActionResult(False, "The outline was already decided.")
        check = approval_check(snap.book, snap.messages)
        if check.problem:
            return ActionResult(False, check.problem)
        approval = NewMessage(
            role=Role.USER,
            kind=MessageKind.APPROVAL,
            content="Outline approved. Write the chapters.",
        )
        return await self._decide(
            book_id,
            Action.APPROVE,
            BookStatus.WRITING,
            snap.book.version,
            approval,
            chapter_count=check.chapters,
        )

    async def reject(
        self, book_id: int, feedback: str, version: int | None = None
    ) -> ActionResult:
        feedback = feedback.strip()
        if not feedback:
            return ActionResult(False, "Say what should change in the outline.")
        if len(feedback) > FEEDBACK_CHARS.high:
            return ActionResult(False, FEEDBACK_TOO_LONG)
        message = NewMessage(
            role=Role.USER, kind=MessageKind.FEEDBACK, content=feedback
        )
        return await self._decide(
            book_id,
            Action.REJECT,
            BookStatus.OUTLINING,
            version,
            message,
            counter="rejections",
        )

    async def stop(self, book_id: int) -> ActionResult:
        ok = await self.store.transition(
            book_id,
            from_statuses=allowed_from(Action.STOP),
            to_status=BookStatus.STOPPED,
        )
        if ok and (runner := self._runners.get(book_id)) is not None:
            runner.stop.set()
        await self.hub.publish(ChangeEvent(book_id))
        return ActionResult(ok, "" if ok else "Nothing is being written right now.")

    async def resume(self, book_id: int) -> ActionResult:
        """Continue a stopped book, or retry one that failed, from its last word."""
        snap = await self.store.snapshot(book_id)
        if snap is None:
            return ActionResult(False, "This book does not exist.")
        action = (
            Action.RETRY if snap.book.status == BookStatus.ERROR else Action.CONTINUE
        )
        return await self._start(
            snap.book,
            from_statuses=allowed_from(action),
            to_status=resume_status(snap.messages),
            version=snap.book.version,
            counter="continues",
            conflict="The book is already being written.",
        )

    async def regenerate(
        self, book_id: int, chapter: object, feedback: object = ""
    ) -> ActionResult:
        """Write a new version of a finished chapter beside it (redraft.py);
        the chapter and the feedback are checked there, whatever their type."""
        snap = await self.store.snapshot(book_id)
        if snap is None:
            return ActionResult(False, "This book does not exist.")
        found = redraft_refusal(snap.book, snap.messages, chapter, feedback)
        if isinstance(found, str):
            return ActionResult(False, found)
        return await self._start(
            snap.book,
            from_statuses=REDRAFT_FROM,
            to_status=BookStatus.WRITING,
            version=snap.book.version,
            message=found,
            conflict="The book changed meanwhile; try again.",
        )

    async def choose_version(
        self, book_id: int, candidate_id: int, *, keep_new: bool, author_id: int | None
    ) -> ActionResult:
        """Keep the regenerated chapter ``candidate_id``, or the current one
        (nothing is deleted)."""
        snap = await self.store.snapshot(book_id)
        if snap is None:
            return ActionResult(False, "This book does not exist.")
        open_request = pending(snap.messages)
        if open_request is None or open_request.candidate_id != candidate_id:
            return ActionResult(False, NO_NEW_VERSION)
        current = chapter_message(snap.messages, open_request.chapter)
        if not open_request.candidate_complete or current is None or current.id is None:
            return ActionResult(False, NO_NEW_VERSION)
        choice = await self.store.redrafts.decide(
            book_id,
            candidate_id=candidate_id,
            chapter_id=current.id,
            keep=keep_new,
            author_id=author_id,
        )
        await self.hub.publish(ChangeEvent(book_id))
        if choice == Choice.CONFLICT:
            return ActionResult(False, CHAPTER_EDITED)
        if choice == Choice.GONE:
            return ActionResult(False, NO_NEW_VERSION)
        return ActionResult(True)

    async def _decide(
        self,
        book_id: int,
        action: str,
        to_status: BookStatus,
        version: int | None,
        message: NewMessage,
        counter: Counter | None = None,
        chapter_count: int | None = None,
    ) -> ActionResult:
        """The author's decision on an outline: its message lands only if it wins."""
        book = await self.store.get_book(book_id)
        if book is None:
            return ActionResult(False, "The outline was already decided.")
        return await self._start(
            book,
            from_statuses=allowed_from(action),
            to_status=to_status,
            version=version,
            message=message,
            counter=counter,
            conflict="The outline was already decided.",
            chapter_count=chapter_count,
        )

    async def _start(
        self,
        book: Book,
        *,
        from_statuses: tuple[BookStatus, ...],
        to_status: BookStatus,
        version: int | None,
        conflict: str,
        message: NewMessage | None = None,
        counter: Counter | None = None,
        chapter_count: int | None = None,
    ) -> ActionResult:
        """Move a book into a generating status, within every limit.

        The daily allowance is checked first; the owner's concurrent cap and
        the book's counter are checked atomically with the transition.
        """
        assert book.id is not None
        if reason := await self.limits.daily_refusal(book.owner_id):
            return ActionResult(False, reason)
        settings = self.settings
        caps = {
            "rejections": settings.max_rejections_per_book,
            "continues": settings.max_continues_per_book,
        }
        started = await self.store.start_transition(
            book.id,
            from_statuses=from_statuses,
            to_status=to_status,
            version=version,
            message=message,
            counter=counter,
            counter_cap=caps[counter] if counter else 0,
            max_active=settings.user_concurrent_generations,
            chapter_count=chapter_count,
        )
        await self.hub.publish(ChangeEvent(book.id))
        if started == Started.STARTED:
            return ActionResult(True, "" if self.has_free_slot() else WORKER_BUSY)
        if started == Started.BUSY:
            return ActionResult(False, owner_busy(settings.user_concurrent_generations))
        if started == Started.SPENT:
            spent = rejections_spent if counter == "rejections" else continues_spent
            return ActionResult(False, spent(caps[counter] if counter else 0))
        return ActionResult(False, conflict)

    # --- the runner ------------------------------------------------------
    def is_running(self, book_id: int) -> bool:
        """A runner of this process is writing the book now."""
        return book_id in self._runners

    def has_free_slot(self) -> bool:
        """This worker runs fewer generations than its cap."""
        return len(self._runners) < self.settings.worker_concurrent_generations

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
        runner = self._runners[book_id] = _Runner()
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
                await self.store.transition(
                    book_id, from_statuses=ACTIVE_STATUSES, to_status=step.status
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
                await self.store.set_chapters_done(book.id, done)
            await self.hub.publish(ChangeEvent(book.id))
            return True
        if outcome.status in (MessageStatus.ERROR, MessageStatus.INTERRUPTED):
            await self.store.transition(
                book.id, from_statuses=ACTIVE_STATUSES, to_status=BookStatus.ERROR
            )
        await self.hub.publish(ChangeEvent(book.id))
        return False

    async def _start_message(self, book_id: int, step: Step) -> tuple[int, str] | None:
        """The message to stream into and its text so far: reopened, or new."""
        if step.resume_message_id is not None:
            text = await self.store.reopen_message(step.resume_message_id)
            return None if text is None else (step.resume_message_id, text)
        message = await self.store.add_message(
            book_id,
            NewMessage(
                role=Role.ASSISTANT,
                kind=step.kind,
                chapter=step.chapter,
                status=MessageStatus.STREAMING,
            ),
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
        if step.kind == MessageKind.CHAPTER:
            return ChapterReply(
                book, outline_text, chapter, chapter_context(messages, chapter)
            )
        if step.kind == MessageKind.REDRAFT:
            return ChapterReply(
                book,
                outline_text,
                chapter,
                chapter_context(messages, chapter),
                redraft=redraft_feedback(messages, chapter),
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

"""The generation service: author actions and the runner that writes the book.

Plain async Python: the Reflex layer calls these methods, tests call them
directly. A runner holds a lease on its book (heartbeat in SQL), so one
generation runs per book across every worker, and a dead one is found again.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass

from bookgen.config import Settings
from bookgen.generation import prompts
from bookgen.generation.forms import BookForm
from bookgen.generation.hub import ChangeEvent, Hub
from bookgen.generation.machine import (
    ACTIVE,
    Action,
    Finish,
    Step,
    allowed_from,
    approved_outline,
    chapters_done,
    next_step,
    resume_status,
)
from bookgen.generation.streamer import MessageStreamer, run_shielded
from bookgen.llm import LLMProvider
from bookgen.storage.models import (
    Book,
    BookStatus,
    Message,
    MessageKind,
    MessageStatus,
    Role,
    utcnow,
)
from bookgen.storage.store import BookSnapshot, Store

__all__ = ["ActionResult", "GenerationService", "store_new_book"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ActionResult:
    """Whether an author action took effect, and if not, why (shown to the author)."""

    ok: bool
    reason: str = ""


async def store_new_book(store: Store, form: BookForm, *, default_model: str) -> Book:
    """A book, its thread and the author's first request, in one transaction."""
    book = form.to_book(default_model=default_model)
    request = Message(
        book_id=0,
        thread_id=0,
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
        self._stops: dict[int, asyncio.Event] = {}
        self._tasks: set[asyncio.Task] = set()

    # --- author actions --------------------------------------------------
    async def create_book(self, form: BookForm) -> Book:
        """Store a validated book with its first request; it starts outlining."""
        return await store_new_book(self.store, form, default_model=self.settings.model)

    async def approve(self, book_id: int, version: int | None = None) -> ActionResult:
        return await self._act(
            book_id,
            Action.APPROVE,
            BookStatus.WRITING,
            version,
            Message(
                book_id=book_id,
                thread_id=0,
                role=Role.USER,
                kind=MessageKind.APPROVAL,
                content="Outline approved. Write the chapters.",
            ),
        )

    async def reject(
        self, book_id: int, feedback: str, version: int | None = None
    ) -> ActionResult:
        feedback = feedback.strip()
        if not feedback:
            return ActionResult(False, "Say what should change in the outline.")
        if len(feedback) > 4000:
            return ActionResult(False, "Feedback is limited to 4,000 characters.")
        return await self._act(
            book_id,
            Action.REJECT,
            BookStatus.OUTLINING,
            version,
            Message(
                book_id=book_id,
                thread_id=0,
                role=Role.USER,
                kind=MessageKind.FEEDBACK,
                content=feedback,
            ),
        )

    async def stop(self, book_id: int) -> ActionResult:
        ok = await self.store.transition(
            book_id,
            from_statuses=allowed_from(Action.STOP),
            to_status=BookStatus.STOPPED,
        )
        if ok and (event := self._stops.get(book_id)) is not None:
            event.set()
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
        ok = await self.store.transition(
            book_id,
            from_statuses=allowed_from(action),
            to_status=resume_status(snap.messages),
            version=snap.book.version,
        )
        await self.hub.publish(ChangeEvent(book_id))
        return ActionResult(ok, "" if ok else "The book is already being written.")

    async def _act(
        self,
        book_id: int,
        action: str,
        to_status: BookStatus,
        version: int | None,
        message: Message,
    ) -> ActionResult:
        ok = await self.store.transition_with_message(
            book_id,
            from_statuses=allowed_from(action),
            to_status=to_status,
            version=version,
            message=message,
        )
        await self.hub.publish(ChangeEvent(book_id))
        return ActionResult(ok, "" if ok else "The outline was already decided.")

    # --- the runner ------------------------------------------------------
    def is_running(self, book_id: int) -> bool:
        """A runner of this process is writing the book now."""
        return book_id in self._stops

    def needs_runner(self, book: Book) -> bool:
        """Should be generating, and no live runner holds its lease."""
        if book.status not in ACTIVE:
            return False
        return book.lease_until is None or book.lease_until < utcnow()

    async def run(self, book_id: int) -> bool:
        """Write until the book waits for its author, stops, fails or completes.

        Returns False at once if another runner holds the book's lease.
        """
        if book_id in self._stops or not await self.store.claim_lease(
            book_id, self.owner, self.settings.lease_s
        ):
            return False
        stop = self._stops[book_id] = asyncio.Event()
        try:
            while not stop.is_set():
                snap = await self.store.snapshot(book_id)
                if snap is None:
                    break
                step = next_step(snap.book, snap.messages)
                if step is None:
                    break
                if isinstance(step, Finish):
                    await self.store.transition(
                        book_id, from_statuses=ACTIVE, to_status=step.status
                    )
                    await self.hub.publish(ChangeEvent(book_id))
                    continue
                if not await self._write(snap, step, stop):
                    break
        finally:
            self._stops.pop(book_id, None)
            # Even when cancelled (shutdown), the lease is freed for the next start.
            await run_shielded(self.store.release_lease(book_id, self.owner))
        return True

    async def _write(self, snap: BookSnapshot, step: Step, stop: asyncio.Event) -> bool:
        """Stream one message; False when the book must not go on."""
        book = snap.book
        assert book.id is not None
        prompt, task = self._prompt_for(snap, step)
        if step.resume_message_id is not None:
            message_id = step.resume_message_id
            text = await self.store.reopen_message(message_id)
        else:
            message = await self.store.add_message(
                Message(
                    book_id=book.id,
                    thread_id=0,
                    role=Role.ASSISTANT,
                    kind=step.kind,
                    chapter=step.chapter,
                    status=MessageStatus.STREAMING,
                )
            )
            assert message.id is not None
            message_id, text = message.id, ""
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
            prompt=prompt,
            continue_prompt=lambda so_far: prompts.continuation_prompt(
                prompt, task, so_far
            ),
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
                book.id, from_statuses=ACTIVE, to_status=BookStatus.ERROR
            )
        await self.hub.publish(ChangeEvent(book.id))
        return False

    def _prompt_for(self, snap: BookSnapshot, step: Step) -> tuple[list, str]:
        book, messages = snap.book, snap.messages
        if step.kind == MessageKind.OUTLINE:
            thread = [m for m in messages if m.id != step.resume_message_id]
            revising = any(m.kind == MessageKind.FEEDBACK for m in thread)
            return (
                prompts.outline_conversation(book, thread),
                "revise outline" if revising else "outline",
            )
        outline = approved_outline(messages)
        outline_text = outline.content if outline else ""
        if step.kind == MessageKind.CHAPTER:
            summaries = [
                m.content
                for m in messages
                if m.kind == MessageKind.SUMMARY
                and m.status == MessageStatus.COMPLETE
                and (m.chapter or 0) < (step.chapter or 0)
            ]
            return (
                prompts.chapter_prompt(
                    book, outline_text, step.chapter or 1, summaries
                ),
                f"chapter {step.chapter}",
            )
        chapter = next(
            m
            for m in messages
            if m.kind == MessageKind.CHAPTER
            and m.chapter == step.chapter
            and m.status == MessageStatus.COMPLETE
        )
        return (
            prompts.summary_prompt(book, step.chapter or 1, chapter.content),
            f"summary of chapter {step.chapter}",
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
    async def resume_orphans(self) -> list[int]:
        """Start runners for books whose generation died (lease expired)."""
        started = []
        for book_id in await self.store.orphaned_books(ACTIVE):
            if book_id not in self._stops:
                self.start(book_id)
                started.append(book_id)
        return started

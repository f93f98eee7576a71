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
from bookgen.generation.branch_actions import BranchActions
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
)
from bookgen.generation.machine import (
    Action,
    allowed_from,
    approval_check,
    resume_status,
)
from bookgen.generation.redraft import (
    CHAPTER_EDITED,
    NO_NEW_VERSION,
    REDRAFT_FROM,
    chapter_message,
    pending,
    redraft_refusal,
)
from bookgen.generation.runner import RunnerSlot
from bookgen.llm import LLMProvider
from bookgen.storage.models import (
    FEEDBACK_CHARS,
    Book,
    BookStatus,
    MessageKind,
    Role,
)
from bookgen.storage.redrafts import Choice
from bookgen.storage.store import Counter, NewMessage, Started, Store

__all__ = ["FEEDBACK_TOO_LONG", "ActionResult", "GenerationService", "store_new_book"]

log = logging.getLogger(__name__)

FEEDBACK_TOO_LONG = f"Feedback is limited to {FEEDBACK_CHARS.high:,} characters."


@dataclass(frozen=True)
class ActionResult:
    """Whether an author action took effect, and if not, why (shown to the author)."""

    ok: bool
    reason: str = ""


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


class GenerationService(BranchActions):
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
        self._runners: dict[int, RunnerSlot] = {}
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
        if ok:
            self._stop_local(book_id)
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

"""The author's branch actions: fork the book at a message, regenerate from a
chapter on (a fork there), and show another branch.

Mixed into ``GenerationService``. The rules are in generation/branching.py,
the races in storage/branches.py: each action names the book version the
author saw, and of two racing ones exactly one wins. Leaving a branch that is
generating stops its runner (its message is kept, stopped: Continue resumes it
when the author comes back to that branch).
"""

from __future__ import annotations

from dataclasses import dataclass

from bookgen.generation.branching import fork_at
from bookgen.generation.hub import ChangeEvent
from bookgen.generation.limits import WORKER_BUSY, owner_busy
from bookgen.generation.redraft import chapter_message
from bookgen.generation.runner import Runners
from bookgen.storage.models import ACTIVE_STATUSES, CHAPTER_COUNT, MAX_BRANCHES
from bookgen.storage.store import Moved, Started

__all__ = [
    "CHANGED",
    "NO_SUCH_BRANCH",
    "NO_SUCH_CHAPTER",
    "TOO_MANY_BRANCHES",
    "BranchActions",
    "BranchResult",
]

CHANGED = "The book changed meanwhile; look at it again and retry."
NO_SUCH_BRANCH = "There is no such version of this book."
NO_SUCH_CHAPTER = "There is no such finished chapter to regenerate from."
TOO_MANY_BRANCHES = f"A book may have at most {MAX_BRANCHES} versions."


@dataclass(frozen=True)
class BranchResult:
    """Whether a branch action took effect, why not, and whether the book now
    needs a runner (the server starts one; never on an id a client sends)."""

    ok: bool
    reason: str = ""
    generating: bool = False


class BranchActions(Runners):
    """Branch actions, beside the runners they stop and start."""

    async def branch(
        self,
        book_id: int,
        message_id: object,
        wish: object = "",
        version: int | None = None,
    ) -> BranchResult:
        """Fork the shown branch at ``message_id`` and show the new branch;
        ``wish`` (maybe "") says what should go differently."""
        snap = await self.store.snapshot(book_id)
        if snap is None:
            return BranchResult(False, "This book does not exist.")
        if version is not None and version != snap.book.version:
            return BranchResult(False, CHANGED)
        fork = fork_at(snap.messages, message_id, wish)
        if isinstance(fork, str):
            return BranchResult(False, fork)
        generating = fork.to_status in ACTIVE_STATUSES
        if generating and (
            reason := await self.limits.daily_refusal(snap.book.owner_id)
        ):
            return BranchResult(False, reason)
        cap = self.settings.user_concurrent_generations
        started = await self.store.fork(
            book_id, fork, version=snap.book.version, max_active=cap
        )
        if started != Started.STARTED:
            await self.hub.publish(ChangeEvent(book_id))
            reasons = {
                Started.BUSY: owner_busy(cap),
                Started.FULL: TOO_MANY_BRANCHES,
            }
            return BranchResult(False, reasons.get(started, CHANGED))
        self._stop_local(book_id)
        await self.hub.publish(ChangeEvent(book_id))
        busy = generating and not self.has_free_slot()
        return BranchResult(True, WORKER_BUSY if busy else "", generating)

    async def regenerate_from(
        self,
        book_id: int,
        chapter: object,
        feedback: object = "",
        version: int | None = None,
    ) -> BranchResult:
        """Write ``chapter`` and every chapter after it anew (with their
        summaries) on a new branch; the old chapters stay on the old one."""
        if (
            not isinstance(chapter, int)
            or isinstance(chapter, bool)
            or not CHAPTER_COUNT.low <= chapter <= CHAPTER_COUNT.high
        ):
            return BranchResult(False, NO_SUCH_CHAPTER)
        snap = await self.store.snapshot(book_id)
        if snap is None:
            return BranchResult(False, "This book does not exist.")
        found = chapter_message(snap.messages, chapter)
        if found is None or found.id is None:
            return BranchResult(False, NO_SUCH_CHAPTER)
        return await self.branch(book_id, found.id, feedback, version)

    async def switch_branch(
        self, book_id: int, thread_id: object, version: int | None = None
    ) -> BranchResult:
        """Show the branch ``thread_id`` of the book, as it was left."""
        if not isinstance(thread_id, int) or isinstance(thread_id, bool):
            return BranchResult(False, NO_SUCH_BRANCH)
        moved = await self.store.switch_branch(book_id, thread_id, version=version)
        if moved == Moved.SAME:
            return BranchResult(True)
        if moved != Moved.DONE:
            return BranchResult(
                False, CHANGED if moved == Moved.CONFLICT else NO_SUCH_BRANCH
            )
        self._stop_local(book_id)
        await self.hub.publish(ChangeEvent(book_id))
        return BranchResult(True)

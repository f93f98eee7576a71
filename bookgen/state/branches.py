"""Versions of a book: branch at a message, regenerate from a chapter on, switch.

The client names a message (of the tab's book), a chapter number, or a
version (a thread id) and what it typed; the book is the tab's, checked against
the stored book on every call: who may branch and switch is who may drive the
book (``_actable_book``). The rules and races live in the service
(generation/branching.py, storage/branches.py), and each call carries the book
version this tab saw, so of two racing tabs exactly one wins. Every change is
published: each tab of the book follows the switch (its overview reads the
version shown) and sees the list of versions change.
"""

from __future__ import annotations

import reflex as rx

from bookgen.accounts import Viewer
from bookgen.generation.branch_actions import BranchResult
from bookgen.generation.branching import (
    NOT_ON_BRANCH,
    WISH_NOT_TEXT,
    WISH_TOO_LONG,
)
from bookgen.runtime import get_service
from bookgen.state.history import parse_message_id
from bookgen.state.redraft import RedraftState, chapter_number
from bookgen.storage.models import BRANCH_WISH_CHARS

__all__ = ["BranchState"]


class BranchState(RedraftState):
    # The message a new version would start at (0: no branch form open).
    branch_point: rx.Field[int] = rx.field(0)
    # What should go differently in the new version (optional).
    branch_wish: rx.Field[str] = rx.field("")
    branch_notice: rx.Field[str] = rx.field("")

    async def _branch_actor(self) -> Viewer | None:
        """The viewer if they may drive the book; else sets the notice."""
        found = await self._actable_book()
        if isinstance(found, tuple):
            return found[0]
        if isinstance(found, str):
            self.branch_notice = found
        return None

    @rx.event
    async def choose_branch_point(self, message_id: object):
        """Open the form to start a new version at ``message_id``."""
        mid = parse_message_id(message_id)
        viewer = await self._branch_actor()
        if viewer is None:
            return None if self.signed_in else self._signed_out()
        shown = {entry.id for entry in self.thread if entry.can_branch}
        if mid is None or mid not in shown:
            self.branch_notice = NOT_ON_BRANCH
            return None
        self.branch_point, self.branch_wish, self.branch_notice = mid, "", ""
        return None

    @rx.event
    def cancel_branch(self):
        self.branch_point, self.branch_wish = 0, ""

    @rx.event
    def set_branch_wish(self, value: str):
        """Keep what the author types; the client may send anything, though."""
        if not isinstance(value, str):
            self.branch_notice = WISH_NOT_TEXT
        elif len(value) > BRANCH_WISH_CHARS.high:
            self.branch_notice = WISH_TOO_LONG
        else:
            self.branch_wish = value
            if self.branch_notice in (WISH_NOT_TEXT, WISH_TOO_LONG):
                self.branch_notice = ""

    @rx.event
    async def branch_here(self):
        """Start the new version at the chosen message, with the wish typed."""
        viewer = await self._branch_actor()
        if viewer is None:
            return None if self.signed_in else self._signed_out()
        if not self.branch_point:
            self.branch_notice = NOT_ON_BRANCH
            return None
        result = await get_service().branch(
            self._book_id, self.branch_point, self.branch_wish, self._version
        )
        if result.ok:
            self.branch_point, self.branch_wish = 0, ""
        return await self._after_branch(viewer, result)

    @rx.event
    async def regenerate_from(self, chapter: object):
        """A new version of the book from ``chapter`` on (the feedback typed in
        the regenerate box, if any); the old chapters stay on the old one."""
        number = chapter_number(chapter)
        viewer = await self._branch_actor()
        if viewer is None:
            return None if self.signed_in else self._signed_out()
        result = await get_service().regenerate_from(
            self._book_id, number or 0, self.redraft_feedback, self._version
        )
        if result.ok:
            self.redraft_feedback = ""
        return await self._after_branch(viewer, result)

    @rx.event
    async def switch_branch(self, thread_id: object):
        """Show another version of the book, as it was left."""
        viewer = await self._branch_actor()
        if viewer is None:
            return None if self.signed_in else self._signed_out()
        target = parse_message_id(thread_id)  # the same rule: a row id, or none
        result = await get_service().switch_branch(
            self._book_id, target or 0, self._version
        )
        self.branch_point, self.branch_wish = 0, ""
        return await self._after_branch(viewer, result)

    async def _after_branch(self, viewer: Viewer, result: BranchResult) -> None:
        self.branch_notice = result.reason
        await self._refresh(viewer)
        if result.ok and result.generating:
            get_service().start(self._book_id)

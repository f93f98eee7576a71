"""Regenerating one chapter of a finished book, and keeping either version.

The client names only a chapter number (and the optional feedback it typed);
the book is the tab's, checked against the stored book on every call: who may
regenerate or choose is who may drive the book (``_actable_book``). The rules
and races live in the service (generation/redraft.py, storage/redrafts.py);
every change is published, so each tab of the book shows the new version
streaming and the choice.
"""

from __future__ import annotations

import reflex as rx

from bookgen.accounts import Viewer
from bookgen.generation.redraft import (
    FEEDBACK_NOT_TEXT,
    NO_NEW_VERSION,
    REDRAFT_FEEDBACK_TOO_LONG,
)
from bookgen.runtime import get_service
from bookgen.state.book import BookState
from bookgen.state.views import RedraftView
from bookgen.storage.models import CHAPTER_COUNT, REDRAFT_FEEDBACK_CHARS

__all__ = ["NO_SUCH_CHAPTER", "RedraftState", "chapter_number"]

NO_SUCH_CHAPTER = "There is no such finished chapter to regenerate."


def chapter_number(raw: object) -> int | None:
    """A chapter number as a client may send it (int or digits); else None."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) < 4:
        raw = int(raw)
    if isinstance(raw, int) and CHAPTER_COUNT.low <= raw <= CHAPTER_COUNT.high:
        return raw
    return None


class RedraftState(BookState):
    # The optional feedback typed for the next chapter to regenerate.
    redraft_feedback: rx.Field[str] = rx.field("")
    redraft_notice: rx.Field[str] = rx.field("")

    @rx.event
    def set_redraft_feedback(self, value: str):
        """Keep what the author types; the client may send anything, though."""
        if not isinstance(value, str):
            self.redraft_notice = FEEDBACK_NOT_TEXT
        elif len(value) > REDRAFT_FEEDBACK_CHARS.high:
            self.redraft_notice = REDRAFT_FEEDBACK_TOO_LONG
        else:
            self.redraft_feedback = value
            if self.redraft_notice in (FEEDBACK_NOT_TEXT, REDRAFT_FEEDBACK_TOO_LONG):
                self.redraft_notice = ""

    async def _viewer_acting(self) -> Viewer | None:
        """The viewer if they may drive the book; else sets the notice."""
        found = await self._actable_book()
        if isinstance(found, tuple):
            return found[0]
        if isinstance(found, str):
            self.redraft_notice = found
        return None

    @rx.event
    async def regenerate_chapter(self, chapter: object):
        """Write a new version of ``chapter`` beside it, with the feedback typed."""
        number = chapter_number(chapter)
        if number is None:
            self.redraft_notice = NO_SUCH_CHAPTER
            return None
        viewer = await self._viewer_acting()
        if viewer is None:
            return None if self.signed_in else self._signed_out()
        service = get_service()
        result = await service.regenerate(self._book_id, number, self.redraft_feedback)
        self.redraft_notice = result.reason
        if result.ok:
            self.redraft_feedback = ""
            service.start(self._book_id)
        await self._refresh(viewer)
        return None

    @rx.event
    async def keep_version(self):
        """The chapter becomes its new version (the old text stays a version)."""
        return await self._choose(keep_new=True)

    @rx.event
    async def keep_current(self):
        """The chapter stays as it is; the new version is kept in the thread."""
        return await self._choose(keep_new=False)

    async def _choose(self, *, keep_new: bool):
        viewer = await self._viewer_acting()
        if viewer is None:
            return None if self.signed_in else self._signed_out()
        # The new version this tab shows: a choice never lands on another one.
        shown = self.redraft
        if not isinstance(shown, RedraftView):
            self.redraft_notice = NO_NEW_VERSION
            return None
        result = await get_service().choose_version(
            self._book_id, shown.id, keep_new=keep_new, author_id=viewer.user_id
        )
        self.redraft_notice = result.reason
        await self._refresh(viewer)
        return None

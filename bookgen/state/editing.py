"""Editing the outline (while it awaits approval) and finished chapters in place.

One tab has at most one editor open. The client names only what to edit
("outline" or a chapter number); the message, its version and the book come
from the server (the tab's book as stored, its latest outline or the latest
attempt at that chapter). Who may edit is who may drive the book
(``_actable_book``), checked again on every save. The text is sent once, on
save, as the form's ``text`` field (never per keystroke); the textarea is
uncontrolled, so what the author types stays in it through a conflict.

A save names the version the editor opened at; a stale one is a conflict
(storage/edits.py): the editor shows the difference and its base moves to the
saved version, so saving again overwrites knowingly, and "Use their version"
loads the saved text instead.
"""

from __future__ import annotations

from typing import Any

import reflex as rx

from bookgen.accounts import Viewer
from bookgen.generation.hub import ChangeEvent
from bookgen.runtime import get_service
from bookgen.state.book import BookState
from bookgen.state.edit_presence import editing_closed, editing_opened
from bookgen.state.edit_views import DiffPart, word_diff
from bookgen.storage.edits import SaveOutcome
from bookgen.storage.models import (
    EDIT_CHARS,
    BookStatus,
    MessageKind,
    MessageStatus,
)
from bookgen.storage.store import BookOverview

__all__ = ["OUTLINE", "EditState"]

OUTLINE = "outline"
NOT_EDITABLE = "This text cannot be edited now (it is being written, or has moved on)."
TEXT_REQUIRED = "The text cannot be empty."
TEXT_TOO_LONG = f"Edited text is limited to {EDIT_CHARS.high:,} characters."
NOT_TEXT = "The edited text must be text."
NO_EDITOR = "Open the editor first."
SINGLE_AUTHOR = "The author"


def _target(raw: object) -> str | None:
    """ "outline", or "chapter-N" for a chapter number; None for anything else."""
    if raw == OUTLINE:
        return OUTLINE
    if isinstance(raw, bool):
        return None
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) < 4:
        raw = int(raw)
    if isinstance(raw, int) and 0 < raw < 1000:
        return f"chapter-{raw}"
    return None


def _message_for(ov: BookOverview, target: str) -> int | None:
    """The finished message the target names, if it may be edited now."""
    if target == OUTLINE:
        if ov.book.status != BookStatus.AWAITING_APPROVAL:
            return None
        found = [m for m in ov.messages if m.kind == MessageKind.OUTLINE]
    else:
        number = int(target.removeprefix("chapter-"))
        found = [
            m
            for m in ov.messages
            if m.kind == MessageKind.CHAPTER and m.chapter == number
        ]
    latest = found[-1] if found else None
    if latest is None or latest.status != MessageStatus.COMPLETE:
        return None
    return latest.id


class EditState(BookState):
    # What this tab edits: "outline", "chapter-N", or "" (no editor open).
    editing: rx.Field[str] = rx.field("")
    # The text the editor opened with (or the author's, after a conflict).
    edit_draft: rx.Field[str] = rx.field("")
    # Bumped to give the textarea a new text (it is uncontrolled).
    edit_round: rx.Field[int] = rx.field(0)
    # A save found a newer version: the difference, from it to the author's text.
    edit_conflict: rx.Field[bool] = rx.field(False)
    conflict_diff: rx.Field[list[DiffPart]] = rx.field(default_factory=list)
    edit_notice: rx.Field[str] = rx.field("")
    _edit_message: int = 0
    _edit_base: int = 0
    # On conflict: the text saved meanwhile ("Use their version").
    _their_text: str = ""

    def _clear_editor(self) -> None:
        self.editing, self.edit_draft, self.edit_notice = "", "", ""
        self.edit_conflict, self.conflict_diff = False, []
        self._edit_message = self._edit_base = 0
        self._their_text = ""

    async def _editable(self) -> tuple[Viewer, BookOverview] | None:
        """The viewer and the book, if they may edit it; else sets the notice."""
        found = await self._actable_book()
        if found is None:
            self._clear_editor()
            return None
        if isinstance(found, str):
            self.edit_notice = found
            return None
        overview = await get_service().store.overview(self._book_id)
        if overview is None:
            return None
        return found[0], overview

    @rx.event
    async def open_editor(self, target: Any):
        """Open the editor on the outline or chapter ``target``."""
        name = _target(target)
        if name is None:
            self.edit_notice = NOT_EDITABLE
            return None
        found = await self._editable()
        if found is None:
            return self._signed_out() if not self.signed_in else None
        viewer, overview = found
        message_id = _message_for(overview, name)
        store = get_service().store
        text = await store.message_text(message_id) if message_id else None
        meta = next((m for m in overview.messages if m.id == message_id), None)
        if message_id is None or text is None or meta is None:
            self.edit_notice = NOT_EDITABLE
            return None
        await self._close_presence()
        self._clear_editor()
        self.editing, self.edit_draft = name, text
        self.edit_round += 1
        self._edit_message, self._edit_base = message_id, meta.version
        user = viewer.user
        await editing_opened(
            store,
            get_service().hub,
            self.router.session.client_token,
            book_id=self._book_id,
            message_id=message_id,
            name=user.name if user is not None else SINGLE_AUTHOR,
        )
        return None

    @rx.event
    async def cancel_edit(self):
        await self._close_presence()
        self._clear_editor()

    @rx.event
    async def close_editor_on_load(self):
        """on_load: a (re)loaded page starts without an editor open."""
        if self.editing or self._edit_message:
            await self._close_presence()
        self._clear_editor()

    @rx.event
    async def take_theirs(self):
        """After a conflict: put the saved text in the editor instead."""
        if not self.edit_conflict:
            return
        self.edit_draft, self._their_text = self._their_text, ""
        self.edit_round += 1
        self.edit_conflict, self.conflict_diff = False, []

    @rx.event
    async def save_edit(self, form_data: Any):
        """Save the editor's ``text`` against the version it opened at."""
        text = form_data.get("text") if isinstance(form_data, dict) else None
        if isinstance(text, str):
            # PostgreSQL refuses NUL in text; browsers may submit CRLF line ends.
            text = text.replace("\x00", "").replace("\r\n", "\n")
        problem = self._check_text(text)
        if problem:
            self.edit_notice = problem
            return None
        assert isinstance(text, str)
        found = await self._editable()
        if found is None:
            return self._signed_out() if not self.signed_in else None
        viewer, overview = found
        if not self.editing or _message_for(overview, self.editing) != (
            self._edit_message or None
        ):
            self.edit_notice = NOT_EDITABLE if self.editing else NO_EDITOR
            return None
        service = get_service()
        result = await service.store.edits.save(
            self._edit_message,
            book_id=self._book_id,
            text=text,
            base=self._edit_base,
            author_id=viewer.user_id,
        )
        if result.outcome == SaveOutcome.NOT_EDITABLE:
            self.edit_notice = NOT_EDITABLE
            return None
        if result.outcome == SaveOutcome.CONFLICT:
            self.edit_conflict = True
            self.conflict_diff = word_diff(result.current, text)
            self.edit_draft, self._their_text = text, result.current
            self._edit_base = result.version
            self.edit_notice = ""
            return None
        await self._close_presence()
        self._clear_editor()
        await service.hub.publish(ChangeEvent(self._book_id))
        await self._refresh(viewer)
        return None

    @staticmethod
    def _check_text(text: object) -> str:
        if not isinstance(text, str):
            return NOT_TEXT
        if not text.strip():
            return TEXT_REQUIRED
        if len(text) > EDIT_CHARS.high:
            return TEXT_TOO_LONG
        return ""

    async def _close_presence(self) -> None:
        service = get_service()
        await editing_closed(
            service.store, service.hub, self.router.session.client_token
        )

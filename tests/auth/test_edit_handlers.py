"""Editing through the real handlers of the running app, signed in, on SQLite
and PostgreSQL: who may edit, what may be edited, hostile arguments, a stale
base (conflict, then a knowing overwrite), and presence seen by another tab.
"""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy import create_engine, text

from bookgen.state.book import NOT_FOUND, READ_ONLY
from bookgen.state.editing import (
    NOT_EDITABLE,
    NOT_TEXT,
    TEXT_REQUIRED,
    TEXT_TOO_LONG,
    EditState,
)
from bookgen.storage.db import make_engine, sync_url
from bookgen.storage.edits import SaveOutcome
from bookgen.storage.models import EDIT_CHARS, MessageKind, MessageStatus, Role
from bookgen.storage.store import NewMessage, Store
from tests.auth.conftest import AuthApp
from tests.auth.handlers import hostile_values
from tests.auth.test_idor import open_tab
from tests.support.reflex_client import BOOK_STATE, ReflexClient

EDIT_STATE = EditState.get_full_name()
SEED_TEXT = "Seeded chapter one.\n\nThe gulls went quiet."
_marks = itertools.count()


async def _seed(app: AuthApp, book_id: int) -> tuple[int, int]:
    """A finished chapter 1 and a chapter 2 still streaming, in ``book_id``."""
    engine = make_engine(app.db_url)
    try:
        store = Store(engine)
        ids = []
        for chapter, status in [
            (1, MessageStatus.COMPLETE),
            (2, MessageStatus.STREAMING),
        ]:
            msg = await store.add_message(
                book_id,
                NewMessage(
                    role=Role.ASSISTANT,
                    kind=MessageKind.CHAPTER,
                    chapter=chapter,
                    status=status,
                    content=SEED_TEXT,
                ),
            )
            assert msg is not None and msg.id is not None
            ids.append(msg.id)
        return ids[0], ids[1]
    finally:
        await engine.dispose()


async def _save_elsewhere(app: AuthApp, message_id: int, book_id: int) -> None:
    engine = make_engine(app.db_url)
    try:
        result = await Store(engine).edits.save(
            message_id,
            book_id=book_id,
            text="Theirs, saved first.",
            base=0,
            author_id=None,
        )
        assert result.outcome == SaveOutcome.SAVED
    finally:
        await engine.dispose()


def _row(app: AuthApp, message_id: int) -> tuple[Any, ...]:
    engine = create_engine(sync_url(app.db_url))
    try:
        with engine.connect() as conn:
            return tuple(
                conn.execute(
                    text("SELECT content, version FROM message WHERE id = :id"),
                    {"id": message_id},
                ).one()
            )
    finally:
        engine.dispose()


async def call(tab: ReflexClient, handler: str, payload: dict) -> None:
    """Call an EditState handler and wait until the tab has processed it."""
    mark = f"mark-{next(_marks)}"
    await tab.emit(f"{EDIT_STATE}.{handler}", payload, tab.path)
    await tab.emit(f"{BOOK_STATE}.set_feedback", {"value": mark}, tab.path)
    await tab.wait_for(lambda: tab.var(BOOK_STATE, "feedback") == mark, 20)


def edit(tab: ReflexClient, name: str) -> Any:
    return tab.var(EDIT_STATE, name)


async def test_edit_handlers_refuse_hostile_calls_and_detect_conflicts(
    auth_app: AuthApp,
) -> None:
    team = auth_app.team
    book = team.team_read_book  # A's; the team reads it, only A acts
    chapter_1, streaming = await _seed(auth_app, book)
    path = f"/books/{book}"
    before = _row(auth_app, chapter_1)

    # B may read the book but not drive it; C's view of A's private book: none.
    reader = await open_tab(auth_app, team.member.token, path)
    stranger = await open_tab(
        auth_app, team.member.token, f"/books/{team.private_book}"
    )
    author = await open_tab(auth_app, team.admin.token, path)
    watcher = await open_tab(auth_app, team.admin.token, path)
    try:
        await call(reader, "open_editor", {"target": 1})
        assert (edit(reader, "editing"), edit(reader, "edit_notice")) == ("", READ_ONLY)
        await call(reader, "save_edit", {"form_data": {"text": "B was here."}})
        assert edit(reader, "edit_notice") == READ_ONLY
        await call(stranger, "open_editor", {"target": 1})
        assert edit(stranger, "edit_notice") == NOT_FOUND
        assert edit(stranger, "editing") == ""

        # Streaming, missing, or not a chapter/outline: nothing opens.
        for target in [2, 7, "summary", "outline", "1_0", *hostile_values()]:
            await call(author, "open_editor", {"target": target})
            assert edit(author, "editing") == "", target
            assert edit(author, "edit_notice") == NOT_EDITABLE, target
        # Saving with no editor open changes nothing.
        await call(author, "save_edit", {"form_data": {"text": "No editor."}})
        assert edit(author, "edit_notice") != ""

        await call(author, "open_editor", {"target": "1"})
        assert edit(author, "editing") == "chapter-1"
        assert edit(author, "edit_draft") == SEED_TEXT
        # Everyone else sees who is editing what.
        await watcher.wait_for(
            lambda: (
                [e["note"] for e in watcher.var(BOOK_STATE, "editors") or []]
                == ["Ada Admin is editing chapter 1"]
            ),
            20,
        )
        assert author.var(BOOK_STATE, "editors") == []  # not the editor itself

        oversize = "x" * (EDIT_CHARS.high + 1)
        for form, notice in [
            ({"text": oversize}, TEXT_TOO_LONG),
            ({"text": "   \n"}, TEXT_REQUIRED),
            ({"text": "\x00\x00"}, TEXT_REQUIRED),
            ({"text": 5}, NOT_TEXT),
            ({"text": ["a"]}, NOT_TEXT),
            ({}, NOT_TEXT),
            ("text", NOT_TEXT),
            (None, NOT_TEXT),
        ]:
            await call(author, "save_edit", {"form_data": form})
            assert edit(author, "edit_notice") == notice, form
        assert _row(auth_app, chapter_1) == before

        # Someone saves first: the author's save is a conflict, shown as a diff.
        await _save_elsewhere(auth_app, chapter_1, book)
        await call(author, "save_edit", {"form_data": {"text": "Mine, typed here."}})
        assert edit(author, "edit_conflict") is True
        marked = "".join(p["marked"] for p in edit(author, "conflict_diff"))
        assert "[-Theirs, saved first.-]" in marked.replace("\n", "")
        assert "{+Mine, typed here.+}" in marked
        assert edit(author, "edit_draft") == "Mine, typed here."
        assert _row(auth_app, chapter_1) == ("Theirs, saved first.", 1)
        # Saving again overwrites knowingly, against the version now current.
        await call(author, "save_edit", {"form_data": {"text": "Mine, typed here."}})
        assert _row(auth_app, chapter_1) == ("Mine, typed here.", 2)
        assert edit(author, "editing") == ""
        # The other tab drops the note and learns the new version (so it
        # fetches the text anew).
        await watcher.wait_for(lambda: watcher.var(BOOK_STATE, "editors") == [], 20)
        await watcher.wait_for(
            lambda: (
                [c["version"] for c in watcher.var(BOOK_STATE, "chapters")] == [2, 0]
            ),
            20,
        )
        assert _row(auth_app, streaming) == (SEED_TEXT, 0)
    finally:
        for tab in (reader, stranger, author, watcher):
            await tab.close()

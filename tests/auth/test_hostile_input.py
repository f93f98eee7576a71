"""Hostile input through the real handlers, signed in, on SQLite and PostgreSQL.

Each value either gets a clear field error, or is stored as typed (only NUL
bytes dropped and runs of spaces folded) and so shown literally; the socket
stays up, and nothing already stored changes.
"""

from __future__ import annotations

import time
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from bookgen.storage.db import sync_url
from tests.auth.conftest import AuthApp
from tests.auth.test_idor import open_tab
from tests.support.reflex_client import BOOK_STATE, DASHBOARD_STATE, ReflexClient

PREMISE = "A keeper finds a bottle."

# Stored as typed: a title that is text, however hostile.
LITERAL = [
    "Tide\x00mark",  # NUL: PostgreSQL refuses it in text, so it is dropped
    "Tide \u202etxet\u202c",  # right-to-left override
    "\U0001f469\u200d\U0001f469\u200d\U0001f467 family",  # emoji with joiners
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[x](javascript:alert(1))",
    "![x](http://127.0.0.2:9/x.png)",
    "'; DROP TABLE book; --",
]
# A clear error on the field named, and nothing stored.
REFUSED: list[tuple[str, Any]] = [
    ("title", ""),
    ("title", "   "),
    ("title", "x" * 10_000),
    ("premise", "p" * 990_000),  # just under the socket's 1 MB message cap
    ("chapters", "1_0"),
    ("chapters", "\u0661\u0660"),  # Arabic-Indic digits
    ("chapters", "1e3"),
    ("words", "+500"),
    ("title", ["a", "list"]),
    ("chapters", {"a": 1}),
]


def form(**fields: Any) -> dict[str, Any]:
    return {"title": "Plain", "premise": PREMISE, "chapters": "1", "words": "200"} | (
        fields
    )


def sql(app: AuthApp, query: str) -> list[tuple[Any, ...]]:
    engine = create_engine(sync_url(app.db_url))
    try:
        with engine.begin() as conn:
            result = conn.execute(text(query))
            return [tuple(r) for r in result.all()] if result.returns_rows else []
    finally:
        engine.dispose()


def newest_book(app: AuthApp) -> int:
    return int(sql(app, "SELECT coalesce(max(id), 0) FROM book")[0][0])


def stored(app: AuthApp) -> dict[str, set[tuple[Any, ...]]]:
    """The rows authors wrote: books and messages (sessions may slide)."""
    tables = app.tables()
    return {name: set(tables[name]) for name in ("book", "message", "user")}


async def create(tab: ReflexClient, data: dict[str, Any]) -> None:
    await tab.emit(f"{DASHBOARD_STATE}.create_book", {"form_data": data}, "/")


def wait_new_book(app: AuthApp, after: int, timeout: float = 20) -> int:
    deadline = time.monotonic() + timeout
    while (newest := newest_book(app)) <= after:
        assert time.monotonic() < deadline, "no book was stored"
        time.sleep(0.1)
    # Free the author's slot (one generation at a time is the default cap).
    sql(app, f"UPDATE book SET status = 'stopped' WHERE id = {newest}")
    return newest


async def test_hostile_values_are_refused_or_stored_literally(
    auth_app: AuthApp,
) -> None:
    app = auth_app
    before = stored(app)
    tab = await open_tab(app, app.team.admin.token, "/")
    try:
        for value in LITERAL:
            last = newest_book(app)
            await create(tab, form(title=value))
            book = wait_new_book(app, last)
            (title,) = sql(app, f"SELECT title FROM book WHERE id = {book}")[0]
            assert title == " ".join(value.replace("\x00", "").split()), value
        for field, value in REFUSED:
            last = newest_book(app)
            await create(tab, form(**{field: value}))
            await tab.wait_for(
                lambda f=field: f in tab.var(DASHBOARD_STATE, "errors"), 20
            )
            assert tab.var(DASHBOARD_STATE, "errors")[field], (field, value)
            # A plain book next: the socket is up and the errors clear.
            await create(tab, form())
            wait_new_book(app, last)
            await tab.wait_for(lambda: tab.var(DASHBOARD_STATE, "errors") == {}, 20)
        # Wrong shapes for the whole form are refused on the form's line.
        await create(tab, ["not", "a", "form"])  # type: ignore[arg-type]
        await tab.wait_for(lambda: "form" in tab.var(DASHBOARD_STATE, "errors"), 20)
    finally:
        await tab.close()
    after = stored(app)
    for name, rows in before.items():
        assert rows <= after[name], f"a stored {name} row changed"


@pytest.mark.parametrize("raw", ["9" * 30, "-1", "0", "abc", "1_0"])
async def test_hostile_book_ids_are_not_found(auth_app: AuthApp, raw: str) -> None:
    tab = await open_tab(auth_app, auth_app.team.admin.token, f"/books/{raw}")
    try:
        assert tab.var(BOOK_STATE, "found") is False
    finally:
        await tab.close()

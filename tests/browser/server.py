"""What the server holds, read behind the UI: the truth a page must come to show.

Statuses come from the app's SQLite file; texts from the app's own text route
(``/api/messages/<id>/text``), which includes the chunk log of a message that
is still streaming.
"""

from __future__ import annotations

import sqlite3
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bookgen.accounts.cookie import SESSION_COOKIE
from tests.support.devserver import AppServer

__all__ = ["Server", "StoredMessage"]

STREAMING = "streaming"


@dataclass(frozen=True)
class StoredMessage:
    """A message as stored: its text and whether more may still come."""

    id: int
    kind: str
    status: str
    text: str

    @property
    def key(self) -> str:
        """The ``message_key`` (``data-message``) of the elements showing it."""
        return f"m{self.id}"

    @property
    def length(self) -> int:
        """Code points, as the page counts them (``data-length``)."""
        return len(self.text)

    @property
    def finished(self) -> bool:
        return self.status != STREAMING


class Server:
    """Reads one running app's messages."""

    def __init__(self, app: AppServer, db_path: Path, session_token: str) -> None:
        self.app = app
        self.db_path = db_path
        # The text route serves only a session that may see the book.
        self.session_token = session_token

    def _rows(self, sql: str, *args: object) -> list[tuple[Any, ...]]:
        with sqlite3.connect(self.db_path) as conn:
            return conn.execute(sql, args).fetchall()

    def _text(self, message_id: int) -> str:
        request = urllib.request.Request(
            f"{self.app.backend_url}/api/messages/{message_id}/text",
            headers={"Cookie": f"{SESSION_COOKIE}={self.session_token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as r:
            return r.read().decode()

    def _stored(self, row: tuple[Any, ...]) -> StoredMessage:
        # The status is read first: if it says finished, the text read after
        # it is the final text.
        message_id, kind, status = row
        return StoredMessage(message_id, kind, status, self._text(message_id))

    def message(self, message_id: int) -> StoredMessage:
        (row,) = self._rows(
            "SELECT id, kind, status FROM message WHERE id = ?", message_id
        )
        return self._stored(row)

    def messages(self, book_id: int) -> list[StoredMessage]:
        """The book's messages in thread order."""
        rows = self._rows(
            "SELECT id, kind, status FROM message WHERE book_id = ? ORDER BY id",
            book_id,
        )
        return [self._stored(row) for row in rows]

    def book_status(self, book_id: int) -> str:
        ((status,),) = self._rows("SELECT status FROM book WHERE id = ?", book_id)
        return str(status)

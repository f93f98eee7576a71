"""Every URL of the app: route patterns beside the builders that fill them in.

Pages, components and the HTTP API take paths from here, so no module
hard-codes one. Builders accept an int, or a Reflex Var of one: f-string
formatting turns a Var into the matching JavaScript expression.
"""

from __future__ import annotations

from bookgen.storage.models import MAX_ROW_ID

__all__ = [
    "BOOK",
    "DASHBOARD",
    "HEALTH",
    "MESSAGE_TEXT",
    "METRICS",
    "book_id_from_path",
    "book_url",
    "message_text_url",
    "parse_id",
]

# The dashboard: every book and the new-book form.
DASHBOARD = "/"
# One book's page; Reflex fills ``bid`` from the path.
BOOK = "/books/[bid]"
# A message's text from a code-point offset (``?from=N``), as a Starlette route.
# (The id is parsed by the handler, so a bad one is a 404, not a routing miss.)
MESSAGE_TEXT = "/api/messages/{message_id}/text"
# Operators: readiness (JSON, 200/503) and Prometheus metrics (Starlette routes).
HEALTH = "/api/health"
METRICS = "/metrics"


def book_url(book_id: object) -> str:
    """The page of one book (``book_id``: an int or a Var of one)."""
    return f"/books/{book_id}"


def message_text_url(message_id: object) -> str:
    """Where a message's text is fetched (``message_id``: an int or a Var of one)."""
    return f"/api/messages/{message_id}/text"


def parse_id(raw: object) -> int | None:
    """A row id from untrusted input: plain decimal digits naming a possible row."""
    text = raw if isinstance(raw, str) else ""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ROW_ID)):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ROW_ID else None


def book_id_from_path(path: str) -> int | None:
    """The book id in a book page's path (``/books/<id>``), or None."""
    return parse_id(path.rstrip("/").rsplit("/", 1)[-1])

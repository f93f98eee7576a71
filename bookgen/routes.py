"""Every URL of the app: route patterns beside the builders that fill them in.

Pages, components and the HTTP API take paths from here, so no module
hard-codes one. Builders accept an int, or a Reflex Var of one: f-string
formatting turns a Var into the matching JavaScript expression.
"""

from __future__ import annotations

from urllib.parse import urlencode

from bookgen.storage.models import MAX_ROW_ID

__all__ = [
    "AUTH_CLAIM",
    "AUTH_LOGOUT",
    "BOOK",
    "BOOK_COVER",
    "BOOK_EPUB",
    "BOOK_MARKDOWN",
    "BOOK_TRANSCRIBE",
    "DASHBOARD",
    "HEALTH",
    "INVITE_PARAM",
    "MEMBERS",
    "MESSAGE_TEXT",
    "METRICS",
    "SIGN_IN",
    "SIGN_UP",
    "book_cover_url",
    "book_epub_url",
    "book_id_from_path",
    "book_markdown_url",
    "book_transcribe_url",
    "book_url",
    "claim_url",
    "invite_url",
    "message_text_url",
    "parse_id",
    "safe_next_path",
]

# The dashboard: every book and the new-book form.
DASHBOARD = "/"
# One book's page; Reflex fills ``bid`` from the path.
BOOK = "/books/[bid]"
# A message's text from a code-point offset (``?from=N``), as a Starlette route.
# (The id is parsed by the handler, so a bad one is a 404, not a routing miss.)
MESSAGE_TEXT = "/api/messages/{message_id}/text"
# A book's files (Starlette routes; ids parsed by the handlers, as above):
# exports of its current text, and its cover (``?size=thumb`` for the small one).
BOOK_MARKDOWN = "/api/books/{book_id}/export.md"
BOOK_EPUB = "/api/books/{book_id}/export.epub"
BOOK_COVER = "/api/books/{book_id}/cover.png"
# Dictated feedback: POST a recording, get its words back as JSON.
BOOK_TRANSCRIBE = "/api/books/{book_id}/transcribe"
# Operators: readiness (JSON, 200/503) and Prometheus metrics (Starlette routes).
HEALTH = "/api/health"
METRICS = "/metrics"
# Sign in, and sign up (the founding admin, or a member with ``?invite=``).
SIGN_IN = "/login"
SIGN_UP = "/signup"
INVITE_PARAM = "invite"
# The admin's page: members and invite links.
MEMBERS = "/members"
# HTTP routes that set and clear the HttpOnly session cookie.
AUTH_CLAIM = "/api/auth/claim"
AUTH_LOGOUT = "/api/auth/logout"


def book_url(book_id: object) -> str:
    """The page of one book (``book_id``: an int or a Var of one)."""
    return f"/books/{book_id}"


def message_text_url(message_id: object) -> str:
    """Where a message's text is fetched (``message_id``: an int or a Var of one)."""
    return f"/api/messages/{message_id}/text"


def book_markdown_url(book_id: object) -> str:
    """The Markdown download of a book (``book_id``: an int or a Var of one)."""
    return f"/api/books/{book_id}/export.md"


def book_epub_url(book_id: object) -> str:
    """The EPUB download of a book."""
    return f"/api/books/{book_id}/export.epub"


def book_transcribe_url(book_id: object) -> str:
    """Where the book page posts a dictated recording to be transcribed."""
    return f"/api/books/{book_id}/transcribe"


def book_cover_url(
    book_id: object, *, thumb: bool = False, version: object = ""
) -> str:
    """A book's cover PNG; ``thumb``: the small copy pages show. ``version``
    (a str or a Var of one; the route ignores it) changes the URL when the
    picture changes, so an open page fetches the new one."""
    url = f"/api/books/{book_id}/cover.png" + ("?size=thumb" if thumb else "")
    if isinstance(version, str) and not version:
        return url
    return url + ("&" if thumb else "?") + f"v={version}"


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


def invite_url(token: str, origin: str = "") -> str:
    """The sign-up link an admin hands out (absolute when ``origin`` is given)."""
    return f"{origin.rstrip('/')}{SIGN_UP}?{urlencode({INVITE_PARAM: token})}"


def claim_url(code: str, next_path: str) -> str:
    """Where the browser swaps a sign-in claim for its session cookie."""
    return f"{AUTH_CLAIM}?{urlencode({'code': code, 'next': next_path})}"


def safe_next_path(raw: object) -> str:
    """A path on this site to go on to, never another site (``//x``, ``/\\x``)."""
    if (
        not isinstance(raw, str)
        or not raw.startswith("/")
        or raw.startswith("//")
        or "\\" in raw
        or len(raw) > 2000
        or any(ord(ch) < 0x20 for ch in raw)
    ):
        return DASHBOARD
    return raw

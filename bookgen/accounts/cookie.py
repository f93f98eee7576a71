"""The session cookie: its name, its attributes, and reading it from a header.

``bookgen_session`` holds the session token. It is HttpOnly (no script can
read it, so an injected script cannot steal a session), SameSite=Lax (another
site's forms and fetches do not carry it) and Secure when served over HTTPS.
"""

from __future__ import annotations

from http.cookies import CookieError, SimpleCookie

__all__ = ["SESSION_COOKIE", "token_from_cookie_header"]

SESSION_COOKIE = "bookgen_session"


def token_from_cookie_header(header: object) -> str | None:
    """The session token in a ``Cookie:`` header value, or None."""
    if not isinstance(header, str) or SESSION_COOKIE not in header:
        return None
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        # A malformed neighbour cookie must not hide ours: fall back to a split.
        for part in header.split(";"):
            name, _, value = part.strip().partition("=")
            if name == SESSION_COOKIE and value:
                return value
        return None
    morsel = jar.get(SESSION_COOKIE)
    return morsel.value if morsel is not None and morsel.value else None

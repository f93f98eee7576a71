"""The session cookie: its name, its attributes, and reading it from a header.

``bookgen_session`` holds the session token. It is HttpOnly (no script can
read it, so an injected script cannot steal a session), SameSite=Lax (another
site's forms and fetches do not carry it) and Secure when served over HTTPS.
"""

from __future__ import annotations

__all__ = ["SESSION_COOKIE", "token_from_cookie_header"]

SESSION_COOKIE = "bookgen_session"


def token_from_cookie_header(header: object) -> str | None:
    """The session token in a ``Cookie:`` header value, or None.

    Split by hand (``name=value; …``, as browsers send it): a malformed
    neighbour cookie must not hide ours, as it can with ``SimpleCookie``.
    Our tokens are URL-safe, so they are never quoted.
    """
    if not isinstance(header, str):
        return None
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE:
            return value.strip() or None
    return None
